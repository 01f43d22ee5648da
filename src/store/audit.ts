/**
 * auditLog replays a whole log from its entry bundles and checks it against
 * its hash tiles and checkpoint: every entry is re-hashed, the tree is
 * rebuilt bundle by bundle (a tree head recomputed for every 256 entries),
 * every full hash tile and the final partial tiles must match the stored
 * ones byte for byte, and the final root must equal the checkpoint's. It
 * reads through a {@link TileSource}, so the same audit runs over a data
 * directory or over HTTP.
 */
import { SigilError } from '../core/errors.js';
import { type Checkpoint, parseCheckpoint, verifyCheckpoint } from '../log/checkpoint.js';
import { parseEntryBundle } from '../log/entry-bundle.js';
import { emptyTreeHash, type Hash, hashEqual, recordHash } from '../log/hash.js';
import { edgeTiles, emptyEdge, integrate } from '../log/integrate.js';
import type { NoteVerifier } from '../log/note-key.js';
import { parseNote } from '../log/note.js';
import { ENTRIES_LEVEL, formatTilePath, TILE_WIDTH } from '../log/tile-path.js';

/** TileSource fetches a log object by its path relative to the log prefix ("checkpoint", "tile/0/000"); undefined when absent. */
export type TileSource = (path: string) => Promise<Uint8Array | undefined>;

/** AuditError: the log does not replay to its checkpoint. Code LOG_AUDIT_FAILED. */
export class AuditError extends SigilError {
  constructor(message: string) {
    super('LOG_AUDIT_FAILED', message);
  }
}

export interface AuditOptions {
  /** The signed checkpoint to audit against (default: fetched from the source). */
  readonly checkpoint?: string;
  /** Trusted log keys; when given the checkpoint must verify with one of them. */
  readonly verifiers?: readonly NoteVerifier[];
  /** Expected origin (checked with verifiers). */
  readonly origin?: string;
  /** Called after each bundle with (entries done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AuditResult {
  readonly checkpoint: Checkpoint;
  /** Whether the checkpoint signature was verified (verifiers given). */
  readonly signatureVerified: boolean;
  readonly entries: number;
  readonly treeHeads: number;
  readonly tilesChecked: number;
  readonly root: Hash;
}

/** auditLog replays the log; resolves when it audits clean, rejects with {@link AuditError} otherwise. */
export async function auditLog(
  source: TileSource,
  options: AuditOptions = {},
): Promise<AuditResult> {
  let text = options.checkpoint;
  if (text === undefined) {
    const data = await source('checkpoint');
    if (data === undefined) throw new AuditError('the log has no checkpoint');
    text = Buffer.from(data).toString('utf8');
  }
  let cp: Checkpoint;
  if (options.verifiers !== undefined) {
    const v = verifyCheckpoint(
      text,
      options.verifiers,
      options.origin !== undefined ? { origin: options.origin } : {},
    );
    if (!v.ok) throw new AuditError(`checkpoint: ${v.check.reason}`);
    cp = v.checkpoint;
  } else {
    try {
      cp = parseCheckpoint(parseNote(text).text);
    } catch (e) {
      throw new AuditError(`checkpoint: ${(e as Error).message}`);
    }
  }
  const size = cp.size;
  let edge = emptyEdge();
  let root = emptyTreeHash();
  let tilesChecked = 0;
  let treeHeads = 0;
  const expectSame = async (path: string, data: Uint8Array): Promise<void> => {
    const stored = await source(path);
    if (stored === undefined) throw new AuditError(`${path} is missing from the log`);
    if (!hashEqual(stored, data))
      throw new AuditError(`${path} does not match the tree rebuilt from the entries`);
    tilesChecked++;
  };
  for (let b = 0; b * TILE_WIDTH < size; b++) {
    const width = Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
    const path = formatTilePath({ level: ENTRIES_LEVEL, index: b, width });
    const data = await source(path);
    if (data === undefined) throw new AuditError(`entry bundle ${path} is missing from the log`);
    let entries: Uint8Array[];
    try {
      entries = parseEntryBundle(data, width);
    } catch (e) {
      throw new AuditError(`entry bundle ${path}: ${(e as Error).message}`);
    }
    const r = integrate(edge, entries.map(recordHash));
    for (const t of r.tiles)
      if (t.tile.width === TILE_WIDTH) await expectSame(formatTilePath(t.tile), t.data);
    edge = r.edge;
    root = r.root;
    treeHeads++;
    options.onProgress?.(edge.size, size);
  }
  for (const t of edgeTiles(size)) await expectSame(formatTilePath(t), edge.tiles[t.level]!);
  if (!hashEqual(root, cp.hash)) {
    throw new AuditError(
      `the entries hash to root ${Buffer.from(root).toString('base64')}, but the checkpoint of size ${size} says ${Buffer.from(cp.hash).toString('base64')}`,
    );
  }
  return {
    checkpoint: cp,
    signatureVerified: options.verifiers !== undefined,
    entries: size,
    treeHeads,
    tilesChecked,
    root,
  };
}
