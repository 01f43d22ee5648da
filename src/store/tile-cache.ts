/**
 * A cache of hash tiles "expanded" into every perfect subtree they contain,
 * so that a stored hash at any of a tile's 8 levels is a lookup instead of up
 * to 255 SHA-256 computations (tlog's HashFromTile recomputes them). Tile
 * contents are immutable per path — a full tile never changes, and a partial
 * tile of width W always holds the same W hashes — so entries never go stale.
 */
import { HASH_SIZE, type Hash, nodeHash } from '../log/hash.js';

/** ExpandedTile holds, per sub-level k (0…8), the hashes of the perfect subtrees of 2^k tile hashes, back to back. */
export class ExpandedTile {
  readonly levels: Uint8Array[];

  constructor(data: Uint8Array) {
    const levels = [data];
    let prev = data;
    while (prev.length >= 2 * HASH_SIZE) {
      const n = Math.floor(prev.length / (2 * HASH_SIZE));
      const next = new Uint8Array(n * HASH_SIZE);
      for (let i = 0; i < n; i++) {
        next.set(
          nodeHash(
            prev.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE),
            prev.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE),
          ),
          i * HASH_SIZE,
        );
      }
      levels.push(next);
      prev = next;
    }
    this.levels = levels;
  }

  /** hashAt returns the hash of the perfect subtree over tile hashes [start, start+count), count a power of two dividing start. */
  hashAt(start: number, count: number): Hash | undefined {
    const k = Math.log2(count);
    const level = this.levels[k];
    if (level === undefined || !Number.isInteger(k) || start % count !== 0) return undefined;
    const j = start / count;
    if ((j + 1) * HASH_SIZE > level.length) return undefined;
    return level.slice(j * HASH_SIZE, (j + 1) * HASH_SIZE);
  }
}

/** TileCache is a small LRU of expanded tiles keyed by tile path. */
export class TileCache {
  private readonly map = new Map<string, ExpandedTile>();
  constructor(private readonly capacity: number) {}

  get(key: string): ExpandedTile | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: ExpandedTile): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
}
