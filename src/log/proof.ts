/**
 * Inclusion ("record") and consistency ("tree") proofs: RFC 9162 §2.1.3 and
 * §2.1.4 (RFC 6962 §2.1.1–2.1.2), proved from stored hashes like
 * golang.org/x/mod/sumdb/tlog (ProveRecord/ProveTree) and checked like
 * RFC 9162's verification algorithms.
 *
 * Proof hashes are ordered from the leaf upward, as in RFC 9162, tlog and
 * Rekor. Checks never throw: they return a {@link Check} whose code says
 * exactly what was wrong. Proving throws {@link InputError} (code
 * PROOF_BAD_INPUT) for impossible coordinates.
 */
import { InputError } from '../core/errors.js';
import { type Check, fail, pass } from '../core/verdict.js';
import { HASH_SIZE, type Hash, hashEqual, nodeHash } from './hash.js';
import {
  type HashReader,
  maxpow2,
  readExactly,
  subTreeCount,
  subTreeHash,
  subTreeIndex,
} from './merkle.js';

/**
 * ProofCheckCode is the `code` of the Check returned by proof checks. Public API.
 * - INCLUSION_PROOF_VALID / CONSISTENCY_PROOF_VALID: the proof holds.
 * - PROOF_BAD_INPUT: the coordinates are impossible (index ≥ size, size1 > size2, not integers).
 * - PROOF_WRONG_LENGTH: the proof has the wrong number of hashes for these coordinates.
 * - PROOF_BAD_HASH: a proof hash, leaf hash or root is not 32 bytes.
 * - PROOF_ROOT_MISMATCH: the proof leads to a different root (forged proof, wrong index, wrong size or wrong root).
 */
export type ProofCheckCode =
  | 'INCLUSION_PROOF_VALID'
  | 'CONSISTENCY_PROOF_VALID'
  | 'PROOF_BAD_INPUT'
  | 'PROOF_WRONG_LENGTH'
  | 'PROOF_BAD_HASH'
  | 'PROOF_ROOT_MISMATCH';

function badInput(what: string, reason: string, detail: Record<string, unknown>): Check {
  return fail(what, 'PROOF_BAD_INPUT', reason, detail);
}

function isSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isHash(h: unknown): h is Hash {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

// Bit helpers on safe integers, done with BigInt: proofs are short, clarity wins.
function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}
function popCount(x: bigint): number {
  let c = 0;
  for (const ch of x.toString(2)) if (ch === '1') c++;
  return c;
}
function trailingZeros(x: bigint): number {
  let c = 0;
  while (x > 0n && (x & 1n) === 0n) {
    x >>= 1n;
    c++;
  }
  return c;
}

/** inclusionProofLength returns how many hashes an inclusion proof for (index, size) has (RFC 9162 §2.1.3.2). */
export function inclusionProofLength(index: number, size: number): number {
  const i = BigInt(index);
  const inner = bitLen(i ^ BigInt(size - 1));
  return inner + popCount(i >> BigInt(inner));
}

// ---------------------------------------------------------------- proving

/** inclusionProofIndexes names the stored hashes needed to prove record `index` in the tree of `size` (tlog.leafProofIndex). */
export function inclusionProofIndexes(index: number, size: number): number[] {
  if (!isSize(index) || !isSize(size) || index >= size) {
    throw new InputError(
      'PROOF_BAD_INPUT',
      `cannot prove inclusion of index ${String(index)} in a tree of size ${String(size)}`,
    );
  }
  const need: number[] = [];
  const walk = (lo: number, hi: number): void => {
    if (lo + 1 === hi) return;
    const [k] = maxpow2(hi - lo);
    if (index < lo + k) {
      walk(lo, lo + k);
      subTreeIndex(lo + k, hi, need);
    } else {
      subTreeIndex(lo, lo + k, need);
      walk(lo + k, hi);
    }
  };
  walk(0, size);
  return need;
}

/**
 * inclusionProofFromHashes builds the proof from the hashes named by {@link inclusionProofIndexes}
 * (tlog.leafProof). `ranges` may remember the hashes of subtrees [lo, hi) folded from several
 * stored hashes: such a hash depends only on the leaves in the range, never on the tree size,
 * so a server proving many entries of one log folds each right-edge range once.
 */
