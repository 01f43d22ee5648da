/**
 * SequencedLog: the durable {@link TransparencyLog} over any {@link LogStorage}.
 *
 * Appends are pooled and integrated in batches — when `batchSize` entries
 * wait, or `batchIntervalMs` after the first one arrived, whichever comes
 * first — by a single writer loop (Tessera's sequencer/integrator). Entries
 * are deduplicated by leaf hash: against the pool and in-flight batch in
 * memory, against the committed log through the storage's dedup index. When
 * `maxPending` entries wait, append rejects with {@link PushbackError}.
 *
 * One batch, in this order (the crash-safety argument):
 *   1. integrate (pure): new hash tiles, entry bundles, root;
 *   2. storage.writeTiles: every object of the new tree, durable (with a
 *      storage that `keepsEdge`: the full ones only);
 *   3. sign the checkpoint; storage.commit — THE COMMIT POINT: size, root,
 *      checkpoint and dedup rows (and the partial objects, `keepsEdge`) in one
 *      atomic, compare-and-swap step;
 *   4. storage.publishCheckpoint: the checkpoint object readers fetch;
 *   5. acknowledge the batch's appends; prune superseded partial tiles.
 * With a storage that `keepsEdge`, step 4 runs after 5, off the writer's
 * path and coalesced (only the newest commit is published when several wait):
 * the entries are durable at 3, HTTP readers are served from the committed
 * state, and static readers see a checkpoint only once its partial objects
 * are written (issue 14, P4: a small batch no longer rewrites every partial
 * tile and bundle through temp file + fsync + rename).
 * A crash before 3 leaves the previous commit intact with all its tiles
 * (objects beyond the committed size are garbage, overwritten later and
 * never served); a crash after 3 keeps the batch (unacknowledged; a retry
 * is answered `duplicate`). Restart reloads the edge from the committed
 * size's partial tiles, checks its root against the commit record, and
 * re-publishes the checkpoint (repairing a crash between 3 and 4).
 */
import { InputError, SigilError } from '../core/errors.js';
import { formatCheckpoint, parseCheckpoint, signCheckpoint } from '../log/checkpoint.js';
import {
  appendEntryBundles,
  entryBundleForIndex,
  MAX_ENTRY_SIZE,
  parseEntryBundle,
} from '../log/entry-bundle.js';
import { emptyTreeHash, type Hash, hashEqual, recordHash } from '../log/hash.js';
import {
  edgeFromTiles,
  edgeRoot,
  edgeTiles,
  emptyEdge,
  integrate,
  type TreeEdge,
} from '../log/integrate.js';
import { formatVerifierKey, type NoteSigner } from '../log/note-key.js';
import { parseNote } from '../log/note.js';
import {
  consistencyProofFromHashes,
  consistencyProofIndexes,
  inclusionProofFromHashes,
  inclusionProofIndexes,
} from '../log/proof.js';
import type { AppendResult, TransparencyLog } from '../log/service.js';
import { PushbackError } from '../log/service.js';
import { levelSize, tileForIndex, tileWidthAt } from '../log/tile.js';
import {
  ENTRIES_LEVEL,
  formatTilePath,
  parseTilePath,
  TILE_WIDTH,
  type Tile,
} from '../log/tile-path.js';
import { HASH_SIZE } from '../log/hash.js';
import { formatEntryBundle } from '../log/entry-bundle.js';
import {
  type LogStorage,
  StorageConflictError,
  StorageError,
  type StoredObject,
} from './contract.js';
import { ExpandedTile, TileCache } from './tile-cache.js';
import { isStorageFull, StorageFullError } from './storage-full.js';

/** SequencerOptions configure a {@link SequencedLog}. */
export interface SequencerOptions {
  /** Checkpoint origin line, e.g. "sigil.example.org/log". */
  readonly origin: string;
  /** Checkpoint signers; the first is the log key (its vkey is `verifierKey`). Extra signers add signature lines. */
  readonly signers: readonly NoteSigner[];
  /** The log key's vkey; derived from signers[0] when it carries its public key. */
  readonly verifierKey?: string;
  /** Integrate when this many entries wait (default 256, Tessera's default). */
  readonly batchSize?: number;
  /** …or this long after the first entry of a batch arrived (default 100 ms). */
  readonly batchIntervalMs?: number;
  /** Pushback threshold: entries waiting to be integrated (default 16 × batchSize). */
  readonly maxPending?: number;
  /** Expanded tiles kept for proofs (default 2048, ~16 KiB each). */
  readonly tileCacheSize?: number;
}

