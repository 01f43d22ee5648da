// Real sigil processes on loopback for the witness tests: start one, wait for its "url:" line,
// stop it (SIGTERM) or kill it (SIGKILL). Every process started is killed in cleanup().
import { type ChildProcess, spawn } from 'node:child_process';
import { SIGIL_BIN } from '../helpers/cli.js';

export interface SigilProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
}

const started = new Set<ChildProcess>();

export async function startSigil(
  args: string[],
  env: Record<string, string> = {},
): Promise<SigilProcess> {
  const child = spawn(process.execPath, [SIGIL_BIN, ...args], {
    env: { ...process.env, SIGIL_PASSPHRASE: 'correct horse battery staple', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.on('exit', () => started.delete(child));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sigil ${args.join(' ')} did not start: ${err}`)),
      20_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /^url: (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sigil ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
  return { child, url, stdout: () => out, stderr: () => err };
}

export async function stop(p: SigilProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill(signal);
  await exited;
}

export async function cleanup(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