export function inclusionProofFromHashes(
  index: number,
  size: number,
  hashes: readonly Hash[],
  ranges?: Map<string, Hash>,
): Hash[] {
  let pos = 0;
  const subTree = (lo: number, hi: number, at: number): [Hash, number] => {
    if (ranges === undefined) return subTreeHash(lo, hi, hashes, at);
    const n = subTreeCount(lo, hi);
    if (n === 1) return [hashes[at]!, at + 1];
    const key = `${lo}:${hi}`;
    const known = ranges.get(key);
    if (known !== undefined) return [known, at + n];
    const r = subTreeHash(lo, hi, hashes, at);
    ranges.set(key, r[0]);
    return r;
  };
  const walk = (lo: number, hi: number): Hash[] => {
    if (lo + 1 === hi) return [];
    const [k] = maxpow2(hi - lo);
    let p: Hash[];
    let th: Hash;
    if (index < lo + k) {
      p = walk(lo, lo + k);
      [th, pos] = subTree(lo + k, hi, pos);
    } else {
      [th, pos] = subTree(lo, lo + k, pos);
      p = walk(lo + k, hi);
    }
    p.push(th);
    return p;
  };
  return walk(0, size);
}

/**
 * proveInclusion returns the inclusion proof (RFC 9162 §2.1.3.1 audit path)
 * that the tree of `size` records contains record `index` (tlog.ProveRecord).
 * Throws InputError PROOF_BAD_INPUT unless 0 ≤ index < size.
 */
export function proveInclusion(index: number, size: number, r: HashReader): Hash[] {
  const idx = inclusionProofIndexes(index, size);
  return inclusionProofFromHashes(index, size, readExactly(r, idx));
}

/** consistencyProofIndexes names the stored hashes needed to prove the tree of `size2` extends the tree of `size1` (tlog.treeProofIndex). */
export function consistencyProofIndexes(size1: number, size2: number): number[] {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) {
    throw new InputError(
      'PROOF_BAD_INPUT',
      `cannot prove consistency from size ${String(size1)} to size ${String(size2)}`,
    );
  }
  const need: number[] = [];
  if (size1 === 0 || size1 === size2) return need;
  const walk = (lo: number, hi: number): void => {
    if (size1 === hi) {
      if (lo !== 0) subTreeIndex(lo, hi, need);
      return;
    }
    const [k] = maxpow2(hi - lo);
    if (size1 <= lo + k) {
      walk(lo, lo + k);
      subTreeIndex(lo + k, hi, need);
    } else {
      subTreeIndex(lo, lo + k, need);
      walk(lo + k, hi);
    }
  };
  walk(0, size2);
  return need;
}

/** consistencyProofFromHashes builds the proof from the hashes named by {@link consistencyProofIndexes} (tlog.treeProof). */
export function consistencyProofFromHashes(
  size1: number,
  size2: number,
  hashes: readonly Hash[],
): Hash[] {
  if (size1 === 0 || size1 === size2) return [];
  let pos = 0;
  const walk = (lo: number, hi: number): Hash[] => {
    if (size1 === hi) {
      if (lo === 0) return [];
      let th: Hash;
      [th, pos] = subTreeHash(lo, hi, hashes, pos);
      return [th];
    }
    const [k] = maxpow2(hi - lo);
    let p: Hash[];
    let th: Hash;
    if (size1 <= lo + k) {
      p = walk(lo, lo + k);
      [th, pos] = subTreeHash(lo + k, hi, hashes, pos);
    } else {
      [th, pos] = subTreeHash(lo, lo + k, hashes, pos);
      p = walk(lo + k, hi);
    }
    p.push(th);
    return p;
  };
  return walk(0, size2);
}

/**
 * proveConsistency returns the consistency proof (RFC 9162 §2.1.4.1) that
 * the tree of `size2` records has the tree of `size1` records as a prefix
 * (tlog.ProveTree). Empty when size1 is 0 or equals size2.
 * Throws InputError PROOF_BAD_INPUT unless 0 ≤ size1 ≤ size2.
 */
export function proveConsistency(size1: number, size2: number, r: HashReader): Hash[] {
  const idx = consistencyProofIndexes(size1, size2);
  return consistencyProofFromHashes(size1, size2, readExactly(r, idx));
}

// ---------------------------------------------------------------- checking

/**
 * checkInclusion verifies that `proof` shows the tree of `size` records with
 * root `root` has `leafHash` at `index` (RFC 9162 §2.1.3.2). Returns a Check
 * named "inclusion" with a {@link ProofCheckCode}; never throws.
 */