interface Pending {
  readonly entry: Uint8Array;
  readonly hash: Hash;
  readonly key: string;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

/** Snapshot is the committed state the log serves from; replaced whole after each commit. */
interface Snapshot {
  readonly size: number;
  readonly root: Hash;
  readonly checkpoint: string;
  readonly edge: TreeEdge;
  /** Entries of the right-edge partial bundle (size mod 256 of them). */
  readonly partialBundle: readonly Uint8Array[];
}

/** Base is the tree a batch is integrated onto. */
type Base = Pick<Snapshot, 'size' | 'edge' | 'partialBundle'>;

/** Step is an integrated batch on its way to the commit point. */
interface Step {
  readonly base: Base;
  /** What writeTiles must make durable before the commit. */
  readonly objects: readonly StoredObject[];
  /** The new tree's partial objects, committed with it (a storage that keepsEdge). */
  readonly edge: readonly StoredObject[] | undefined;
  readonly root: Hash;
  readonly next: Base;
}

/** PUBLISH_GAP_MS is the least time between two publications of the static view (keepsEdge). */
const PUBLISH_GAP_MS = 100;

/** LOG_CLOSED: append after close(). */
export class LogClosedError extends SigilError {
  constructor() {
    super('LOG_CLOSED', 'the log is closed');
  }
}

function hexKey(h: Hash): string {
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex');
}

export class SequencedLog implements TransparencyLog {
  readonly origin: string;
  readonly verifierKey: string;
  /** Resolves once the committed state is loaded (and repaired); methods wait for it. */
  readonly ready: Promise<void>;
  protected readonly storage: LogStorage;
  private readonly signers: readonly NoteSigner[];
  private readonly batchSize: number;
  private readonly batchIntervalMs: number;
  private readonly maxPending: number;
  private readonly cache: TileCache;
  private readonly bundleCache = new Map<number, Uint8Array[]>();
  private readonly expanding = new Map<string, Promise<ExpandedTile>>();
  /** Hashes of subtrees [lo, hi) of committed leaves folded for proofs (never change). */
  private readonly proofRanges = new Map<string, Hash>();
  private snap: Snapshot = {
    size: 0,
    root: emptyTreeHash(),
    checkpoint: '',
    edge: emptyEdge(),
    partialBundle: [],
  };
  private readonly pool: Pending[] = [];
  private readonly pending = new Map<string, Promise<AppendResult>>();
  private lookingUp = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private failed: Error | undefined;
  /** Set while the storage is out of space: appends answer it (pushback) and retry recovery (storage-full.ts). */
  private full: StorageFullError | undefined;
  private reloading: Promise<void> | undefined;
  private sizeWaiters: (() => void)[] = [];
  /** Housekeeping after acknowledgement, one step at a time: publication (keepsEdge) and pruning; awaited by close(). */
  private pruning: Promise<void> = Promise.resolve();
  /** The newest committed checkpoint still to publish (keepsEdge), taken by the next publication. */
  private toPublish: { checkpoint: string; edge: readonly StoredObject[] } | undefined;
  /** When the last publication started (ms), and how to end the wait for the next one early (close). */
  private lastPublication = 0;
  private endPublicationWait: (() => void) | undefined;

  constructor(storage: LogStorage, options: SequencerOptions) {
    if (options.signers.length === 0)
      throw new InputError('LOG_CONFIG', 'a log needs at least one checkpoint signer');
    const first = options.signers[0] as NoteSigner & { publicKey?: Uint8Array };
    const vkey =
      options.verifierKey ??
      (first.publicKey ? formatVerifierKey({ ...first, publicKey: first.publicKey }) : undefined);
    if (vkey === undefined)
      throw new InputError('LOG_CONFIG', "cannot derive the log's verifier key: pass verifierKey");
    // Validate the origin once: a checkpoint must round-trip.
    formatCheckpoint({ origin: options.origin, size: 0, hash: emptyTreeHash(), extensions: [] });
    this.origin = options.origin;
    this.verifierKey = vkey;
    this.storage = storage;
    this.signers = options.signers;
    this.batchSize = positive('batchSize', options.batchSize ?? 256);
    this.batchIntervalMs = Math.max(0, options.batchIntervalMs ?? 100);
    this.maxPending = positive('maxPending', options.maxPending ?? 16 * this.batchSize);
    this.cache = new TileCache(options.tileCacheSize ?? 2048);
    this.ready = this.load();
    this.ready.catch(() => undefined);
  }

