/**
 * TransparencyLog is the contract between the log engine (sequencer +
 * storage, src/store) and everything that serves or uses a log (HTTP
 * personalities in src/registry, the publish pipeline, tests).
 *
 * Leaves are opaque bytes; the personality decides what they mean (a Rekor
 * v2 entry, a go.sum record, a key event). Implementations: the durable one
 * (SQLite + files, src/store) and an in-memory one for tests.
 */
import type { Hash } from './hash.js';

/** AppendResult is what an acknowledged append promises. */
export interface AppendResult {
  /** The entry's index in the log (its existing index when it was a duplicate). */
  readonly index: number;
  /** Size of the tree whose checkpoint first includes the entry. */
  readonly treeSize: number;
  /** The signed checkpoint (C2SP signed note text) for `treeSize`. */
  readonly checkpoint: string;
  /** True when the same entry bytes were already in the log. */
  readonly duplicate: boolean;
}

/** PushbackError: the pool is full; callers answer 503 with Retry-After. */
export class PushbackError extends Error {
  readonly code = 'LOG_PUSHBACK';
  constructor(readonly retryAfterSeconds: number) {
    super(
      `the log is busy: too many entries waiting to be integrated; retry in ${retryAfterSeconds} s`,
    );
  }
}

export interface TransparencyLog {
  /** Checkpoint origin line (C2SP tlog-checkpoint), e.g. "sigil.example.org/log". */
  readonly origin: string;
  /** Note verifier key of the log's checkpoint signer ("name+hash+base64"). */
  readonly verifierKey: string;
  /**
   * append adds an entry. It resolves only once the entry's tiles, entry
   * bundle and a checkpoint covering it are durable (fsync'd); rejects with
   * PushbackError when the pool is full. Concurrent appends are batched.
   */
  append(entry: Uint8Array): Promise<AppendResult>;
  /** latestCheckpoint is the newest durable signed checkpoint. */
  latestCheckpoint(): Promise<string>;
  /** readTile returns a hash tile or entry bundle by its C2SP path ("tile/0/x001/234.p/5", "tile/entries/000"); undefined if absent. */
  readTile(path: string): Promise<Uint8Array | undefined>;
  /** inclusionProof for the entry at `index` in the tree of size `treeSize` (RFC 9162 §2.1.3). */
  inclusionProof(index: number, treeSize: number): Promise<Hash[]>;
  /** consistencyProof between two tree sizes (RFC 9162 §2.1.4). */
  consistencyProof(size1: number, size2: number): Promise<Hash[]>;
  /** readEntry returns the entry bytes at `index`. */
  readEntry(index: number): Promise<Uint8Array | undefined>;
  /** close flushes pending work and releases storage. */
  close(): Promise<void>;
}
