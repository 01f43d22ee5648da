/**
 * A cache of hash tiles "expanded" into every perfect subtree they contain,
 * so that a stored hash at any of a tile's 8 levels is a lookup instead of up
 * to 255 SHA-256 computations (tlog's HashFromTile recomputes them). Tile
 * contents are immutable per path — a full tile never changes, and a partial
 * tile of width W always holds the same W hashes — so entries never go stale.
 */
import { ExpandedTile } from '../log/expanded-tile.js';

export { ExpandedTile };

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
