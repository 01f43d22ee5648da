/**
 * SqliteFileStorage: the embedded default {@link LogStorage}.
 *
 *   <dir>/log.db                  SQLite (WAL, exclusive lock): the commit
 *                                 record (size, root, checkpoint), the right
 *                                 edge (partial tiles and partial entry
 *                                 bundle of that size) and the dedup index
 *                                 (leaf hash → index)
 *   <dir>/public/checkpoint       the latest signed checkpoint
 *   <dir>/public/tile/<L>/<N>…    hash tiles and entry bundles (C2SP paths)
 *
 * `public/` is exactly what a static file server may serve; nothing secret
 * lives there. Objects are written with temp file + fsync + rename and the
 * directory fsync'd (io/durable-file.ts); the SQLite transaction is the commit
 * point. Full tiles and bundles are written before the commit; the partial
 * ones live in the commit record (`keepsEdge`) and are written to `public/`
 * when a checkpoint is published, just before it — so a small batch costs one
 * WAL fsync instead of a temp file, fsync and rename per partial object. The database is opened with locking_mode=EXCLUSIVE and a write at
 * open, so a second process on the same directory fails at once instead of
 * interleaving tiles with ours (the lock dies with the process, even on SIGKILL).
 */
import { rm } from 'node:fs/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Hash } from '../log/hash.js';
import { formatTilePath, TILE_WIDTH, type Tile } from '../log/tile-path.js';
import {
  type Commit,
  type CommittedState,
  type LogStorage,
  type StoredObject,
  StorageConflictError,
  StorageError,
} from './contract.js';
import { DirMaker, fsyncDir, writeFileAtomic } from '../io/durable-file.js';
import { WalSync } from './wal-sync.js';

/** MAX_CONCURRENT_READS bounds the tile reads in flight (file descriptors). */
const MAX_CONCURRENT_READS = 64;

/** publicDir is where the servable files of the log in `dir` live. */
export function publicDir(dir: string): string {
  return join(dir, 'public');
}

export class SqliteFileStorage implements LogStorage {
  readonly keepsEdge = true;
  readonly dir: string;
  readonly publicDir: string;
  private readonly db: Database.Database;
  private readonly dirs = new DirMaker();
  private reading = 0;
  private readonly readWaiters: (() => void)[] = [];
  private readonly selectState: Database.Statement;
  private readonly selectDedup: Database.Statement;
  private readonly insertDedup: Database.Statement;
  private readonly updateState: Database.Statement;
  private readonly insertState: Database.Statement;
  private readonly selectEdge: Database.Statement;
  private readonly deleteEdge: Database.Statement;
  private readonly insertEdge: Database.Statement;
  private readonly commitTx: (c: Commit) => void;
  private readonly wal: WalSync;

  /** Opens (creating if needed) the log storage in `dir`. Throws StorageError when another process holds it. */
  constructor(dir: string) {
    this.dir = dir;
    this.publicDir = publicDir(dir);
    try {
      mkdirSync(this.publicDir, { recursive: true });
      this.db = new Database(join(dir, 'log.db'), { timeout: 0 });
      this.wal = new WalSync(join(dir, 'log.db'));
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      // Commits are made durable by this.wal.sync(), off the event loop (src/store/wal-sync.ts).
      this.db.pragma('synchronous = NORMAL');
      // The dedup index takes random inserts: keep its pages in memory (64 MiB) and checkpoint the WAL less often.
      this.db.pragma('cache_size = -65536');
      this.db.pragma('wal_autocheckpoint = 8192');
      // A write transaction now: takes the exclusive lock for the life of the process.
      this.db.exec(`
        BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          size INTEGER NOT NULL,
          root BLOB NOT NULL,
          checkpoint TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS dedup (hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS edge (
          level INTEGER PRIMARY KEY,
          idx INTEGER NOT NULL,
          width INTEGER NOT NULL,
          data BLOB NOT NULL
        );
        COMMIT;
      `);
    } catch (cause) {
      const busy =
        (cause as { code?: string }).code?.startsWith('SQLITE_BUSY') ||
        (cause as { code?: string }).code === 'SQLITE_LOCKED';
      throw new StorageError(
        `cannot open the log database in ${dir}: ${(cause as Error).message}`,
        {
          cause,
          ...(busy
            ? {
                hint: 'another process (a running `sigil log serve`?) is using this data directory',
              }
            : {}),
        },
      );
    }
    this.selectState = this.db.prepare('SELECT size, root, checkpoint FROM state WHERE id = 1');
    this.selectDedup = this.db.prepare('SELECT idx FROM dedup WHERE hash = ?').pluck();
    this.insertDedup = this.db.prepare('INSERT INTO dedup (hash, idx) VALUES (?, ?)');
    this.updateState = this.db.prepare(
      'UPDATE state SET size = ?, root = ?, checkpoint = ? WHERE id = 1 AND size = ?',
    );
    this.insertState = this.db.prepare(
      'INSERT INTO state (id, size, root, checkpoint) VALUES (1, ?, ?, ?)',
    );
    this.selectEdge = this.db.prepare(
      'SELECT data FROM edge WHERE level = ? AND idx = ? AND width = ?',
    );
    this.deleteEdge = this.db.prepare('DELETE FROM edge');
    this.insertEdge = this.db.prepare(
      'INSERT INTO edge (level, idx, width, data) VALUES (?, ?, ?, ?)',
    );
    this.commitTx = this.db.transaction((c: Commit) => {
      const root = Buffer.from(c.root);
      if (c.oldSize === undefined) {
        const existing = this.selectState.get() as { size: number } | undefined;
        if (existing) throw new StorageConflictError(undefined, existing.size);
        this.insertState.run(c.size, root, c.checkpoint);
      } else if (this.updateState.run(c.size, root, c.checkpoint, c.oldSize).changes !== 1) {
        const existing = this.selectState.get() as { size: number } | undefined;
        throw new StorageConflictError(c.oldSize, existing?.size);
      }
      // Sorted by hash: the B-tree inserts then walk the pages in order.
      const rows = c.dedup
        .map(([h, i]) => [Buffer.from(h.buffer, h.byteOffset, h.byteLength), i] as const)
        .sort((a, b) => Buffer.compare(a[0], b[0]));
      for (const [h, i] of rows) this.insertDedup.run(h, i);
      if (c.edge !== undefined) {
        // The edge of the new size replaces the old one (a level that filled up has no row).
        this.deleteEdge.run();
        for (const o of c.edge) {
          if (o.tile.width >= TILE_WIDTH)
            throw new StorageError(
              `${formatTilePath(o.tile)} is a full tile, not part of the edge`,
            );
          this.insertEdge.run(o.tile.level, o.tile.index, o.tile.width, o.data);
        }
      }
    });
  }

