// Starting a real client from a test: async (the server under test answers from this process, so
// a spawnSync would deadlock), output collected, and an environment without the caller's settings.
import { spawn } from 'node:child_process';

export interface ProgramRun {
  code: number;
  out: string;
}

/** runProgram runs `cmd` to its end; stdout and stderr together in `out`; code -1 when it could not start. */
export function runProgram(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ProgramRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => resolve({ code: -1, out: `${out}\n${String(e)}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** environWithout: this process's environment minus variables with the given prefixes (a developer's PIP_*, GEM_*, … must not leak in). */
export function environWithout(prefixes: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !prefixes.some((p) => k.startsWith(p))) env[k] = v;
  return env;
}