  /** open creates a log over `storage` and waits until its state is loaded. */
  static async open(storage: LogStorage, options: SequencerOptions): Promise<SequencedLog> {
    const log = new SequencedLog(storage, options);
    await log.ready;
    return log;
  }

  /** size is the committed tree size (what latestCheckpoint covers). */
  get size(): number {
    return this.snap.size;
  }

  private sign(size: number, root: Hash): string {
    return signCheckpoint({ origin: this.origin, size, hash: root, extensions: [] }, this.signers);
  }

  /** load reads the commit record, rebuilds the edge from tiles, checks it and repairs the published checkpoint. */
  private async load(): Promise<void> {
    let st = await this.storage.loadState();
    if (st === undefined) {
      const root = emptyTreeHash();
      const checkpoint = this.sign(0, root);
      await this.storage.commit({ oldSize: undefined, size: 0, root, checkpoint, dedup: [] });
      st = { size: 0, root, checkpoint };
    } else {
      const stored = parseCheckpoint(parseNote(st.checkpoint).text);
      if (stored.origin !== this.origin) {
        throw new InputError(
          'LOG_ORIGIN_MISMATCH',
          `the stored log has origin ${JSON.stringify(stored.origin)}, not ${JSON.stringify(this.origin)}`,
          {
            hint: "a log's origin never changes; use the stored origin or a new data directory",
          },
        );
      }
    }
    const size = st.size;
    const names = edgeTiles(size);
    const datas = await Promise.all(names.map((t) => this.storage.readTile(t)));
    datas.forEach((d, i) => {
      if (d === undefined)
        throw new StorageError(
          `log storage is damaged: ${formatTilePath(names[i]!)} of the committed tree of size ${size} is missing`,
        );
    });
    const edge = edgeFromTiles(size, datas as Uint8Array[]);
    const root = edgeRoot(edge);
    if (!hashEqual(root, st.root))
      throw new StorageError(
        `log storage is damaged: the tiles of the committed tree of size ${size} do not hash to its recorded root`,
      );
    let partialBundle: Uint8Array[] = [];
    if (size % TILE_WIDTH !== 0) {
      const t: Tile = {
        level: ENTRIES_LEVEL,
        index: Math.floor(size / TILE_WIDTH),
        width: size % TILE_WIDTH,
      };
      const data = await this.storage.readTile(t);
      if (data === undefined)
        throw new StorageError(
          `log storage is damaged: ${formatTilePath(t)} of the committed tree of size ${size} is missing`,
        );
      partialBundle = parseEntryBundle(data, t.width).map((e) => new Uint8Array(e));
    }
    // Re-sign (deterministic Ed25519: identical unless the signers changed) and re-publish.
    let checkpoint = st.checkpoint;
    const fresh = this.sign(size, root);
    if (fresh !== checkpoint) {
      await this.storage.commit({ oldSize: size, size, root, checkpoint: fresh, dedup: [] });
      checkpoint = fresh;
    }
    if (this.storage.keepsEdge) {
      // Superseded: this one is the newest. An older publication still running finishes first,
      // so the published checkpoint never goes back.
      this.toPublish = undefined;
      await this.pruning;
      await this.storage.publishCheckpoint(checkpoint, edgeObjects({ size, edge, partialBundle }));
    } else await this.storage.publishCheckpoint(checkpoint);
    this.setSnap({ size, root, checkpoint, edge, partialBundle });
  }

  private setSnap(s: Snapshot): void {
    this.snap = s;
    const w = this.sizeWaiters;
    this.sizeWaiters = [];
    for (const f of w) f();
  }

