// The real composer 2 (Debian's) for the interop and proxy tests: one copy of how it is run in a
// throw-away home, and of the small dist zips both install.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeZip } from '../ecosystems/helpers.js';
import { environWithout, type ProgramRun, runProgram } from './run-program.js';

let homes = 0;

/**
 * runComposer runs composer non-interactively (async: the server may be in this process) with a
 * fresh COMPOSER_HOME and cache under `root`, none of the caller's COMPOSER* variables.
 */
export function runComposer(args: string[], cwd: string, root: string): Promise<ProgramRun> {
  const home = join(root, `composer-home-${homes++}`);
  mkdirSync(home, { recursive: true });
  return runProgram('composer', [...args, '--no-interaction', '--no-ansi'], cwd, {
    ...environWithout(['COMPOSER']),
    COMPOSER_HOME: home,
    COMPOSER_CACHE_DIR: join(home, 'cache'),
    COMPOSER_DISABLE_NETWORK: '0',
    COMPOSER_ALLOW_SUPERUSER: '1',
  });
}

/**
 * composerDist is a dist zip of package `vendor/name`: its composer.json (`require`, PSR-4
 * autoload under `<phpNamespace>\<Name>\`) and one class whose body is `php`.
 */
export function composerDist(
  name: string,
  require: Record<string, string>,
  php: string,
  phpNamespace: string,
  description: string,
): Buffer {
  const cls = name.split('/')[1]!.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
  return makeZip([
    {
      name: 'composer.json',
      data: JSON.stringify({
        name,
        description,
        type: 'library',
        license: 'MIT',
        require,
        autoload: { 'psr-4': { [`${phpNamespace}\\${cls}\\`]: 'src/' } },
      }),
    },
    {
      name: `src/${cls}.php`,
      data: `<?php\nnamespace ${phpNamespace}\\${cls};\nclass ${cls} { ${php} }\n`,
    },
  ]);
}

/** runPhp runs `code` with the project's vendor/autoload.php loaded; resolves with what it printed. */
export function runPhp(cwd: string, code: string): Promise<string> {
  return new Promise<string>((resolve) => {
    const c = spawn('php', ['-r', `require "vendor/autoload.php"; ${code}`], { cwd });
    let o = '';
    c.stdout.on('data', (d: Buffer) => (o += d.toString()));
    c.on('close', () => resolve(o));
  });
}
