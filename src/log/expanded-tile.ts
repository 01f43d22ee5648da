/**
 * ExpandedTile: a hash tile "expanded" into every perfect subtree it contains,
 * so that a stored hash at any of a tile's 8 levels, and the right-edge spans
 * a root is folded from, are lookups instead of up to 255 SHA-256
 * computations each (tlog's HashFromTile recomputes them).
 *
 * A partial tile only grows (width W, then W' > W with the same first W
 * hashes), so {@link ExpandedTile.extend} reuses every subtree that lies
 * wholly inside the old width: a log that commits small batches hashes each
 * new node once instead of re-expanding the whole edge tile per batch
 * (issue 14, P4).
 */
import { HASH_SIZE, type Hash, nodeHash } from './hash.js';

/** ExpandedTile holds, per sub-level k (0…8), the hashes of the perfect subtrees of 2^k tile hashes, back to back. */
export class ExpandedTile {
  readonly levels: readonly Uint8Array[];

  /** @param data the tile's hashes (W·32 bytes); `from` an expansion of a prefix of the same tile, whose subtrees are reused. */
  constructor(data: Uint8Array, from?: ExpandedTile) {
    const reuse = from !== undefined && isPrefix(from.levels[0]!, data) ? from : undefined;
    const levels = [data];
    let prev = data;
    for (let k = 1; prev.length >= 2 * HASH_SIZE; k++) {
      const n = Math.floor(prev.length / (2 * HASH_SIZE));
      const next = new Uint8Array(n * HASH_SIZE);
      const old = reuse?.levels[k];
      const kept = old ? Math.min(n, old.length / HASH_SIZE) : 0;
      if (old && kept > 0) next.set(old.subarray(0, kept * HASH_SIZE));
      for (let i = kept; i < n; i++) {
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

  /** width is the number of tile hashes. */
  get width(): number {
    return this.levels[0]!.length / HASH_SIZE;
  }

  /** expands reports whether this is the expansion of exactly `data` (same bytes). */
  expands(data: Uint8Array): boolean {
    const own = this.levels[0]!;
    return own === data || (own.length === data.length && isPrefix(own, data));
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

/** isPrefix: `a` is a prefix of `b` (a tile cannot shrink or change its hashes; anything else is expanded afresh). */
function isPrefix(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length > b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, a.length),
  );
}
