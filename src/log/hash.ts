/**
 * Hashes of the Merkle tree: RFC 6962 §2.1 / RFC 9162 §2.1.1, SHA-256 only.
 *
 * A {@link Hash} is a 32-byte Uint8Array. Functions here never keep a
 * reference to their inputs and always return a fresh array, so callers may
 * reuse their buffers.
 */
import { hash as oneShotHash } from 'node:crypto';

/** HASH_SIZE is the size of a SHA-256 hash in bytes. */
export const HASH_SIZE = 32;

/** Hash is a 32-byte SHA-256 hash of a leaf, an interior node or a tree. */
export type Hash = Uint8Array;

// One scratch buffer for node hashing: 0x01 || left || right. Hashing is
// synchronous, so nothing can interleave between the copy and the digest.
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

function sha256(data: Uint8Array): Hash {
  // crypto.hash (Node ≥ 20.12) is a one-shot digest without a Hash object.
  const out = oneShotHash('sha256', data, 'buffer') as unknown as Buffer;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * recordHash returns the leaf hash of an entry: SHA-256(0x00 || data)
 * (RFC 6962 §2.1; tlog.RecordHash).
 */
export function recordHash(data: Uint8Array): Hash {
  const buf = new Uint8Array(1 + data.length);
  buf.set(data, 1);
  return sha256(buf);
}

/**
 * nodeHash returns the hash of an interior node: SHA-256(0x01 || left || right)
 * (RFC 6962 §2.1; tlog.NodeHash). Both inputs must be {@link HASH_SIZE} bytes.
 */
export function nodeHash(left: Hash, right: Hash): Hash {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

/**
 * emptyTreeHash returns the root of the empty tree, SHA-256("") (RFC 6962 §2.1).
 * Note that Go's tlog.TreeHash(0) returns all zeros instead; checkpoints
 * (c2sp.org/tlog-checkpoint, Tessera) use SHA-256("").
 */
export function emptyTreeHash(): Hash {
  return sha256(new Uint8Array(0));
}

/** hashEqual reports whether two byte arrays are equal (not constant-time: hashes are public). */
export function hashEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * spanHash returns the hash of the perfect subtree whose leaves are the
 * `count` hashes (count a power of two) stored back to back in `data` from
 * hash position `start` (tlog's tileHash). Used to derive interior nodes
 * from a tile.
 */
export function spanHash(data: Uint8Array, start: number, count: number): Hash {
  if (count === 1) return data.slice(start * HASH_SIZE, (start + 1) * HASH_SIZE);
  // Iterative bottom-up reduction into a scratch level.
  let level: Hash[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const off = (start + i) * HASH_SIZE;
    level[i] = data.subarray(off, off + HASH_SIZE);
  }
  while (level.length > 1) {
    const next: Hash[] = new Array(level.length >> 1);
    for (let i = 0; i < next.length; i++) next[i] = nodeHash(level[2 * i]!, level[2 * i + 1]!);
    level = next;
  }
  return level[0]!;
}
