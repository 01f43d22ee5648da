/**
 * Integration: appending a batch of leaves to a tiled tree, purely.
 *
 * This is the sequencer's core step (Tessera calls it "integrate"). The whole
 * state needed to extend a tree is its {@link TreeEdge}: the size and, per
 * level, the partial hash tile at the right edge (at most 8 KiB each, one per
 * level: ⌈log₂₅₆ size⌉ tiles). Given the edge and the leaf hashes of a batch,
 * {@link integrate} returns every hash tile to write (full tiles completed by
 * the batch and the new partial tile of each level that changed), the new
 * root, and the new edge for the next batch. It does no I/O and keeps no
 * state; the sequencer:
 *
 *   1. loads the edge once at start-up: `edgeTiles(size)` names the tiles,
 *      `edgeFromTiles(size, datas)` builds the edge from their bytes;
 *   2. per batch: `const r = integrate(edge, entries.map(recordHash))`,
 *      writes `r.tiles` (and entry bundles from `appendEntryBundles`),
 *      makes them durable, then signs and publishes a checkpoint for
 *      (r.size, r.root), and keeps `edge = r.edge`.
 *
 * A crash between steps leaves the old checkpoint valid: full tiles are
 * immutable and identical if rewritten, partial tiles only grow.
 */
import { InputError } from '../core/errors.js';
import { ExpandedTile } from './expanded-tile.js';
import { emptyTreeHash, HASH_SIZE, type Hash, nodeHash, spanHash } from './hash.js';
import { levelSize } from './tile.js';
import { TILE_WIDTH, type Tile } from './tile-path.js';

/**
 * TreeEdge is everything needed to append to a tree: its size and, for each
 * level L (index L of `tiles`), the bytes of the level's partial hash tile
 * (width = ⌊size/256^L⌋ mod 256, so possibly 0 bytes), up to the top level.
 */
export interface TreeEdge {
  readonly size: number;
  readonly tiles: readonly Uint8Array[];
  /**
   * Expansions of `tiles` (derived data, optional): {@link integrate} keeps them so that
   * each batch hashes only its new nodes, not the whole edge again for the root and proofs.
   */
  readonly expanded?: readonly (ExpandedTile | undefined)[];
}

/** TileData is one hash tile to publish. */
export interface TileData {
  readonly tile: Tile;
  readonly data: Uint8Array;
}

/** IntegrateResult is the outcome of {@link integrate}. */
export interface IntegrateResult {
  /** New tree size. */
  readonly size: number;
  /** New root hash (RFC 6962 MTH of all leaves). */
  readonly root: Hash;
  /** Tiles to write, level 0 first; full tiles are immutable, partial tiles replace the previous partial of their level. */
  readonly tiles: readonly TileData[];
  /** The edge of the new tree: pass it to the next integrate call. */
  readonly edge: TreeEdge;
}

/** emptyEdge is the edge of the empty tree. */
export function emptyEdge(): TreeEdge {
  return { size: 0, tiles: [] };
}

/** edgeTiles names the partial tiles that make up the edge of a tree of `size` (to load them from storage at start-up). */
export function edgeTiles(size: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; levelSize(level, size) > 0; level++) {
    const s = levelSize(level, size);
    if (s % TILE_WIDTH > 0)
      out.push({ level, index: Math.floor(s / TILE_WIDTH), width: s % TILE_WIDTH });
  }
  return out;
}

/**
 * edgeFromTiles builds the edge of a tree of `size` from the data of the
 * tiles named by {@link edgeTiles}(size), in that order. Throws InputError
 * EDGE_MISMATCH when a tile has the wrong length.
 */
export function edgeFromTiles(size: number, datas: readonly Uint8Array[]): TreeEdge {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new InputError('EDGE_MISMATCH', `bad tree size ${String(size)}`);
  const names = edgeTiles(size);
  if (names.length !== datas.length)
    throw new InputError(
      'EDGE_MISMATCH',
      `tree of size ${size} has ${names.length} partial tiles, got ${datas.length}`,
    );
  const tiles: Uint8Array[] = [];
  let k = 0;
  for (let level = 0; levelSize(level, size) > 0; level++) {
    const w = levelSize(level, size) % TILE_WIDTH;
    if (w === 0) {
      tiles.push(new Uint8Array(0));
      continue;
    }
    const d = datas[k++]!;
    if (d.length !== w * HASH_SIZE) {
      throw new InputError(
        'EDGE_MISMATCH',
        `partial tile at level ${level} of a tree of size ${size} must have ${w * HASH_SIZE} bytes, got ${d.length}`,
      );
    }
    tiles.push(d);
  }
  return { size, tiles };
}

/**
 * edgeRoot returns the root hash of the tree described by an edge: the
 * perfect subtrees at the right edge, folded right to left (RFC 6962 MTH).
 */
