// Runs the CLI in-process with captured output (fast), or as a real process (for exit codes and streams).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    stderrIsTTY: false,
    env: { SIGIL_PASSPHRASE: 'correct horse battery staple', ...env },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

export const SIGIL_BIN = fileURLToPath(new URL('../../bin/sigil.js', import.meta.url));

/** runSigilProcess runs the built CLI (dist/) as a child process. */
export function runSigilProcess(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): CliRun {
  const r = spawnSync(process.execPath, [SIGIL_BIN, ...args], {
    env: { ...process.env, SIGIL_PASSPHRASE: 'correct horse battery staple', ...env },
    encoding: 'utf8',
    ...(cwd ? { cwd } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
