/**
 * Entry bundles (c2sp.org/tlog-tiles "Log Entries"): the entries of 256
 * consecutive leaves, each as a big-endian uint16 length followed by that many
 * bytes. Bundle N holds entries N·256 …; a partial bundle `.p/W` holds W.
 * (Serving them gzip-compressed is the HTTP layer's business.)
 */
import { InputError } from '../core/errors.js';
import { ENTRIES_LEVEL, TILE_WIDTH, type Tile } from './tile-path.js';

/** MAX_ENTRY_SIZE is the largest entry a bundle can hold: 65535 bytes. */
export const MAX_ENTRY_SIZE = 0xffff;

/**
 * formatEntryBundle encodes entries as a bundle. Throws InputError
 * ENTRY_TOO_LARGE for an entry over 65535 bytes, ENTRY_BUNDLE_TOO_MANY for more than 256 entries.
 */
export function formatEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) {
    throw new InputError(
      'ENTRY_BUNDLE_TOO_MANY',
      `an entry bundle holds at most ${TILE_WIDTH} entries, got ${entries.length}`,
    );
  }
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) {
      throw new InputError(
        'ENTRY_TOO_LARGE',
        `entry of ${e.length} bytes is over the ${MAX_ENTRY_SIZE}-byte limit of tlog-tiles entry bundles`,
      );
    }
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const e of entries) {
    out[off] = e.length >> 8;
    out[off + 1] = e.length & 0xff;
    out.set(e, off + 2);
    off += 2 + e.length;
  }
  return out;
}

/**
 * parseEntryBundle decodes a bundle into its entries (views into `data`).
 * Strict: the data must be exactly a sequence of length-prefixed entries, at
 * most 256 of them, and exactly `expectedWidth` when it is given. Throws
 * InputError ENTRY_BUNDLE_MALFORMED otherwise; never anything else.
 */
export function parseEntryBundle(data: Uint8Array, expectedWidth?: number): Uint8Array[] {
  const bad = (why: string): never => {
    throw new InputError('ENTRY_BUNDLE_MALFORMED', `malformed entry bundle: ${why}`);
  };
  if (!(data instanceof Uint8Array)) return bad('not bytes');
  const entries: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    if (entries.length === TILE_WIDTH) bad(`more than ${TILE_WIDTH} entries`);
    if (off + 2 > data.length) bad(`truncated length prefix at byte ${off}`);
    const len = (data[off]! << 8) | data[off + 1]!;
    off += 2;
    if (off + len > data.length)
      bad(`entry ${entries.length} needs ${len} bytes, only ${data.length - off} left`);
    entries.push(data.subarray(off, off + len));
    off += len;
  }
  if (expectedWidth !== undefined && entries.length !== expectedWidth) {
    bad(`expected ${expectedWidth} entries, found ${entries.length}`);
  }
  return entries;
}

/** entryBundleForIndex names the bundle holding entry `index` in a log of `size` entries. */
export function entryBundleForIndex(index: number, size: number): Tile {
  const n = Math.floor(index / TILE_WIDTH);
  const full = Math.floor(size / TILE_WIDTH);
  return { level: ENTRIES_LEVEL, index: n, width: n < full ? TILE_WIDTH : size % TILE_WIDTH };
}

/** BundleData is one entry bundle to publish: its coordinates and encoded bytes. */
export interface BundleData {
  readonly tile: Tile;
  readonly data: Uint8Array;
}

/** BundleAppendResult is what {@link appendEntryBundles} returns. */
export interface BundleAppendResult {
  /** Bundles to write: full bundles completed and the new partial bundle, in order. */
  readonly bundles: readonly BundleData[];
  /** The entries of the new right-edge partial bundle (empty when the size is a multiple of 256): pass it to the next call. */
  readonly partial: readonly Uint8Array[];
}

/**
 * appendEntryBundles computes the bundles to publish when `entries` are
 * appended to a log of `size` entries whose partial bundle (the last
 * size mod 256 entries) is `partial`. Pure; the caller writes the bundles.
 * Throws InputError BUNDLE_EDGE_MISMATCH when `partial` has the wrong
 * length, ENTRY_TOO_LARGE for an oversized entry.
 */
export function appendEntryBundles(
  size: number,
  partial: readonly Uint8Array[],
  entries: readonly Uint8Array[],
): BundleAppendResult {
  if (partial.length !== size % TILE_WIDTH) {
    throw new InputError(
      'BUNDLE_EDGE_MISMATCH',
      `a log of size ${size} has ${size % TILE_WIDTH} entries in its partial bundle, got ${partial.length}`,
    );
  }
  const bundles: BundleData[] = [];
  let current = [...partial];
  let index = Math.floor(size / TILE_WIDTH);
  for (const e of entries) {
    current.push(e);
    if (current.length === TILE_WIDTH) {
      bundles.push({
        tile: { level: ENTRIES_LEVEL, index, width: TILE_WIDTH },
        data: formatEntryBundle(current),
      });
      current = [];
      index++;
    }
  }
  // With new entries, a non-empty final bundle always contains some of them.
  if (current.length > 0 && entries.length > 0) {
    bundles.push({
      tile: { level: ENTRIES_LEVEL, index, width: current.length },
      data: formatEntryBundle(current),
    });
  }
  return { bundles, partial: current };
}
