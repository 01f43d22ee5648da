// The real pip, twine and setuptools from a test: one clean environment (no user config, no
// version check), Debian's python, and one way to build a test project.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environWithout, runProgram } from './run-program.js';

/** Debian's python (setuptools, wheel, venv with pip), not a pyenv shim that may lack them. */
export const PY = '/usr/bin/python3';
/** needsProgram's probe and install hint for PY. */
export const PY_PROBE = ['-c', 'import setuptools, wheel, venv, pip'];
export const PY_INSTALL =
  'apt-get install python3-setuptools python3-wheel python3-venv python3-pip';

/** pipEnv: environment for pip/twine without the caller's PIP_, TWINE_ and PYTHONPATH settings. */
export function pipEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...environWithout(['PIP_', 'TWINE_', 'PYTHONPATH']),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    ...extra,
  };
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
  const r = await runProgram(PY, ['setup.py', '-q', 'sdist', 'bdist_wheel'], dir, pipEnv());
  if (r.code !== 0) throw new Error(`setup.py for ${name}: ${r.out}`);
  return join(dir, 'dist');
}
