/**
 * Hash tiles (c2sp.org/tlog-tiles "Merkle Tree"; tlog/tile.go): which tiles a
 * tree has, their contents from stored hashes, and reading stored hashes
 * back out of tiles so proofs can be served from tiles alone.
 *
 * A tile at level L, index N, width W holds W consecutive hashes of tree level
 * 8·L starting at node N·256: W·32 bytes, no header. A tree of size s has at
 * level L the full tiles 0…⌊s_L/256⌋−1 and, when s_L mod 256 ≠ 0, one partial
 * tile of that width, where s_L = ⌊s/256^L⌋. Empty tiles do not exist.
 */
import { SigilError } from '../core/errors.js';
import { HASH_SIZE, type Hash, spanHash } from './hash.js';
import { type HashReader, readExactly, splitStoredHashIndex, storedHashIndex } from './merkle.js';
import { formatTilePath, TILE_HEIGHT, TILE_WIDTH, type Tile } from './tile-path.js';

/** levelSize returns how many nodes tree level 8·L has in a tree of `size` records: ⌊size/256^L⌋. */
export function levelSize(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** tileWidthAt returns the width of hash tile (level, index) in a tree of `size`, or 0 when the tile does not exist. */
export function tileWidthAt(level: number, index: number, size: number): number {
  const s = levelSize(level, size);
  const full = Math.floor(s / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  if (index === full) return s % TILE_WIDTH;
  return 0;
}

/** tilesForSize lists every hash tile of a tree of `size` records, level by level, full tiles first. */
export function tilesForSize(size: number): Tile[] {
  return newTiles(0, size);
}

/**
 * newTiles lists the hash tiles to publish when the tree grows from
 * `oldSize` to `newSize`: every full tile completed in between and, per
 * level, the final partial tile if it changed. (Unlike tlog.NewTiles it does
 * not list intermediate partial widths: C2SP only needs the current one.)
 */
export function newTiles(oldSize: number, newSize: number): Tile[] {
  const tiles: Tile[] = [];
  for (let level = 0; levelSize(level, newSize) > 0; level++) {
    const oldN = levelSize(level, oldSize);
    const newN = levelSize(level, newSize);
    for (let n = Math.floor(oldN / TILE_WIDTH); n < Math.floor(newN / TILE_WIDTH); n++) {
      tiles.push({ level, index: n, width: TILE_WIDTH });
    }
    const w = newN % TILE_WIDTH;
    if (w > 0 && newN !== oldN)
      tiles.push({ level, index: Math.floor(newN / TILE_WIDTH), width: w });
  }
  return tiles;
}

/** TileLocation says where a stored hash lives: in `tile` (least width holding it), hashes [start, start+count) of it. */
export interface TileLocation {
  readonly tile: Tile;
  readonly start: number;
  readonly count: number;
}

/**
 * tileForIndex returns the tile of least width that holds, or lets one
 * compute, the stored hash with storage index `index` (tlog.TileForIndex).
 * Hashes at levels that are not multiples of 8 are computed from `count`
 * consecutive hashes of the tile.
 */
export function tileForIndex(index: number): TileLocation {
  const [level, n] = splitStoredHashIndex(index);
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const sub = level - tileLevel * TILE_HEIGHT;
  const first = n * 2 ** sub; // first node at level 8·tileLevel under this hash
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const start = first - tileIndex * TILE_WIDTH;
  const count = 2 ** sub;
  return { tile: { level: tileLevel, index: tileIndex, width: start + count }, start, count };
}

/** readTileData returns the contents of hash tile t from stored hashes (tlog.ReadTileData). */
export function readTileData(t: Tile, r: HashReader): Uint8Array {
  const indexes = new Array<number>(t.width);
  const start = t.index * TILE_WIDTH;
  for (let i = 0; i < t.width; i++) indexes[i] = storedHashIndex(t.level * TILE_HEIGHT, start + i);
  const hashes = readExactly(r, indexes);
  const out = new Uint8Array(t.width * HASH_SIZE);
  for (let i = 0; i < hashes.length; i++) out.set(hashes[i]!, i * HASH_SIZE);
  return out;
}

/**
 * hashFromTile returns the stored hash `index` from the data of tile t, which
 * must be the tile {@link tileForIndex} names or a wider one (tlog.HashFromTile).
 * Throws SigilError TILE_MISMATCH otherwise.
 */
export function hashFromTile(t: Tile, data: Uint8Array, index: number): Hash {
  const loc = tileForIndex(index);
  if (
    loc.tile.level !== t.level ||
    loc.tile.index !== t.index ||
    loc.tile.width > t.width ||
    data.length < t.width * HASH_SIZE
  ) {
    throw new SigilError(
      'TILE_MISMATCH',
      `stored hash ${index} is in ${formatTilePath(loc.tile)}, not in ${formatTilePath(t)} (${data.length} bytes)`,
    );
  }
  return spanHash(data, loc.start, loc.count);
}

/**
 * tilesForIndexes lists (deduplicated) the tiles of the tree of `size` that
 * hold the given stored hashes, at the width they have in that tree. Pair it
 * with {@link hashesFromTiles} to read hashes from asynchronous tile storage.
 * Throws SigilError HASH_NOT_IN_TREE if a hash is not part of that tree.
 */
export function tilesForIndexes(size: number, indexes: readonly number[]): Tile[] {
  const seen = new Map<string, Tile>();
  for (const index of indexes) {
    const t = tileAtSize(size, index);
    seen.set(formatTilePath(t), t);
  }
  return [...seen.values()];
}

function tileAtSize(size: number, index: number): Tile {
  const loc = tileForIndex(index);
  const width = tileWidthAt(loc.tile.level, loc.tile.index, size);
  if (width < loc.tile.width) {
    throw new SigilError(
      'HASH_NOT_IN_TREE',
      `stored hash ${index} is not part of the tree of size ${size}`,
    );
  }
  return { level: loc.tile.level, index: loc.tile.index, width };
}

/**
 * hashesFromTiles reads stored hashes out of tile data fetched for
 * {@link tilesForIndexes}(size, indexes); `tiles` maps tile path to data.
 * Tile contents are not authenticated here: a proof built from bad tiles
 * fails its check against a signed root.
 */
export function hashesFromTiles(
  size: number,
  indexes: readonly number[],
  tiles: ReadonlyMap<string, Uint8Array>,
): Hash[] {
  return indexes.map((index) => {
    const t = tileAtSize(size, index);
    const path = formatTilePath(t);
    const data = tiles.get(path);
    if (data === undefined) throw new SigilError('TILE_MISSING', `tile ${path} was not provided`);
    if (data.length !== t.width * HASH_SIZE) {
      throw new SigilError(
        'TILE_SIZE',
        `tile ${path} has ${data.length} bytes, expected ${t.width * HASH_SIZE}`,
      );
    }
    return hashFromTile(t, data, index);
  });
}

/**
 * tileHashReader returns a HashReader for the tree of `size` records that
 * reads hashes from tiles through `readTile` (synchronous; see
 * {@link tilesForIndexes} for the asynchronous pattern) — tlog.TileHashReader
 * without its tile authentication, which the proof checks provide.
 */
export function tileHashReader(size: number, readTile: (t: Tile) => Uint8Array): HashReader {
  return {
    readHashes(indexes) {
      const tiles = new Map<string, Uint8Array>();
      for (const t of tilesForIndexes(size, indexes)) tiles.set(formatTilePath(t), readTile(t));
      return hashesFromTiles(size, indexes, tiles);
    },
  };
}