export function checkInclusion(
  proof: readonly Hash[],
  index: number,
  size: number,
  leafHash: Hash,
  root: Hash,
): Check {
  const detail = { index, size };
  if (!isSize(index) || !isSize(size) || index >= size) {
    return badInput(
      'inclusion',
      `index ${String(index)} is not inside a tree of size ${String(size)}`,
      detail,
    );
  }
  if (!Array.isArray(proof)) return badInput('inclusion', 'proof is not a list of hashes', detail);
  const want = inclusionProofLength(index, size);
  if (proof.length !== want) {
    return fail(
      'inclusion',
      'PROOF_WRONG_LENGTH',
      `inclusion proof has ${proof.length} hashes, expected ${want} for index ${index} in size ${size}`,
      detail,
    );
  }
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) {
    return fail(
      'inclusion',
      'PROOF_BAD_HASH',
      'a hash in the inclusion proof, the leaf hash or the root is not 32 bytes',
      detail,
    );
  }
  const i = BigInt(index);
  const inner = bitLen(i ^ BigInt(size - 1));
  let h = leafHash;
  for (let k = 0; k < proof.length; k++) {
    const p = proof[k]!;
    // Inner part: the index bit says whether we are the right or left child.
    // Border part (k ≥ inner): on the right border, siblings are always on the left.
    h = k < inner && ((i >> BigInt(k)) & 1n) === 0n ? nodeHash(h, p) : nodeHash(p, h);
  }
  if (!hashEqual(h, root)) {
    return fail(
      'inclusion',
      'PROOF_ROOT_MISMATCH',
      `inclusion proof for index ${index} does not lead to the root of the tree of size ${size}`,
      detail,
    );
  }
  return pass(
    'inclusion',
    'INCLUSION_PROOF_VALID',
    `entry ${index} is included in the tree of size ${size}`,
    detail,
  );
}

/**
 * checkConsistency verifies that `proof` shows the tree of `size2` records
 * with root `root2` extends the tree of `size1` records with root `root1`
 * (RFC 9162 §2.1.4.2). Same-size trees must have equal roots and an empty
 * proof; a proof from size 0 must be empty. Returns a Check named
 * "consistency" with a {@link ProofCheckCode}; never throws.
 */
export function checkConsistency(
  proof: readonly Hash[],
  size1: number,
  size2: number,
  root1: Hash,
  root2: Hash,
): Check {
  const detail = { size1, size2 };
  const name = 'consistency';
  if (!isSize(size1) || !isSize(size2) || size1 > size2) {
    // check for rollback: a newer tree can never be smaller.
    return badInput(name, `tree size went from ${String(size1)} to ${String(size2)}`, detail);
  }
  if (!Array.isArray(proof)) return badInput(name, 'proof is not a list of hashes', detail);
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) {
    return fail(
      name,
      'PROOF_BAD_HASH',
      'a hash in the consistency proof or a root is not 32 bytes',
      detail,
    );
  }
  const ok = (): Check =>
    pass(
      name,
      'CONSISTENCY_PROOF_VALID',
      `the tree of size ${size2} extends the tree of size ${size1}`,
      detail,
    );
  const mismatch = (): Check =>
    fail(
      name,
      'PROOF_ROOT_MISMATCH',
      `consistency proof from size ${size1} to ${size2} does not match the roots (log fork or forged proof)`,
      detail,
    );
  if (size1 === size2 || size1 === 0) {
    if (proof.length !== 0) {
      return fail(
        name,
        'PROOF_WRONG_LENGTH',
        `consistency proof from size ${size1} to ${size2} must be empty, has ${proof.length} hashes`,
        detail,
      );
    }
    if (size1 === size2 && !hashEqual(root1, root2)) return mismatch();
    return ok();
  }
  const s1 = BigInt(size1);
  const shift = trailingZeros(s1);
  const last1 = s1 - 1n;
  let inner = bitLen(last1 ^ BigInt(size2 - 1));
  const border = popCount(last1 >> BigInt(inner));
  inner -= shift;
  // The proof starts with the hash of the old tree's largest perfect right subtree,
  // unless the old tree is itself perfect (then the verifier already has it: root1).
  const seedFromProof = s1 !== 1n << BigInt(shift);
  const start = seedFromProof ? 1 : 0;
  const want = start + inner + border;
  if (proof.length !== want) {
    return fail(
      name,
      'PROOF_WRONG_LENGTH',
      `consistency proof has ${proof.length} hashes, expected ${want} from size ${size1} to ${size2}`,
      detail,
    );
  }
  const seed = seedFromProof ? proof[0]! : root1;
  const mask = last1 >> BigInt(shift);
  let h1 = seed;
  let h2 = seed;
  for (let k = 0; k < inner; k++) {
    const p = proof[start + k]!;
    if (((mask >> BigInt(k)) & 1n) === 1n) {
      h1 = nodeHash(p, h1);
      h2 = nodeHash(p, h2);
    } else {
      h2 = nodeHash(h2, p);
    }
  }
  for (let k = start + inner; k < proof.length; k++) {
    const p = proof[k]!;
    h1 = nodeHash(p, h1);
    h2 = nodeHash(p, h2);
  }
  if (!hashEqual(h1, root1) || !hashEqual(h2, root2)) return mismatch();
  return ok();
}
