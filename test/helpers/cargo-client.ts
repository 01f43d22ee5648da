// The real cargo (rustup's) for the interop and proxy tests: one copy of how it is found,
// run with a clean environment, and given crate folders to work on.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { environWithout, type ProgramRun, runProgram } from './run-program.js';

/** rustup installs into ~/.cargo/bin, which is not always on PATH (CI's .ci/run included). */
export const CARGO = existsSync(join(homedir(), '.cargo', 'bin', 'cargo'))
  ? join(homedir(), '.cargo', 'bin', 'cargo')
  : 'cargo';

/**
 * runCargo runs cargo (async: the server may be in this process) without the caller's CARGO_*
 * and RUSTUP_TOOLCHAIN variables, with rustup's toolchains, no colours, and `env` on top
 * (CARGO_HOME above all, so every run can have a fresh one).
 */
export function runCargo(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<ProgramRun> {
  return runProgram(
    CARGO,
    args,
    cwd,
    {
      ...environWithout(['CARGO_', 'RUSTUP_TOOLCHAIN']),
      PATH: `${join(homedir(), '.cargo', 'bin')}:${process.env['PATH'] ?? ''}`,
      RUSTUP_HOME: process.env['RUSTUP_HOME'] ?? join(homedir(), '.rustup'),
      CARGO_TERM_COLOR: 'never',
      ...env,
    },
    240_000,
  );
}

/** writeFiles writes `files` (relative path → text) under `dir`, making folders; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** crateManifest is a minimal publishable Cargo.toml; `deps` is the [dependencies] body. */
export const crateManifest = (
  name: string,
  version: string,
  deps = '',
  description = 'sigil test crate',
) =>
  `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\ndescription = "${description}"\nlicense = "MIT"\n\n[dependencies]\n${deps}`;
