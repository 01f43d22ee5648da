/**
 * WalSync makes committed SQLite transactions durable without blocking the event loop.
 *
 * In WAL mode the only thing `synchronous = FULL` adds to a commit is one fsync of the WAL
 * file, on the calling thread: with better-sqlite3 that is the event loop, so every commit
 * stopped all other requests for one disk flush (~5 ms here). A connection that commits under
 * `synchronous = NORMAL` and then calls {@link WalSync.sync} gets the same guarantee — the
 * fsync covers every frame written before it, and SQLite still syncs the WAL header itself
 * when it starts reusing the file after a checkpoint (NORMAL does that too) — while the fsync
 * runs on libuv's thread pool. Nothing may be acknowledged before `sync()` resolves.
 *
 * The WAL keeps its inode while the connection is open (SQLite truncates or rewrites it, never
 * replaces it), so the file is opened once, after the connection's first commit created it.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class WalSync {
  private wal: Promise<FileHandle> | undefined;
  private closed = false;

  /** @param dbFile the database file; its WAL is `<dbFile>-wal`. */
  constructor(private readonly dbFile: string) {}

  /** sync resolves once every transaction committed before the call is on disk. */
  async sync(): Promise<void> {
    if (this.closed) throw new Error(`${this.dbFile}: closed`);
    this.wal ??= open(`${this.dbFile}-wal`, 'r');
    await (await this.wal).datasync();
  }

  /** close releases the file (call before closing the connection). */
  close(): void {
    this.closed = true;
    void this.wal?.then((fh) => fh.close()).catch(() => {});
  }
}
