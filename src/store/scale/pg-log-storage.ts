/**
 * PgLogStorage: the {@link LogStorage} of the scale-out deployment —
 * PostgreSQL holds the commit record, the dedup index and which object holds
 * each tile; an S3-compatible store holds the tiles and entry bundles under
 * immutable content-addressed keys (objects.ts).
 *
 * How it keeps the storage contract (contract.ts) across processes:
 * - `writeTiles` PUTs each object under `sha256/<hex>` (durable on the
 *   store's acknowledgement) and remembers path → sha256 in memory; nothing
 *   about the tree changes for readers yet.
 * - `commit` is one PostgreSQL transaction: lock the log's state row
 *   (`SELECT … FOR UPDATE`), compare its size with `oldSize` (the CAS: a
 *   second integrator gets {@link StorageConflictError}), record the new
 *   size in `log_tree` — whose primary key (log, size) with a root check
 *   means no two checkpoints of one size with different roots can ever be
 *   committed (Sunlight's lock rule) — then the dedup rows and the path
 *   mappings, then the new state. Because mappings change only inside the
 *   CAS-protected transaction, a losing integrator can never repoint a
 *   committed path at its own tiles.
 * - Readers map a path through PostgreSQL (strongly consistent) to a hash
 *   and fetch the object by hash, retrying while it is not yet visible and
 *   refusing bytes that do not match the hash.
 * - `publishCheckpoint` writes the one mutable object, `checkpoint`, for
 *   static readers; PostgreSQL's commit record is the authority.
 */
import type pg from 'pg';
import type { Hash } from '../../log/hash.js';
import { formatTilePath, TILE_WIDTH, type Tile } from '../../log/tile-path.js';
import {
  type Commit,
  type CommittedState,
  type LogStorage,
  type StoredObject,
  StorageConflictError,
} from '../contract.js';
import { ContentStore } from './objects.js';
import { inTransaction, pgCall } from './pg.js';

/** Committed path mappings remembered per storage. */
const MAX_MAPPED = 65536;

/** Objects PUT at once per writeTiles call. */
const PUT_CONCURRENCY = 8;

export interface PgLogStorageOptions {
  /** Name of the log in the shared tables (one database may hold several logs). */
  readonly log: string;
  /** Read-only: commit and publishCheckpoint refuse (replicas that serve reads only). */
  readonly readOnly?: boolean;
  /** Close the pool with the storage (default false: the pool is shared). */
  readonly ownsPool?: boolean;
}

export class PgLogStorage implements LogStorage {
  private readonly log: string;
  /** path → sha256 of objects written but not yet committed. */
  private staged = new Map<string, string>();
  /** path → sha256 of committed objects already read (bounded). */
  private readonly mapped = new Map<string, string>();
  /** Statements sent per operation kind (capacity figures: PostgreSQL round trips per batch). */
  readonly counters = { commits: 0, roundTrips: 0 };

  constructor(
    private readonly pool: pg.Pool,
    readonly content: ContentStore,
    private readonly options: PgLogStorageOptions,
  ) {
    this.log = options.log;
  }

  async loadState(): Promise<CommittedState | undefined> {
    return pgCall('load state', async () => {
      this.counters.roundTrips++;
      const r = await this.pool.query<{ size: string; root: Buffer; checkpoint: string }>(
        'SELECT size, root, checkpoint FROM log_state WHERE log = $1',
        [this.log],
      );
      const row = r.rows[0];
      return (
        row && {
          size: Number(row.size),
          root: new Uint8Array(row.root),
          checkpoint: row.checkpoint,
        }
      );
    });
  }

  async lookup(hashes: readonly Hash[]): Promise<(number | undefined)[]> {
    if (hashes.length === 0) return [];
    return pgCall('dedup lookup', async () => {
      this.counters.roundTrips++;
      const r = await this.pool.query<{ hash: Buffer; idx: string }>(
        'SELECT hash, idx FROM log_dedup WHERE log = $1 AND hash = ANY($2::bytea[])',
        [this.log, hashes.map((h) => Buffer.from(h))],
      );
      const found = new Map(r.rows.map((x) => [x.hash.toString('hex'), Number(x.idx)]));
      return hashes.map((h) => found.get(Buffer.from(h).toString('hex')));
    });
  }

