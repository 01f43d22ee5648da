/**
 * Tile coordinates and their paths (c2sp.org/tlog-tiles "Merkle Tree" and
 * "Log Entries"; tlog.Tile.Path / tlog.ParseTilePath without the height
 * segment, which C2SP fixes at 8).
 *
 *   tile/<L>/<N>[.p/<W>]        hash tile at level L
 *   tile/entries/<N>[.p/<W>]    entry bundle
 *
 * N is written in groups of three digits, all but the last prefixed by "x":
 * 1234067 → x001/x234/067. W (1…255) appears only for partial tiles.
 */
import { InputError } from '../core/errors.js';

/** TILE_HEIGHT is the C2SP tile height: a tile spans 8 levels of the tree. */
export const TILE_HEIGHT = 8;
/** TILE_WIDTH is the number of hashes (or entries) in a full tile: 2^8. */
export const TILE_WIDTH = 256;
/** ENTRIES_LEVEL is the pseudo-level of entry bundles (Go's tlog uses L = -1 for "data" tiles too). */
export const ENTRIES_LEVEL = -1;
/** MAX_TILE_LEVEL is the highest hash tile level allowed by c2sp.org/tlog-tiles. */
export const MAX_TILE_LEVEL = 63;

/**
 * Tile names one tile: `level` 0…63 for hash tiles or {@link ENTRIES_LEVEL}
 * for an entry bundle, `index` N (its position within the level) and
 * `width` 1…256 (256 = full).
 */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** isFullTile reports whether t is a full (immutable) tile. */
export function isFullTile(t: Tile): boolean {
  return t.width === TILE_WIDTH;
}

function encodeIndex(n: number): string {
  let s = String(n % 1000).padStart(3, '0');
  for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000)) {
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
  }
  return s;
}

/**
 * formatTilePath returns the path of tile t, e.g. `tile/0/x001/x234/067.p/8`.
 * Throws InputError TILE_PATH_INVALID for coordinates no tile can have.
 */
export function formatTilePath(t: Tile): string {
  if (
    !Number.isSafeInteger(t.level) ||
    t.level < ENTRIES_LEVEL ||
    t.level > MAX_TILE_LEVEL ||
    !Number.isSafeInteger(t.index) ||
    t.index < 0 ||
    !Number.isSafeInteger(t.width) ||
    t.width < 1 ||
    t.width > TILE_WIDTH
  ) {
    throw new InputError(
      'TILE_PATH_INVALID',
      `no tile has level ${t.level}, index ${t.index}, width ${t.width}`,
    );
  }
  const l = t.level === ENTRIES_LEVEL ? 'entries' : String(t.level);
  const p = t.width === TILE_WIDTH ? '' : `.p/${t.width}`;
  return `tile/${l}/${encodeIndex(t.index)}${p}`;
}

const LEVEL_RE = /^(?:0|[1-9][0-9]?)$/;
const WIDTH_RE = /^[1-9][0-9]{0,2}$/;
const GROUP_RE = /^x[0-9]{3}$/;
const LAST_RE = /^[0-9]{3}$/;

/**
 * parseTilePath parses a tile or entry bundle path (without the log prefix).
 * Only the canonical spelling is accepted: parse(format(t)) = t and
 * format(parse(p)) = p. Throws InputError TILE_PATH_INVALID otherwise.
 */
export function parseTilePath(path: string): Tile {
  const bad = (why: string): never => {
    throw new InputError(
      'TILE_PATH_INVALID',
      `invalid tile path ${JSON.stringify(String(path).slice(0, 200))}: ${why}`,
    );
  };
  if (typeof path !== 'string' || path.length > 200) return bad('not a short string');
  const f = path.split('/');
  if (f.length < 3 || f[0] !== 'tile') return bad('expected tile/<L>/<N>');
  let level: number;
  if (f[1] === 'entries') level = ENTRIES_LEVEL;
  else if (LEVEL_RE.test(f[1]!)) level = Number(f[1]);
  else return bad('bad level');
  if (level > MAX_TILE_LEVEL) return bad('level above 63');
  let width = TILE_WIDTH;
  let groups = f.slice(2);
  const last = groups[groups.length - 1]!;
  const beforeLast = groups[groups.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    if (!WIDTH_RE.test(last)) return bad('bad width');
    width = Number(last);
    if (width >= TILE_WIDTH) return bad('partial width must be 1…255');
    groups = groups.slice(0, -1);
    groups[groups.length - 1] = beforeLast.slice(0, -2);
  }
  if (groups.length > 6) return bad('index too large');
  let index = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    const isLast = i === groups.length - 1;
    if (!(isLast ? LAST_RE : GROUP_RE).test(g))
      return bad(`bad index element ${JSON.stringify(g)}`);
    index = index * 1000 + Number(isLast ? g : g.slice(1));
  }
  if (!Number.isSafeInteger(index)) return bad('index too large');
  const t: Tile = { level, index, width };
  // Canonical form only: rejects "x000/001" (leading zero group) and the like.
  if (formatTilePath(t) !== path) return bad('not in canonical form');
  return t;
}
