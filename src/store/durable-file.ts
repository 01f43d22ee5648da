/**
 * Durable, atomic file replacement on POSIX file systems: write a temporary
 * file next to the target, fsync it, rename it over the target, fsync the
 * directory. A reader sees the old bytes or the new bytes, never a mix; after
 * the directory fsync the new bytes survive a crash.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * writeFileAtomic replaces `path` with `data` (temp file + fsync + rename).
 * The rename is durable only once the caller fsyncs the parent directory
 * ({@link fsyncDir}); batching that lets many files share one directory fsync.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await fh.write(data, off, data.length - off);
      off += bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
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
  data: Uint8Array,
  mode = 0o644,
): Promise<void> {
  const dirs = new DirMaker();
  const toSync = new Set<string>([dirname(path)]);
  await dirs.ensure(dirname(path), toSync);
  await writeFileAtomic(path, data, mode);
  for (const d of toSync) await fsyncDir(d);
}