  async append(entry: Uint8Array): Promise<AppendResult> {
    await this.ready;
    if (this.failed) throw this.failed;
    if (this.closing) throw new LogClosedError();
    if (this.full) await this.retryAfterFull();
    if (!(entry instanceof Uint8Array))
      throw new InputError('ENTRY_INVALID', 'an entry must be bytes');
    if (entry.length > MAX_ENTRY_SIZE) {
      throw new InputError(
        'ENTRY_TOO_LARGE',
        `entry of ${entry.length} bytes is over the ${MAX_ENTRY_SIZE}-byte limit of tlog-tiles entry bundles`,
      );
    }
    const hash = recordHash(entry);
    const key = hexKey(hash);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight.then((r) => ({ ...r, duplicate: true }));
    if (this.pool.length + this.lookingUp >= this.maxPending)
      throw new PushbackError(Math.max(1, Math.ceil(this.batchIntervalMs / 1000)));
    let resolve!: (r: AppendResult) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<AppendResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined);
    this.pending.set(key, promise);
    this.lookingUp++;
    let found: number | undefined;
    try {
      [found] = await this.storage.lookup([hash]);
    } catch (e) {
      this.pending.delete(key);
      reject(e);
      return promise;
    } finally {
      this.lookingUp--;
    }
    if (found !== undefined) {
      // Committed: the snapshot may lag the commit by a tick.
      while (this.snap.size <= found) await new Promise<void>((r) => this.sizeWaiters.push(r));
      this.pending.delete(key);
      resolve({
        index: found,
        treeSize: this.snap.size,
        checkpoint: this.snap.checkpoint,
        duplicate: true,
      });
      return promise;
    }
    if (this.failed || this.closing) {
      this.pending.delete(key);
      reject(this.failed ?? new LogClosedError());
      return promise;
    }
    this.pool.push({ entry: new Uint8Array(entry), hash, key, resolve, reject });
    this.schedule();
    return promise;
  }