export function edgeRoot(edge: TreeEdge): Hash {
  if (edge.size === 0) return emptyTreeHash();
  const parts: Hash[] = [];
  for (let level = edge.tiles.length - 1; level >= 0; level--) {
    const data = edge.tiles[level]!;
    const w = data.length / HASH_SIZE;
    const exp = edge.expanded?.[level];
    const usable = exp !== undefined && exp.expands(data);
    const span = (start: number, count: number): Hash =>
      (usable ? exp.hashAt(start, count) : undefined) ?? spanHash(data, start, count);
    let start = 0;
    // Bits of w from high to low: perfect subtrees from left to right.
    for (let bit = 7; bit >= 0; bit--) {
      const count = 1 << bit;
      if (w & count) {
        parts.push(span(start, count));
        start += count;
      }
    }
  }
  let h = parts[parts.length - 1]!;
  for (let i = parts.length - 2; i >= 0; i--) h = nodeHash(parts[i]!, h);
  return h;
}

/**
 * integrate appends leaves (their RFC 6962 leaf hashes, see recordHash) to
 * the tree whose edge is given, and returns the tiles to write, the new root
 * and the new edge. Pure and deterministic: integrating the same leaves in
 * one batch or many gives the same tiles and roots. Throws InputError
 * EDGE_MISMATCH when the edge is inconsistent with its size, LEAF_HASH_INVALID for a hash that is not 32 bytes.
 */
export function integrate(edge: TreeEdge, leafHashes: readonly Hash[]): IntegrateResult {
  const size = edge.size;
  if (!Number.isSafeInteger(size) || size < 0)
    throw new InputError('EDGE_MISMATCH', `bad tree size ${String(size)}`);
  // Working buffers, one full-size tile per level, filled from the edge.
  const bufs: Uint8Array[] = [];
  const widths: number[] = [];
  const indexes: number[] = [];
  const dirty: boolean[] = [];
  const levelCount = edge.tiles.length;
  for (let level = 0; level < levelCount || levelSize(level, size) > 0; level++) {
    const s = levelSize(level, size);
    const w = s % TILE_WIDTH;
    const data = edge.tiles[level] ?? new Uint8Array(0);
    if (data.length !== w * HASH_SIZE) {
      throw new InputError(
        'EDGE_MISMATCH',
        `edge tile at level ${level} of a tree of size ${size} must have ${w * HASH_SIZE} bytes, got ${data.length}`,
      );
    }
    const buf = new Uint8Array(TILE_WIDTH * HASH_SIZE);
    buf.set(data);
    bufs.push(buf);
    widths.push(w);
    indexes.push(Math.floor(s / TILE_WIDTH));
    dirty.push(false);
  }
  const out: TileData[] = [];

  const push = (level: number, h: Hash): void => {
    for (;;) {
      if (level === bufs.length) {
        bufs.push(new Uint8Array(TILE_WIDTH * HASH_SIZE));
        widths.push(0);
        indexes.push(0);
        dirty.push(false);
      }
      const buf = bufs[level]!;
      const w = widths[level]!;
      buf.set(h, w * HASH_SIZE);
      if (w + 1 < TILE_WIDTH) {
        widths[level] = w + 1;
        dirty[level] = true;
        return;
      }
      // The tile is full: publish it and carry its root up one tile level.
      out.push({ tile: { level, index: indexes[level]!, width: TILE_WIDTH }, data: buf.slice() });
      h = spanHash(buf, 0, TILE_WIDTH);
      widths[level] = 0;
      indexes[level] = indexes[level]! + 1;
      dirty[level] = false;
      level++;
    }
  };

  for (const h of leafHashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
      throw new InputError('LEAF_HASH_INVALID', 'a leaf hash is not 32 bytes');
    push(0, h);
  }

  const newSize = size + leafHashes.length;
  const tiles: Uint8Array[] = [];
  const expanded: (ExpandedTile | undefined)[] = [];
  for (let level = 0; level < bufs.length && levelSize(level, newSize) > 0; level++) {
    const w = widths[level]!;
    const data = bufs[level]!.slice(0, w * HASH_SIZE);
    tiles.push(data);
    if (dirty[level] && w > 0)
      out.push({ tile: { level, index: indexes[level]!, width: w }, data });
    // Extends the old expansion when the tile only grew (ExpandedTile checks the prefix).
    const old = edge.expanded?.[level];
    expanded.push(
      w === 0 ? undefined : !dirty[level] && old?.expands(data) ? old : new ExpandedTile(data, old),
    );
  }
  // Level order (0 first), full tiles before the partial of the same level.
  out.sort((a, b) => a.tile.level - b.tile.level || a.tile.index - b.tile.index);
  const newEdge: TreeEdge = { size: newSize, tiles, expanded };
  return { size: newSize, root: edgeRoot(newEdge), tiles: out, edge: newEdge };
}
