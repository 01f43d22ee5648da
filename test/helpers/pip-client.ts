// The real pip, twine and setuptools (Debian's python) for the interop and proxy tests: one copy
// of the clean environment they run in and of how a test project is built.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's python (setuptools, wheel, venv with pip), not a pyenv shim that may lack them. */
export const PY = '/usr/bin/python3';
/** What a test names to needsProgram for PY: the modules it must import, and how to get them. */
export const PY_PROBE = ['-c', 'import setuptools, wheel, venv, pip'];
export const PY_INSTALL =
  'apt-get install python3-setuptools python3-wheel python3-venv python3-pip';

/** pythonEnv is the caller's environment without PIP_*, TWINE_* or PYTHONPATH, pip told to read no config and ask nothing. */
export function pythonEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('PIP_') && !k.startsWith('TWINE_') && k !== 'PYTHONPATH')
      env[k] = v;
  return {
    ...env,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    ...extra,
  };
}

/** runPython starts a program without blocking the event loop (the server answers from this process). */
export function runPython(
  cmd: string,
  args: string[],
  cwd: string,
  env = pythonEnv(),
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => resolve({ code: -1, out: `${out}\n${String(e)}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** buildSetuptoolsProject writes a one-module setuptools project in `dir`, builds an sdist and a wheel; returns the dist folder. */
export async function buildSetuptoolsProject(
  dir: string,
  name: string,
  module: string,
  version: string,
  requires: string[],
  body: string,
): Promise<string> {
  mkdirSync(join(dir, module), { recursive: true });
  writeFileSync(join(dir, module, '__init__.py'), body);
  writeFileSync(
    join(dir, 'setup.py'),
    `from setuptools import setup\nsetup(name=${JSON.stringify(name)}, version=${JSON.stringify(version)}, packages=[${JSON.stringify(module)}], install_requires=${JSON.stringify(requires)}, python_requires=">=3.7")\n`,
  );
  const r = await runPython(PY, ['setup.py', '-q', 'sdist', 'bdist_wheel'], dir);
  if (r.code !== 0) throw new Error(`setup.py for ${name}: ${r.out}`);
  return join(dir, 'dist');
}
