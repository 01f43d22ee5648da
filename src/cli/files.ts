/**
 * File I/O of the CLI: artifacts as streams, atomic writes (nothing is ever
 * left half-written: write a temporary file in the same folder, fsync,
 * rename), and permission checks on key files.
 */
import {
  closeSync,
  createReadStream,
  openSync,
  read,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../core/errors.js';
import { writeFileAtomicSync } from '../io/durable-file.js';
import type { Artifact } from '../ecosystems/adapter.js';
import { Progress, type Io } from './output.js';

/** statFile returns the file's stats or throws an InputError that names it. */
export function statFile(path: string, what = 'file'): ReturnType<typeof statSync> & {} {
  try {
    const st = statSync(path);
    if (st.isDirectory())
      throw new InputError(
        'NOT_A_FILE',
        `${path} is a directory, expected ${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`,
        { file: path },
      );
    return st;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      'FILE_NOT_FOUND',
      code === 'ENOENT'
        ? `${path}: no such ${what}`
        : `cannot read ${path}: ${(e as Error).message}`,
      { file: path },
    );
  }
}

/** readTextFile reads a small text file with an error that names it. */
export function readTextFile(path: string, what = 'file'): string {
  statFile(path, what);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('FILE_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, {
      file: path,
    });
  }
}

const PROGRESS_THRESHOLD = 64 * 1024 ** 2;

/** fileArtifact makes an Artifact over a file on disk, with progress on stderr for big files. */
export function fileArtifact(path: string, io?: Io, options: { quiet?: boolean } = {}): Artifact {
  const st = statFile(path, 'artifact');
  const size = Number(st.size);
  return {
    name: basename(path),
    path,
    size,
    open() {
      const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
      if (!io || size < PROGRESS_THRESHOLD) return stream;
      const progress = new Progress(
        io,
        `reading ${basename(path)}`,
        size,
        io.stderrIsTTY && !options.quiet,
      );
      let done = 0;
      stream.on('data', (c) => progress.update((done += c.length)));
      stream.on('close', () => progress.done());
      return stream;
    },
    async *openTransient() {
      // Two 1 MiB buffers, refilled in place: hashing 4 GiB allocates nothing per chunk, and the
      // next read (a thread-pool copy from the page cache) runs while the caller hashes this one.
      const bufs: [Buffer, Buffer] = [
        Buffer.allocUnsafe(1024 * 1024),
        Buffer.allocUnsafe(1024 * 1024),
      ];
      const fd = openSync(path, 'r');
      const fill = (buf: Buffer) =>
        new Promise<number>((resolve, reject) =>
          read(fd, buf, 0, buf.length, null, (err, bytes) => (err ? reject(err) : resolve(bytes))),
        );
      const progress =
        io && size >= PROGRESS_THRESHOLD
          ? new Progress(io, `hashing ${basename(path)}`, size, io.stderrIsTTY && !options.quiet)
          : undefined;
      let pending: Promise<number> | undefined = fill(bufs[0]);
      try {
        let done = 0;
        for (let i: 0 | 1 = 0; ; i = i === 0 ? 1 : 0) {
          const n: number = await pending!;
          pending = undefined;
          if (n === 0) break;
          // The caller is done with the other buffer (it asked for the next chunk): read into it now.
          pending = fill(bufs[i === 0 ? 1 : 0]);
          done += n;
          progress?.update(done);
          yield bufs[i].subarray(0, n);
        }
      } finally {
        // Never close the descriptor under a read in flight (the caller stopped early).
        if (pending) await pending.catch(() => 0);
        progress?.done();
        closeSync(fd);
      }
    },
    async bytes() {
      return readFileSync(path);
    },
  };
}

/** readHead returns up to n first bytes of a file, for type detection. */
export function readHead(path: string, n = 512): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const read = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * writeFileAtomic writes data so that readers see the old file or the whole
 * new one, never a part, and the new one survives a crash (the one durable
 * write, io/durable-file.ts); failures become messages that name the file.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; exclusive?: boolean } = {},
): void {
  try {
    writeFileAtomicSync(path, data, options);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && options.exclusive)
      throw new InputError('FILE_EXISTS', `${path} already exists; refusing to overwrite it`, {
        file: path,
        hint: 'choose another --out, or move the old file away first',
      });
    throw new InputError('FILE_WRITE_FAILED', `cannot write ${path}: ${(e as Error).message}`, {
      file: path,
    });
  }
}

/** isReadableByOthers tells whether a file's permissions let group or others read it (POSIX only). */
export function isReadableByOthers(path: string): boolean {
  if (process.platform === 'win32') return false;
  return (Number(statSync(path).mode) & 0o044) !== 0;
}
