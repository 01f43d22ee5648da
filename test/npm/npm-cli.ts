// Run the real npm CLI against a test registry, isolated from this machine's npm config.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needsProgram } from '../helpers/real-program.js';

export const OFFLINE_TUF_SHIM = fileURLToPath(new URL('./offline-tuf-shim.cjs', import.meta.url));

/** npmProgram: the real npm (test/helpers/real-program.ts: under CI=true a missing npm fails, never skips). */
export const npmProgram = needsProgram('npm', ['--version'], 'npm ships with Node.js', undefined, {
  mustExitZero: true,
});
export const npmAvailable = npmProgram.present;

export interface NpmEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly npmrc: string;
}

/**
 * isolatedNpm writes a fresh .npmrc (the registry's auth token, nothing else of
 * this machine's) and a fresh cache under `dir`, and returns the environment:
 * the parent's npm_config_* variables (set when tests run under `npm run`) removed.
 */
export function isolatedNpm(dir: string, registryUrl: string, token?: string): NpmEnv {
  mkdirSync(dir, { recursive: true });
  const hostPath = registryUrl.replace(/^https?:/, '').replace(/\/?$/, '/');
  const npmrc = join(dir, '.npmrc');
  writeFileSync(
    npmrc,
    [
      `registry=${registryUrl.replace(/\/?$/, '/')}`,
      token ? `${hostPath}:_authToken=${token}` : '',
      'update-notifier=false',
      'fund=false',
      'audit=false',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_config_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  env['NPM_CONFIG_USERCONFIG'] = npmrc;
  env['NPM_CONFIG_GLOBALCONFIG'] = join(dir, 'npmrc-global-none');
  env['NPM_CONFIG_CACHE'] = join(dir, 'cache');
  return { env, npmrc };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** runNpm runs npm asynchronously (the registry under test lives in this process: never block the event loop). */
export function runNpm(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, {
      cwd,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** writePackage makes a package folder with package.json and index.js. */
export function writePackage(root: string, manifest: Record<string, unknown>): string {
  const dir = join(
    root,
    `${String(manifest['name']).replace(/[@/]/g, '_')}-${String(manifest['version'])}`,
  );
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const deps = Object.keys((manifest['dependencies'] as Record<string, string> | undefined) ?? {});
  writeFileSync(
    join(dir, 'index.js'),
    `${deps.map((d, i) => `const d${i} = require(${JSON.stringify(d)});`).join('\n')}\nmodule.exports = ${JSON.stringify(`${String(manifest['name'])}@${String(manifest['version'])}`)};\n`,
  );
  return dir;
}
