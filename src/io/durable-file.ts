/**
 * The one durable, atomic file replacement of Sigil (POSIX file systems):
 * write a uniquely named temporary file next to the target, fsync it, rename
 * it over the target, fsync the directory. A reader sees the old bytes or the
 * new bytes, never a mix; after the directory fsync the new bytes survive a
 * crash. Every layer that writes a whole file uses it (the CLI through
 * cli/files.ts, which only turns errors into messages). src/io is the lowest
 * I/O layer: it imports nothing of Sigil, so the client and the CLI's light
 * commands can use it without reaching into the server's store.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits of a new file (default 0o644). */
  readonly mode?: number;
  /** Refuse (EEXIST) when `path` exists, decided atomically by link(2): two exclusive writers never both win. */
  readonly exclusive?: boolean;
  /**
   * fsync the parent directory after the rename (default true). Pass false
   * only when the caller fsyncs it itself, batching many files into one
   * directory fsync ({@link fsyncDir}).
   */
  readonly syncDir?: boolean;
}

/** A temp name no other writer (process or concurrent call) can pick: hidden, beside the target. */
function tempNameFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * writeFileAtomic replaces `path` with `data`: a uniquely named temp file
 * beside it, written and fsynced, renamed over the target, then the folder
 * fsynced. Readers see the old bytes or the new bytes, never a mix; when it
 * returns, the new bytes survive a crash. Concurrent writers never collide:
 * the last rename wins whole. Errors are the system's (ENOSPC stays ENOSPC);
 * the temp file is removed on failure.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const bytes = toBytes(data);
  const tmp = tempNameFor(path);
  let placed = false;
  try {
    const fh = await open(tmp, 'wx', options.mode ?? 0o644);
    try {
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.exclusive) await link(tmp, path);
    else await rename(tmp, path);
    placed = !options.exclusive;
  } finally {
    if (!placed) await unlink(tmp).catch(() => undefined);
  }
  if (options.syncDir !== false) await fsyncDir(dirname(path));
}

/** writeFileAtomicSync is {@link writeFileAtomic} for synchronous callers (the CLI). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const bytes = toBytes(data);
  const tmp = tempNameFor(path);
  let placed = false;
  try {
    const fd = openSync(tmp, 'wx', options.mode ?? 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
    placed = !options.exclusive;
  } finally {
    if (!placed) {
      try {
        unlinkSync(tmp);
      } catch {
        /* never created, or already gone */
      }
    }
  }
  if (options.syncDir !== false) {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** fsyncDir makes the directory entries of `dir` (new names, renames) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * DirMaker creates directories (mkdir -p) and remembers which directories
 * need an fsync so that newly created ones are durable: the parent of every
 * directory it created. Directories it has seen are cached.
 */
export class DirMaker {
  private readonly known = new Set<string>();

  /** ensure creates `dir` if needed and adds to `toSync` the directories whose entries changed. */
  async ensure(dir: string, toSync: Set<string>): Promise<void> {
    if (this.known.has(dir)) return;
    const first = await mkdir(dir, { recursive: true });
    if (first !== undefined) {
      // Every directory from `first` down to `dir` is new: its parent's entry must be synced.
      for (let d = dir; ; d = dirname(d)) {
        toSync.add(dirname(d));
        if (d === first || d === dirname(d)) break;
      }
    }
    this.known.add(dir);
  }

  /** forget drops the cache (after an error, when the disk state is unknown). */
  forget(): void {
    this.known.clear();
  }
}

/** writeFileDurable replaces `path` atomically and durably, creating its directory if needed. */
export async function writeFileDurable(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const dirs = new DirMaker();
  const toSync = new Set<string>([dirname(path)]);
  await dirs.ensure(dirname(path), toSync);
  await writeFileAtomic(path, data, { mode, syncDir: false });
  for (const d of toSync) await fsyncDir(d);
}
