/**
 * MemoryLog: an in-memory {@link TransparencyLog} for tests, built from the
 * pure engine (integrate, proveInclusion, signCheckpoint). Every append is
 * integrated at once (batch of one) and "durable" immediately. Hash tiles
 * are kept at their widest version and served at any width up to it, like a
 * log that keeps old partial tiles; entry bundles are built on demand.
 */
import { createHash } from 'node:crypto';
import {
  type AppendResult,
  edgeRoot,
  emptyEdge,
  ENTRIES_LEVEL,
  formatEntryBundle,
  formatVerifierKey,
  generateNoteKey,
  type Hash,
  HASH_SIZE,
  integrate,
  type NoteSigner,
  parseSignerKey,
  parseTilePath,
  proveConsistency,
  proveInclusion,
  PushbackError,
  recordHash,
  signCheckpoint,
  TILE_WIDTH,
  tileHashReader,
  type TransparencyLog,
  type TreeEdge,
} from '../../src/log/index.js';

export interface MemoryLogOptions {
  /** Checkpoint origin and key name (default "sigil.test/log"). */
  readonly origin?: string;
  /** Signer key "PRIVATE+KEY+…" (default: a fresh key named after the origin). */
  readonly signerKey?: string;
  /** When it returns a number, append rejects with PushbackError(that many seconds). */
  readonly pushback?: () => number | undefined;
}

export class MemoryLog implements TransparencyLog {
  readonly origin: string;
  readonly verifierKey: string;
  readonly signerKey: string;
  private readonly signer: NoteSigner;
  private readonly entries: Uint8Array[] = [];
  private readonly byHash = new Map<string, number>();
  private readonly tiles = new Map<string, Uint8Array>();
  private edge: TreeEdge = emptyEdge();
  private checkpoint: string;
  private readonly pushback: (() => number | undefined) | undefined;

  constructor(options: MemoryLogOptions = {}) {
    this.origin = options.origin ?? 'sigil.test/log';
    const key = options.signerKey
      ? { signerKey: options.signerKey, verifierKey: '' }
      : generateNoteKey(this.origin);
    this.signerKey = key.signerKey;
    const signer = parseSignerKey(this.signerKey);
    this.signer = signer;
    this.verifierKey = key.verifierKey || formatVerifierKey(signer);
    this.pushback = options.pushback;
    this.checkpoint = this.sign();
  }

  get size(): number {
    return this.edge.size;
  }

  private sign(): string {
    return signCheckpoint(
      { origin: this.origin, size: this.edge.size, hash: edgeRoot(this.edge), extensions: [] },
      [this.signer],
    );
  }

  private readTileSync = (t: { level: number; index: number; width: number }): Uint8Array => {
    const data = this.tiles.get(`${t.level}/${t.index}`);
    if (!data || data.length < t.width * HASH_SIZE)
      throw new Error(`memory log: no tile ${t.level}/${t.index} of width ${t.width}`);
    return data.subarray(0, t.width * HASH_SIZE);
  };

  async append(entry: Uint8Array): Promise<AppendResult> {
    const retry = this.pushback?.();
    if (retry !== undefined) throw new PushbackError(retry);
    const key = createHash('sha256').update(entry).digest('hex');
    const existing = this.byHash.get(key);
    if (existing !== undefined)
      return { index: existing, treeSize: this.size, checkpoint: this.checkpoint, duplicate: true };
    const r = integrate(this.edge, [recordHash(entry)]);
    for (const t of r.tiles) this.tiles.set(`${t.tile.level}/${t.tile.index}`, t.data);
    const index = this.entries.length;
    this.entries.push(new Uint8Array(entry));
    this.byHash.set(key, index);
    this.edge = r.edge;
    this.checkpoint = this.sign();
    return { index, treeSize: this.size, checkpoint: this.checkpoint, duplicate: false };
  }

  async latestCheckpoint(): Promise<string> {
    return this.checkpoint;
  }

  async readTile(path: string): Promise<Uint8Array | undefined> {
    let t;
    try {
      t = parseTilePath(path);
    } catch {
      return undefined;
    }
    if (t.level === ENTRIES_LEVEL) {
      const start = t.index * TILE_WIDTH;
      if (start + t.width > this.entries.length) return undefined;
      return formatEntryBundle(this.entries.slice(start, start + t.width));
    }
    const data = this.tiles.get(`${t.level}/${t.index}`);
    if (!data || data.length < t.width * HASH_SIZE) return undefined;
    return data.slice(0, t.width * HASH_SIZE);
  }

  async inclusionProof(index: number, treeSize: number): Promise<Hash[]> {
    return proveInclusion(index, treeSize, tileHashReader(treeSize, this.readTileSync));
  }

  async consistencyProof(size1: number, size2: number): Promise<Hash[]> {
    return proveConsistency(size1, size2, tileHashReader(size2, this.readTileSync));
  }

  async readEntry(index: number): Promise<Uint8Array | undefined> {
    return this.entries[index];
  }

  async close(): Promise<void> {}
}
