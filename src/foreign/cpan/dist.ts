/**
 * Reading a CPAN distribution: an unpacked directory or a .tar.gz, with
 * limits on file count, file size and total size, refusing path traversal
 * and links. The single top-level directory (Foo-1.0/) is stripped.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { InputError } from '../../core/errors.js';
import type { DistFiles } from './verify.js';

/** DIST_LIMITS bounds what a distribution may hold. */
export const DIST_LIMITS = {
  files: 20_000,
  fileBytes: 256 * 2 ** 20,
  totalBytes: 1024 * 2 ** 20,
} as const;

/** readDistDirectory reads every regular file under `dir`, keyed by "/"-separated relative path. Symlinks are skipped. */
export async function readDistDirectory(dir: string): Promise<DistFiles> {
  const out = new Map<string, Uint8Array>();
  let total = 0;
  async function walk(rel: string) {
    for (const name of await readdir(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, r));
      if (st.isDirectory()) await walk(r);
      else if (st.isFile()) {
        if (out.size >= DIST_LIMITS.files)
          throw new InputError('CPAN_DIST_TOO_LARGE', `more than ${DIST_LIMITS.files} files`, {
            file: dir,
          });
        if (st.size > DIST_LIMITS.fileBytes || (total += st.size) > DIST_LIMITS.totalBytes)
          throw new InputError('CPAN_DIST_TOO_LARGE', `${r}: over the size limit`, { file: dir });
        out.set(r, new Uint8Array(await readFile(join(dir, r))));
      }
    }
  }
  await walk('');
  return out;
}

/** readDistTarball unpacks a .tar.gz in memory. Throws InputError `CPAN_DIST_BAD_ARCHIVE` / `CPAN_DIST_TOO_LARGE`. */
export async function readDistTarball(
  bytes: Uint8Array,
  file = 'distribution',
): Promise<DistFiles> {
  const raw = new Map<string, Uint8Array>();
  let total = 0;
  let problem: InputError | undefined;
  await new Promise<void>((resolve) => {
    const p = new Parser({ strict: true });
    p.on('entry', (e: ReadEntry) => {
      const path = posix.normalize(e.path);
      if (e.type !== 'File' && e.type !== 'OldFile') {
        e.resume();
        return;
      }
      if (path.startsWith('/') || path.split('/').includes('..')) {
        problem ??= new InputError(
          'CPAN_DIST_BAD_ARCHIVE',
          `${file}: unsafe path ${JSON.stringify(e.path)}`,
          { file },
        );
        e.resume();
        return;
      }
      if (
        raw.size >= DIST_LIMITS.files ||
        (e.size ?? 0) > DIST_LIMITS.fileBytes ||
        (total += e.size ?? 0) > DIST_LIMITS.totalBytes
      ) {
        problem ??= new InputError(
          'CPAN_DIST_TOO_LARGE',
          `${file}: over the size or file-count limit`,
          { file },
        );
        e.resume();
        return;
      }
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => raw.set(path, new Uint8Array(Buffer.concat(chunks))));
    });
    p.on('error', (err: unknown) => {
      problem ??= new InputError(
        'CPAN_DIST_BAD_ARCHIVE',
        `${file}: ${err instanceof Error ? err.message : String(err)}`,
        { file },
      );
      resolve();
    });
    p.on('warn', (_code: string, msg: string) => {
      problem ??= new InputError('CPAN_DIST_BAD_ARCHIVE', `${file}: ${msg}`, { file });
    });
    p.on('end', () => resolve());
    p.on('close', () => resolve());
    p.end(Buffer.from(bytes));
  });
  if (problem) throw problem;
  const tops = new Set([...raw.keys()].map((k) => k.split('/')[0]));
  const strip = tops.size === 1 && [...raw.keys()].every((k) => k.includes('/'));
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of raw) out.set(strip ? k.slice(k.indexOf('/') + 1) : k, v);
  return out;
}
