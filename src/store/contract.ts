/**
 * LogStorage: the contract between the sequencer (src/store/sequencer.ts) and
 * where a log's state lives. The embedded default keeps tiles, entry bundles
 * and the checkpoint as files and the tree size and dedup index in SQLite
 * (sqlite-file-storage.ts); a PostgreSQL + S3 driver implements the same
 * interface later, and MemoryStorage (memory-storage.ts) is the test double.
 * src/log stays pure: it never sees this interface.
 *
 * The state of a log is one committed record — (size, root, checkpoint) — plus
 * immutable objects named by their C2SP paths. The rules every driver keeps:
 *
 * 1. **Durable on return.** When `writeTiles`, `commit` or `publishCheckpoint`
 *    resolves, what it wrote survives a crash of the process and of the
 *    machine (fsync'd file and directory entry; committed transaction; an
 *    object store's acknowledged PUT). Drivers retry transient errors
 *    themselves and reject only for errors a retry will not cure.
 * 2. **Atomic per object.** Each tile or bundle written by `writeTiles` is
 *    seen by readers either whole (new bytes) or not at all (old bytes or
 *    absent) — never torn. Objects of one call are NOT atomic together: a
 *    crash may leave some written and others not.
 * 3. **The commit point is `commit`.** It records the new size, root, signed
 *    checkpoint and the dedup rows of the batch in one atomic step, and only
 *    if the committed size still equals `oldSize` (compare-and-swap: a second
 *    sequencer on the same storage gets {@link StorageConflictError}). The
 *    sequencer calls it only after every object the new tree needs is durable,
 *    so any committed size has all its tiles. Objects beyond the committed
 *    size are garbage and may be overwritten with different bytes later.
 *    A driver that `keepsEdge` receives the new tree's right-edge partial
 *    tiles and partial entry bundle in the commit itself (`Commit.edge`),
 *    stores them atomically with it and serves them from `readTile`; only full
 *    tiles and bundles go through `writeTiles` (a batch of a few entries then
 *    costs one durable step, not a rewrite of every partial object).
 *    Its `publishCheckpoint` writes those partial objects where static readers
 *    look before the checkpoint that names them (issue 14, P4).
 * 4. **Retries.** `writeTiles`, `publishCheckpoint` and `prune` are idempotent
 *    and may be retried or repeated after a crash. `commit` may be retried
 *    only while `loadState` still shows `oldSize`.
 * 5. **Lookups see committed state only.** `lookup` answers from committed
 *    dedup rows; `readTile` returns whatever object is stored under the path
 *    (the sequencer decides which paths belong to the committed tree).
 */
import { SigilError } from '../core/errors.js';
import type { Hash } from '../log/hash.js';
import type { Tile } from '../log/tile-path.js';

/** CommittedState is the log's commit record: the tree size, its root and the signed checkpoint of that size. */
export interface CommittedState {
  readonly size: number;
  readonly root: Hash;
  /** Signed checkpoint note text for (size, root). */
  readonly checkpoint: string;
}

/** StoredObject is one hash tile or entry bundle to store under its C2SP path. */
export interface StoredObject {
  readonly tile: Tile;
  readonly data: Uint8Array;
}

/** Commit is what {@link LogStorage.commit} records atomically. */
export interface Commit extends CommittedState {
  /** Committed size this commit extends (undefined: the storage must be empty). */
  readonly oldSize: number | undefined;
  /** Dedup rows of the batch: leaf hash → index. */
  readonly dedup: readonly (readonly [hash: Hash, index: number])[];
  /** For a driver that `keepsEdge`: every partial tile and the partial bundle of the new tree (replacing the old edge). */
  readonly edge?: readonly StoredObject[];
}

/** LogStorage is where a log's tiles, bundles, checkpoint, size and dedup index live. See the file comment for the contract. */
export interface LogStorage {
  /** True when `commit` stores the right-edge partial objects (Commit.edge) and `writeTiles` gets full ones only (rule 3). */
  readonly keepsEdge?: boolean;
  /** loadState returns the committed record, or undefined for a log never committed. */
  loadState(): Promise<CommittedState | undefined>;
  /** lookup returns, per leaf hash, the index of the committed entry with that hash, or undefined. */
  lookup(hashes: readonly Hash[]): Promise<(number | undefined)[]>;
  /** writeTiles stores tiles and bundles, each atomically; durable on return. Idempotent. */
  writeTiles(objects: readonly StoredObject[]): Promise<void>;
  /** readTile returns the stored bytes of a tile or bundle, or undefined when absent. */
  readTile(tile: Tile): Promise<Uint8Array | undefined>;
  /** commit is the commit point: records size, root, checkpoint and dedup rows atomically, if the committed size is `oldSize`. */
  commit(c: Commit): Promise<void>;
  /**
   * publishCheckpoint stores the checkpoint object readers fetch (after commit). Atomic replace;
   * durable on return. A driver that `keepsEdge` is given the committed edge of that checkpoint
   * and writes it (durably) before the checkpoint.
   */
  publishCheckpoint(checkpoint: string, edge?: readonly StoredObject[]): Promise<void>;
  /** prune deletes superseded partial tiles of the given full tiles (best effort; readers then fall back to the full tile). */
  prune(fullTiles: readonly Tile[]): Promise<void>;
  /** close releases the storage. */
  close(): Promise<void>;
}

/** StorageConflictError: the committed size moved under a commit (another writer); the sequencer must reload. */
export class StorageConflictError extends SigilError {
  constructor(expected: number | undefined, actual: number | undefined) {
    super(
      'STORAGE_CONFLICT',
      `log storage changed underneath the sequencer: expected committed size ${String(expected)}, found ${String(actual)}`,
      {
        hint: 'only one sequencer may write a log; is another `sigil log serve` using the same data directory?',
      },
    );
  }
}

/** StorageError: a storage operation failed for good (disk full, permissions, corruption). */
export class StorageError extends SigilError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('STORAGE_ERROR', message, options);
  }
}
