/**
 * The Merkle tree over stored hashes: where each hash lives and how a tree
 * hash is computed from them (RFC 6962 §2.1, golang.org/x/mod/sumdb/tlog).
 *
 * Every node that is the root of a complete (perfect) subtree is a "stored
 * hash". Stored hashes are numbered densely in the order they are created
 * (Crosby & Wallach §3.3): {@link storedHashIndex} maps (level, n) to that
 * number. A {@link HashReader} reads stored hashes by number; it can be backed
 * by an array, a database, or tiles ({@link tileHashReader} in tile.ts).
 *
 * Every function that needs hashes comes in two halves so that asynchronous
 * storage can be used without this pure layer doing I/O: `…Indexes()` says
 * which stored hashes are needed, `…FromHashes()` computes the result from
 * them. The one-call form takes a synchronous HashReader.
 */
import { InputError, SigilError } from '../core/errors.js';
import { emptyTreeHash, type Hash, nodeHash } from './hash.js';

/**
 * HashReader reads stored hashes (tlog.HashReader). readHashes must return
 * exactly one 32-byte hash per index, in the order asked, or throw.
 */
export interface HashReader {
  readHashes(indexes: readonly number[]): readonly Hash[];
}

/** hashReaderFromArray returns a HashReader over an in-memory array of stored hashes (index = position). */
export function hashReaderFromArray(stored: readonly Hash[]): HashReader {
  return {
    readHashes(indexes) {
      return indexes.map((i) => {
        const h = stored[i];
        if (h === undefined)
          throw new SigilError('HASH_NOT_STORED', `stored hash ${i} is not available`);
        return h;
      });
    },
  };
}

function assertSize(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InputError(
      'PROOF_BAD_INPUT',
      `${what} must be a non-negative safe integer, got ${String(n)}`,
    );
  }
}

/** maxpow2 returns the largest power of two k < n (n ≥ 2) and its log2 (tlog.maxpow2). */
export function maxpow2(n: number): [k: number, l: number] {
  let k = 1;
  let l = 0;
  while (k * 2 < n) {
    k *= 2;
    l++;
  }
  return [k, l];
}

/**
 * storedHashIndex maps the tree coordinates (level, n) — the n-th node at
 * that level, counting from 0 — to the dense storage index (tlog.StoredHashIndex).
 */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  return i + level;
}

function trailingOnes(n: number): number {
  let m = 0;
  while (n % 2 === 1) {
    m++;
    n = (n - 1) / 2;
  }
  return m;
}

/** splitStoredHashIndex is the inverse of {@link storedHashIndex} (tlog.SplitStoredHashIndex). */
export function splitStoredHashIndex(index: number): [level: number, n: number] {
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    // Record n adds 1 + trailingZeros(n+1) hashes = 1 + trailingOnes(n).
    const x = indexN + 1 + trailingOnes(n);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return [level, Math.floor(n / 2 ** level)];
}

/** storedHashCount returns how many stored hashes a tree of n records has (tlog.StoredHashCount). */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  return storedHashIndex(0, n - 1) + 1 + trailingOnes(n - 1);
}

/**
 * storedHashesIndexes returns the stored hashes that {@link storedHashesFromHashes}
 * needs to append record n: the left siblings of the subtrees record n completes.
 */
export function storedHashesIndexes(n: number): number[] {
  const m = trailingOnes(n);
  const out = new Array<number>(m);
  for (let i = 0; i < m; i++) out[m - 1 - i] = storedHashIndex(i, Math.floor(n / 2 ** i) - 1);
  return out;
}

/**
 * storedHashesFromHashes returns the hashes to store, starting at
 * storedHashIndex(0, n), when appending record n whose leaf hash is `leaf`
 * (tlog.StoredHashesForRecordHash). `old` are the hashes named by
 * {@link storedHashesIndexes}(n), in that order.
 */
export function storedHashesFromHashes(n: number, leaf: Hash, old: readonly Hash[]): Hash[] {
  const m = old.length;
  const out: Hash[] = [leaf];
  let h = leaf;
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i]!, h);
    out.push(h);
  }
  return out;
}

/** storedHashes is {@link storedHashesFromHashes} reading from a HashReader (tlog.StoredHashesForRecordHash). */
export function storedHashes(n: number, leaf: Hash, r: HashReader): Hash[] {
  assertSize('record index', n);
  const idx = storedHashesIndexes(n);
  return storedHashesFromHashes(n, leaf, readExactly(r, idx));
}

/** readExactly calls r.readHashes and checks it kept its contract. */
export function readExactly(r: HashReader, indexes: readonly number[]): readonly Hash[] {
  if (indexes.length === 0) return [];
  const hashes = r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw new SigilError(
      'HASH_READER_CONTRACT',
      `readHashes(${indexes.length} indexes) returned ${hashes.length} hashes`,
    );
  }
  return hashes;
}

/** subTreeIndex appends the stored hashes that make up the subtree [lo, hi) to need (tlog.subTreeIndex). */
export function subTreeIndex(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const [k, level] = maxpow2(hi - lo + 1);
    need.push(storedHashIndex(level, lo / k));
    lo += k;
  }
  return need;
}

/** subTreeCount is how many stored hashes {@link subTreeIndex} names for the subtree [lo, hi). */
export function subTreeCount(lo: number, hi: number): number {
  let n = 0;
  while (lo < hi) {
    const [k] = maxpow2(hi - lo + 1);
    n++;
    lo += k;
  }
  return n;
}

/**
 * subTreeHash computes the hash of the subtree [lo, hi) from the hashes named
 * by subTreeIndex, consuming them from `hashes` starting at `pos`.
 * Returns the hash and the new position (tlog.subTreeHash).
 */
export function subTreeHash(
  lo: number,
  hi: number,
  hashes: readonly Hash[],
  pos: number,
): [Hash, number] {
  const numTree = subTreeCount(lo, hi);
  let h = hashes[pos + numTree - 1]!;
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[pos + i]!, h);
  return [h, pos + numTree];
}

/** treeHashIndexes returns the stored hashes {@link treeHashFromHashes} needs for a tree of n records. */
export function treeHashIndexes(n: number): number[] {
  assertSize('tree size', n);
  return subTreeIndex(0, n, []);
}

/** treeHashFromHashes computes the root of a tree of n records from the hashes named by {@link treeHashIndexes}. */
export function treeHashFromHashes(n: number, hashes: readonly Hash[]): Hash {
  if (n === 0) return emptyTreeHash();
  return subTreeHash(0, n, hashes, 0)[0];
}

/**
 * treeHash returns the root hash of the tree of n records (RFC 6962 §2.1 MTH;
 * tlog.TreeHash), reading at most 1 + log2(n) stored hashes. The empty tree's
 * hash is SHA-256("") per RFC 6962 (Go's tlog returns zeros).
 */
export function treeHash(n: number, r: HashReader): Hash {
  return treeHashFromHashes(n, readExactly(r, treeHashIndexes(n)));
}
