// Makes real npm tarballs with `npm pack` (the same bytes npm publishes).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Packed {
  path: string;
  integrity: string;
  name: string;
  version: string;
}

export function npmPack(
  dir: string,
  manifest: Record<string, unknown>,
  files: Record<string, string> = { 'index.js': 'module.exports = 42;\n' },
): Packed {
  const src = join(
    dir,
    `src-${String(manifest['name']).replace(/[@/]/g, '_')}-${String(manifest['version'])}`,
  );
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const [n, c] of Object.entries(files)) writeFileSync(join(src, n), c);
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: src,
    encoding: 'utf8',
    env: {
      ...process.env,
      NPM_CONFIG_USERCONFIG: join(dir, '.npmrc-none'),
      NPM_CONFIG_CACHE: join(dir, '.npm-cache'),
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    },
  });
  const info = JSON.parse(out)[0] as {
    filename: string;
    integrity: string;
    name: string;
    version: string;
  };
  return {
    path: join(dir, info.filename),
    integrity: info.integrity,
    name: info.name,
    version: info.version,
  };
}
