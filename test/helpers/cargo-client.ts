// The real cargo (rustup's) for the interop and proxy tests: one copy of how it is found,
// run with a clean environment, and given crate folders to work on.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('CARGO_') && !k.startsWith('RUSTUP_TOOLCHAIN'))
        base[k] = v;
    const child = spawn(CARGO, args, {
      cwd,
      env: {
        ...base,
        PATH: `${join(homedir(), '.cargo', 'bin')}:${process.env['PATH'] ?? ''}`,
        RUSTUP_HOME: process.env['RUSTUP_HOME'] ?? join(homedir(), '.rustup'),
        CARGO_TERM_COLOR: 'never',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => resolve({ code: -1, out: `${out}\n${String(e)}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
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
