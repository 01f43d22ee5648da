/**
 * xz compression, for the `Packages.xz` indexes apt prefers. There is no maintained pure-JS
 * xz encoder, so this runs Debian's `xz` (xz-utils, which every Debian system has) as a child
 * process, asynchronously: the server keeps answering while a large index is compressed.
 * Without an `xz` program it answers undefined, and the caller serves no `.xz` (apt then takes
 * `Packages.gz`).
 */
import { spawn } from 'node:child_process';

let missing = false;

/** xzCompress gives `data` as .xz (check CRC64, one thread), or undefined when no `xz` program is installed. */
export function xzCompress(data: Uint8Array, level = 6): Promise<Buffer | undefined> {
  if (missing) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['--compress', '--stdout', '-T1', `-${level}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        missing = true;
        resolve(undefined);
      } else reject(e);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else if (!missing) reject(new Error(`xz exited with ${code}: ${err.trim().slice(0, 200)}`));
    });
    child.stdin.on('error', () => {}); // reported through 'close'/'error'
    child.stdin.end(data);
  });
}