  async writeTiles(objects: readonly StoredObject[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < objects.length) {
        const o = objects[next++]!;
        const sha = await this.content.put(o.data);
        this.staged.set(formatTilePath(o.tile), sha);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, objects.length) }, worker));
  }

  async readTile(tile: Tile): Promise<Uint8Array | undefined> {
    const path = formatTilePath(tile);
    // The sequencer reads only paths of the committed tree, whose objects never change:
    // a remembered mapping stays right, and keeps cached reads going while PostgreSQL is down.
    const known = this.mapped.get(path);
    if (known !== undefined) return this.content.get(known);
    const sha = await pgCall('tile lookup', async () => {
      this.counters.roundTrips++;
      const r = await this.pool.query<{ sha256: string }>(
        'SELECT sha256 FROM log_object WHERE log = $1 AND path = $2',
        [this.log, path],
      );
      return r.rows[0]?.sha256;
    });
    if (sha === undefined) return undefined;
    if (this.mapped.size >= MAX_MAPPED)
      this.mapped.delete(this.mapped.keys().next().value as string);
    this.mapped.set(path, sha);
    return this.content.get(sha);
  }

  async commit(c: Commit): Promise<void> {
    if (this.options.readOnly) throw new Error('PgLogStorage: commit on a read-only storage'); // internal bug
    const staged = new Map(this.staged);
    await pgCall('commit', () =>
      inTransaction(this.pool, async (q) => {
        this.counters.roundTrips += 7;
        const cur = await q.query<{ size: string }>(
          'SELECT size FROM log_state WHERE log = $1 FOR UPDATE',
          [this.log],
        );
        const size = cur.rows[0] === undefined ? undefined : Number(cur.rows[0].size);
        if (size !== c.oldSize) throw new StorageConflictError(c.oldSize, size);
        // One root per size, forever: a size seen before must come with the same root.
        await q.query(
          'INSERT INTO log_tree (log, size, root) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [this.log, c.size, Buffer.from(c.root)],
        );
        const tree = await q.query<{ root: Buffer }>(
          'SELECT root FROM log_tree WHERE log = $1 AND size = $2',
          [this.log, c.size],
        );
        if (!tree.rows[0]!.root.equals(Buffer.from(c.root)))
          throw new StorageConflictError(c.oldSize, c.size);
        if (c.dedup.length > 0)
          await q.query(
            'INSERT INTO log_dedup (log, hash, idx) SELECT $1, h, i FROM unnest($2::bytea[], $3::bigint[]) AS t(h, i)',
            [this.log, c.dedup.map(([h]) => Buffer.from(h)), c.dedup.map(([, i]) => i)],
          );
        if (staged.size > 0)
          await q.query(
            `INSERT INTO log_object (log, path, sha256) SELECT $1, p, s FROM unnest($2::text[], $3::text[]) AS t(p, s)
             ON CONFLICT (log, path) DO UPDATE SET sha256 = excluded.sha256`,
            [this.log, [...staged.keys()], [...staged.values()]],
          );
        await q.query(
          `INSERT INTO log_state (log, size, root, checkpoint) VALUES ($1, $2, $3, $4)
           ON CONFLICT (log) DO UPDATE SET size = excluded.size, root = excluded.root, checkpoint = excluded.checkpoint`,
          [this.log, c.size, Buffer.from(c.root), c.checkpoint],
        );
      }),
    ).catch((e: unknown) => {
      // A failed commit leaves nothing: the sequencer reloads and writes its tiles again.
      this.staged = new Map();
      throw e;
    });
    this.counters.commits++;
    // Mappings written by this commit are no longer staged (a later batch's may be; they stay).
    for (const [k, v] of staged) if (this.staged.get(k) === v) this.staged.delete(k);
  }

  async publishCheckpoint(checkpoint: string): Promise<void> {
    if (this.options.readOnly) return;
    await this.content.objects.put(
      `${this.log}/checkpoint`,
      new TextEncoder().encode(checkpoint),
      'text/plain; charset=utf-8',
    );
  }

  async prune(fullTiles: readonly Tile[]): Promise<void> {
    const paths: string[] = [];
    for (const t of fullTiles)
      for (let w = 1; w < TILE_WIDTH; w++) paths.push(formatTilePath({ ...t, width: w }));
    if (paths.length === 0) return;
    for (const p of paths) this.mapped.delete(p);
    await pgCall('prune', () =>
      this.pool.query('DELETE FROM log_object WHERE log = $1 AND path = ANY($2::text[])', [
        this.log,
        paths,
      ]),
    );
  }

  async close(): Promise<void> {
    if (this.options.ownsPool) await this.pool.end();
  }
}
