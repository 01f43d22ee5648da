/**
 * MemoryStorage: an in-memory {@link LogStorage} for tests (like sumdb's
 * TestServer). It keeps the contract's semantics — compare-and-swap commit,
 * committed-only lookups, objects replaced whole — without durability.
 */
import { formatTilePath, TILE_WIDTH, type Tile } from '../log/tile-path.js';
import type { Hash } from '../log/hash.js';
import {
  type Commit,
  type CommittedState,
  type LogStorage,
  type StoredObject,
  StorageConflictError,
} from './contract.js';

function key(h: Hash): string {
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('base64');
}

export class MemoryStorage implements LogStorage {
  /** With `keepsEdge`, partial objects come with the commit and are stored on publication (as SqliteFileStorage). */
  readonly keepsEdge: boolean;
  private state: CommittedState | undefined;
  private edge: readonly StoredObject[] = [];
  private readonly objects = new Map<string, Uint8Array>();
  private readonly dedup = new Map<string, number>();
  /** The last checkpoint given to publishCheckpoint (what a static file server would serve). */
  published: string | undefined;

  async loadState(): Promise<CommittedState | undefined> {
    return this.state;
  }

  constructor(options: { keepsEdge?: boolean } = {}) {
    this.keepsEdge = options.keepsEdge ?? false;
  }

  async lookup(hashes: readonly Hash[]): Promise<(number | undefined)[]> {
    return hashes.map((h) => this.dedup.get(key(h)));
  }

  async writeTiles(objects: readonly StoredObject[]): Promise<void> {
    for (const o of objects) this.objects.set(formatTilePath(o.tile), new Uint8Array(o.data));
  }

  async readTile(tile: Tile): Promise<Uint8Array | undefined> {
    const path = formatTilePath(tile);
    return this.edge.find((o) => formatTilePath(o.tile) === path)?.data ?? this.objects.get(path);
  }

  async commit(c: Commit): Promise<void> {
    if (this.state?.size !== c.oldSize) throw new StorageConflictError(c.oldSize, this.state?.size);
    for (const [h, i] of c.dedup) this.dedup.set(key(h), i);
    if (c.edge) this.edge = c.edge.map((o) => ({ tile: o.tile, data: new Uint8Array(o.data) }));
    this.state = { size: c.size, root: new Uint8Array(c.root), checkpoint: c.checkpoint };
  }

  async publishCheckpoint(checkpoint: string, edge: readonly StoredObject[] = []): Promise<void> {
    await this.writeTiles(edge);
    this.published = checkpoint;
  }

  async prune(fullTiles: readonly Tile[]): Promise<void> {
    for (const t of fullTiles) {
      for (let w = 1; w < TILE_WIDTH; w++) this.objects.delete(formatTilePath({ ...t, width: w }));
    }
  }

  async close(): Promise<void> {}
}