  private schedule(): void {
    if (this.running) return;
    if (this.pool.length >= this.batchSize || this.closing) {
      this.kick();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.kick(), this.batchIntervalMs);
    }
  }

  private kick(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.pool.length > 0 && !this.failed) this.schedule();
    });
  }

  /** drain is the single writer: integrates batches until the pool is empty. Entries that arrive meanwhile join the next batch. */
  private async drain(): Promise<void> {
    // A pipeline of two batches: batch k+1 is integrated on k's (uncommitted) edge and its
    // tiles are written while k commits; commits stay in order, and k+1 commits only after
    // k did. Tiles beyond the committed size are garbage until then (contract rule 3).
    let base: Base = this.snap;
    const inflight: { batch: readonly Pending[]; done: Promise<void> }[] = [];
    while ((this.pool.length > 0 && !this.failed) || inflight.length > 0) {
      if (this.pool.length > 0 && !this.failed && inflight.length < 2) {
        const batch = this.pool.splice(0, this.batchSize);
        const prev = inflight[inflight.length - 1]?.done;
        let step: Step;
        try {
          step = this.prepare(base, batch);
        } catch (e) {
          inflight.push({ batch, done: Promise.reject(e) });
          continue;
        }
        const writes =
          step.objects.length > 0 ? this.storage.writeTiles(step.objects) : Promise.resolve();
        writes.catch(() => undefined);
        const done = (async () => {
          if (prev) await prev;
          await writes;
          await this.commitBatch(step, batch);
        })();
        done.catch(() => undefined);
        inflight.push({ batch, done });
        base = step.next;
        continue;
      }
      const head = inflight.shift()!;
      try {
        await head.done;
      } catch (cause) {
        // Out of space is pushback (503 + Retry-After), not a fault: see recover().
        const e =
          isStorageFull(cause) && !(cause instanceof StorageFullError)
            ? new StorageFullError(cause)
            : cause;
        // Every later batch was built on this one: they fail with it.
        for (const it of [head, ...inflight.splice(0)]) {
          await it.done.catch(() => undefined);
          for (const p of it.batch) {
            this.pending.delete(p.key);
            p.reject(e);
          }
        }
        await this.recover(e);
        base = this.snap;
      }
    }
    if (this.failed) {
      for (const p of this.pool.splice(0)) {
        this.pending.delete(p.key);
        p.reject(this.failed);
      }
    }
  }

  /** prepare integrates a batch on `base` (pure): the objects to write and the tree after it. */
  private prepare(base: Base, batch: readonly Pending[]): Step {
    const r = integrate(
      base.edge,
      batch.map((p) => p.hash),
    );
    const b = appendEntryBundles(
      base.size,
      base.partialBundle,
      batch.map((p) => p.entry),
    );
    const objects = [...r.tiles, ...b.bundles];
    const next = { size: r.size, edge: r.edge, partialBundle: b.partial };
    if (!this.storage.keepsEdge) return { base, objects, edge: undefined, root: r.root, next };
    return {
      base,
      objects: objects.filter((o) => o.tile.width === TILE_WIDTH),
      edge: edgeObjects(next, b.bundles),
      root: r.root,
      next,
    };
  }

  /** commitBatch is steps 3–5 for a batch whose objects are durable: commit, publish, acknowledge, prune. */
  private async commitBatch(step: Step, batch: readonly Pending[]): Promise<void> {
    const s = step.base;
    const { size, edge, partialBundle } = step.next;
    const checkpoint = this.sign(size, step.root);
    await this.storage.commit({
      oldSize: s.size,
      size,
      root: step.root,
      checkpoint,
      dedup: batch.map((p, i) => [p.hash, s.size + i] as const),
      ...(step.edge ? { edge: step.edge } : {}),
    });
    // The hash tiles this batch completed, expanded from the old edge's expansion (proofs for
    // their entries are asked for at once; this spares each a read and 255 hashes).
    for (const o of step.objects) {
      if (o.tile.level === ENTRIES_LEVEL || o.tile.width !== TILE_WIDTH) continue;
      this.cache.set(
        `${o.tile.level}/${o.tile.index}/${TILE_WIDTH}`,
        new ExpandedTile(o.data, s.edge.expanded?.[o.tile.level]),
      );
    }
    this.setSnap({ size, root: step.root, checkpoint, edge, partialBundle });
    if (step.edge) this.publishSoon(checkpoint, step.edge);
    else await this.storage.publishCheckpoint(checkpoint);
    batch.forEach((p, i) => {
      this.pending.delete(p.key);
      p.resolve({ index: s.size + i, treeSize: size, checkpoint, duplicate: false });
    });
    // Pruning is housekeeping: off the critical path, one at a time, awaited by close().
    // Only a full tile that replaces the old edge's partial tile has partials to delete.
    const hadPartial = (t: Tile): boolean =>
      t.level === ENTRIES_LEVEL
        ? s.partialBundle.length > 0 && t.index === Math.floor(s.size / TILE_WIDTH)
        : (s.edge.tiles[t.level]?.length ?? 0) > 0 &&
          t.index === Math.floor(levelSize(t.level, s.size) / TILE_WIDTH);
    const full = step.objects
      .filter((o) => o.tile.width === TILE_WIDTH && hadPartial(o.tile))
      .map((o) => o.tile);
    if (full.length > 0)
      this.pruning = this.pruning.then(() => this.storage.prune(full)).catch(() => undefined);
  }

  /**
   * publishSoon publishes a committed checkpoint with its partial objects after the
   * acknowledgement, in order with pruning; when commits outpace it, only the newest is written.
   * A failed publication is repaired by the next one (or by the reload after a failed batch).
   */
  private publishSoon(checkpoint: string, edge: readonly StoredObject[]): void {
    const queued = this.toPublish !== undefined;
    this.toPublish = { checkpoint, edge };
    if (queued) return;
    this.pruning = this.pruning
      .then(async () => {
        // At most one publication per PUBLISH_GAP_MS: the static view lags a little, the writer
        // does not pay a temp file + fsync + rename per partial object per batch.
        const wait = this.lastPublication + PUBLISH_GAP_MS - Date.now();
        if (wait > 0 && !this.closing) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.endPublicationWait = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.endPublicationWait = undefined;
        }
        this.lastPublication = Date.now();
        const p = this.toPublish;
        this.toPublish = undefined;
        if (p) await this.storage.publishCheckpoint(p.checkpoint, p.edge);
      })
      .catch(() => undefined);
  }

  /** recover reloads the committed state after a failed batch; a conflict or a failed reload stops the log. */
  private async recover(e: unknown): Promise<void> {
    if (e instanceof StorageConflictError) {
      this.failed = e;
      return;
    }
    if (e instanceof StorageFullError) this.full = e;
    await this.reload();
  }

  /**
   * reload reloads the committed state (one reload at a time). A reload that fails for lack of
   * space keeps the log in the `full` state instead of stopping it; any other failure stops it.
   */
  private reload(): Promise<void> {
    this.reloading ??= this.load()
      .then(
        () => {
          this.full = undefined;
        },
        (e2: unknown) => {
          if (isStorageFull(e2))
            this.full = e2 instanceof StorageFullError ? e2 : new StorageFullError(e2);
          else this.failed = e2 instanceof Error ? e2 : new StorageError(String(e2));
        },
      )
      .finally(() => {
        this.reloading = undefined;
      });
    return this.reloading;
  }

  /** retryAfterFull: an append on a full log first retries recovery; it throws StorageFullError while there is still no space. */
  private async retryAfterFull(): Promise<void> {
    // A batch may still be finishing (its WAL sync runs off the event loop): let it end — a
    // failing one reloads itself — then try recovery, rather than refuse on a stale state.
    if (this.running) await this.running.catch(() => undefined);
    if (this.full) await this.reload();
    if (this.failed) throw this.failed;
    if (this.full) throw this.full;
  }

  async latestCheckpoint(): Promise<string> {
    await this.ready;
    return this.snap.checkpoint;
  }

  /** readTile serves a hash tile or entry bundle of the committed tree by its C2SP path; undefined when the tree has no such tile (or it was pruned). */
  async readTile(path: string): Promise<Uint8Array | undefined> {
    await this.ready;
    let t: Tile;
    try {
      t = parseTilePath(path);
    } catch {
      return undefined;
    }
    const s = this.snap;
    const n = t.level === ENTRIES_LEVEL ? s.size : levelSize(t.level, s.size);
    const full = Math.floor(n / TILE_WIDTH);
    const inTree =
      t.width === TILE_WIDTH
        ? t.index < full
        : t.index <= full && t.index * TILE_WIDTH + t.width <= n;
    if (!inTree) return undefined;
    if (t.width < TILE_WIDTH) return this.partialTile(t, s, n);
    return this.storage.readTile(t);
  }

  /**
   * partialTile serves a partial tile or bundle of the committed tree from the wider one it is
   * a prefix of (tiles and bundles only grow): the edge in memory, or the full object once the
   * tile filled up. So every width a reader's checkpoint names is served, whether or not it was
   * ever published or has been pruned.
   */
  private async partialTile(t: Tile, s: Snapshot, n: number): Promise<Uint8Array | undefined> {
    const edgeIndex = Math.floor(n / TILE_WIDTH);
    if (t.level === ENTRIES_LEVEL) {
      let entries: readonly Uint8Array[];
      if (t.index === edgeIndex) entries = s.partialBundle;
      else {
        const full = await this.storage.readTile({ ...t, width: TILE_WIDTH });
        if (full === undefined) return this.storage.readTile(t);
        entries = parseEntryBundle(full, TILE_WIDTH);
      }
      return formatEntryBundle(entries.slice(0, t.width));
    }
    let data: Uint8Array | undefined;
    if (t.index === edgeIndex) data = s.edge.tiles[t.level];
    else data = await this.storage.readTile({ ...t, width: TILE_WIDTH });
    if (data === undefined) return this.storage.readTile(t);
    return data.slice(0, t.width * HASH_SIZE);
  }

  /** storedHashes reads stored hashes (merkle.ts numbering) of the committed tree through expanded tiles. */
  private async storedHashes(indexes: readonly number[]): Promise<Hash[]> {
    const out: Hash[] = [];
    for (const index of indexes) {
      const loc = tileForIndex(index);
      const exp = await this.expandedTile(loc.tile.level, loc.tile.index, loc.tile.width);
      const h = exp.hashAt(loc.start, loc.count);
      if (h === undefined)
        throw new StorageError(`log storage is damaged: stored hash ${index} is not in its tile`);
      out.push(h);
    }
    return out;
  }

  private async expandedTile(
    level: number,
    index: number,
    minWidth: number,
  ): Promise<ExpandedTile> {
    const s = this.snap;
    const width = tileWidthAt(level, index, s.size);
    if (width < minWidth)
      throw new InputError(
        'PROOF_BAD_INPUT',
        `tile ${level}/${index} is not part of the tree of size ${s.size}`,
      );
    if (width < TILE_WIDTH) {
      // The right edge: integrate keeps its expansion, extended batch by batch.
      const edgeTile = s.edge.expanded?.[level];
      const data = s.edge.tiles[level];
      if (edgeTile?.width === width && data !== undefined && edgeTile.expands(data))
        return edgeTile;
    }
    const key = `${level}/${index}/${width}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    // Concurrent proofs that miss on the same tile share one read and one expansion.
    let building = this.expanding.get(key);
    if (building === undefined) {
      building = (async () => {
        let data: Uint8Array | undefined;
        if (width < TILE_WIDTH) data = s.edge.tiles[level];
        else data = await this.storage.readTile({ level, index, width });
        if (data === undefined || data.length !== width * HASH_SIZE) {
          throw new StorageError(
            `log storage is damaged: tile ${formatTilePath({ level, index, width })} is missing or has the wrong size`,
          );
        }
        const exp = new ExpandedTile(data);
        this.cache.set(key, exp);
        return exp;
      })().finally(() => this.expanding.delete(key));
      this.expanding.set(key, building);
    }
    return building;
  }

  /** refuseBeyondLog: a proof can only be asked for a tree the log already has (PROOF_BAD_INPUT otherwise). */
  private refuseBeyondLog(treeSize: number): void {
    if (!Number.isSafeInteger(treeSize) || treeSize > this.snap.size) {
      throw new InputError(
        'PROOF_BAD_INPUT',
        `tree size ${String(treeSize)} is beyond the log's size ${this.snap.size}`,
      );
    }
  }

  async inclusionProof(index: number, treeSize: number): Promise<Hash[]> {
    await this.ready;
    this.refuseBeyondLog(treeSize);
    const idx = inclusionProofIndexes(index, treeSize);
    const hashes = await this.storedHashes(idx);
    // Right-edge subtree hashes are shared by every proof against the same checkpoint.
    if (this.proofRanges.size > 4096) this.proofRanges.clear();
    return inclusionProofFromHashes(index, treeSize, hashes, this.proofRanges);
  }

  async consistencyProof(size1: number, size2: number): Promise<Hash[]> {
    await this.ready;
    this.refuseBeyondLog(size2);
    const idx = consistencyProofIndexes(size1, size2);
    return consistencyProofFromHashes(size1, size2, await this.storedHashes(idx));
  }

  async readEntry(index: number): Promise<Uint8Array | undefined> {
    await this.ready;
    const s = this.snap;
    if (!Number.isSafeInteger(index) || index < 0 || index >= s.size) return undefined;
    const t = entryBundleForIndex(index, s.size);
    const k = index % TILE_WIDTH;
    if (t.width < TILE_WIDTH) return new Uint8Array(s.partialBundle[k]!);
    let entries = this.bundleCache.get(t.index);
    if (entries === undefined) {
      const data = await this.storage.readTile(t);
      if (data === undefined)
        throw new StorageError(`log storage is damaged: ${formatTilePath(t)} is missing`);
      entries = parseEntryBundle(data, TILE_WIDTH);
      this.bundleCache.set(t.index, entries);
      if (this.bundleCache.size > 64)
        this.bundleCache.delete(this.bundleCache.keys().next().value as number);
    }
    return new Uint8Array(entries[k]!);
  }

  /** close integrates what is pooled, then releases the storage. Appends after close reject with LOG_CLOSED. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.ready.catch(() => undefined);
      this.kick();
      while (this.running) await this.running;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.endPublicationWait?.();
      await this.pruning;
      await this.storage.close();
    })();
    return this.closing;
  }
}

function positive(name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InputError('LOG_CONFIG', `${name} must be a positive integer, got ${String(n)}`);
  return n;
}

/** edgeObjects lists the partial tiles and the partial bundle of a tree (what a storage that keepsEdge commits). */
function edgeObjects(tree: Base, bundles: readonly StoredObject[] = []): StoredObject[] {
  const out: StoredObject[] = [];
  tree.edge.tiles.forEach((data, level) => {
    if (data.length === 0) return;
    const index = Math.floor(levelSize(level, tree.size) / TILE_WIDTH);
    out.push({ tile: { level, index, width: data.length / HASH_SIZE }, data });
  });
  if (tree.partialBundle.length > 0) {
    const tile = {
      level: ENTRIES_LEVEL,
      index: Math.floor(tree.size / TILE_WIDTH),
      width: tree.partialBundle.length,
    };
    // The batch's own bundle when it wrote one (the same bytes), else formatted here.
    const made = bundles.find((b) => b.tile.level === ENTRIES_LEVEL && b.tile.width === tile.width);
    out.push({ tile, data: made?.data ?? formatEntryBundle(tree.partialBundle) });
  }
  return out;
}