  async loadState(): Promise<CommittedState | undefined> {
    const row = this.selectState.get() as
      { size: number; root: Buffer; checkpoint: string } | undefined;
    if (!row) return undefined;
    return { size: row.size, root: new Uint8Array(row.root), checkpoint: row.checkpoint };
  }

  async lookup(hashes: readonly Hash[]): Promise<(number | undefined)[]> {
    return hashes.map(
      (h) =>
        this.selectDedup.get(Buffer.from(h.buffer, h.byteOffset, h.byteLength)) as
          number | undefined,
    );
  }

  private path(t: Tile): string {
    return join(this.publicDir, formatTilePath(t));
  }

  writeTiles(objects: readonly StoredObject[]): Promise<void> {
    return this.writeObjects(objects);
  }

  private async writeObjects(objects: readonly StoredObject[]): Promise<void> {
    const toSync = new Set<string>();
    try {
      await Promise.all(
        objects.map(async (o) => {
          const p = this.path(o.tile);
          const d = dirname(p);
          toSync.add(d);
          await this.dirs.ensure(d, toSync);
          await writeFileAtomic(p, o.data, { syncDir: false }); // one fsync per folder below
        }),
      );
      await Promise.all([...toSync].map((d) => fsyncDir(d)));
    } catch (cause) {
      this.dirs.forget();
      throw new StorageError(
        `cannot write log tiles under ${this.publicDir}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  async readTile(tile: Tile): Promise<Uint8Array | undefined> {
    // Bounded: a burst of readers (HTTP, proofs) must not run the process out of file descriptors.
    while (this.reading >= MAX_CONCURRENT_READS)
      await new Promise<void>((r) => this.readWaiters.push(r));
    this.reading++;
    try {
      return await this.readTileNow(tile);
    } finally {
      this.reading--;
      this.readWaiters.shift()?.();
    }
  }

  private async readTileNow(tile: Tile): Promise<Uint8Array | undefined> {
    if (tile.width < TILE_WIDTH) {
      const row = this.selectEdge.get(tile.level, tile.index, tile.width) as
        { data: Buffer } | undefined;
      if (row) return new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    }
    try {
      // Synchronous on purpose: a tile is ≤ 8 KiB and usually in the page cache (~20 µs), while
      // the async path takes four thread-pool hops queued behind the sequencer's fsyncs (~0.5 ms+).
      const b = readFileSync(this.path(tile));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw new StorageError(`cannot read ${formatTilePath(tile)}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async commit(c: Commit): Promise<void> {
    try {
      this.commitTx(c);
      await this.wal.sync();
    } catch (e) {
      if (e instanceof StorageConflictError) throw e;
      throw new StorageError(`cannot commit the log state: ${(e as Error).message}`, { cause: e });
    }
  }

  async publishCheckpoint(checkpoint: string, edge: readonly StoredObject[] = []): Promise<void> {
    // The partial objects the checkpoint names first: a static reader never sees it without them.
    if (edge.length > 0) await this.writeObjects(edge);
    try {
      await writeFileAtomic(join(this.publicDir, 'checkpoint'), checkpoint);
    } catch (cause) {
      throw new StorageError(
        `cannot write the checkpoint under ${this.publicDir}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  async prune(fullTiles: readonly Tile[]): Promise<void> {
    await Promise.all(
      fullTiles.map((t) =>
        rm(`${this.path(t)}.p`, { recursive: true, force: true }).catch(() => undefined),
      ),
    );
  }

  async close(): Promise<void> {
    this.wal.close();
    if (this.db.open) this.db.close();
  }
}
