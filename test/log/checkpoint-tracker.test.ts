// The one checkpoint rule (src/log/checkpoint-tracker.ts, issue 15 item 1): every outcome, on
// real trees built with the pure log (leaf hashes, stored hashes, consistency proofs), and the
// fact that the log client and lockfile verification now give the same codes (see also
// test/client/log-client.test.ts and test/lockfile/verify-project.test.ts).
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import {
  consistencyProofNeeded,
  linkCheckpoint,
  type SeenCheckpoint,
} from '../../src/log/checkpoint-tracker.js';
import { emptyTreeHash, type Hash, recordHash } from '../../src/log/hash.js';
import { hashReaderFromArray, storedHashes, treeHash } from '../../src/log/merkle.js';
import { proveConsistency } from '../../src/log/proof.js';

const ORIGIN = 'tracker.test/log';

/** A log in memory: leaf i is "<prefix> i". */
function tree(prefix: string, n: number) {
  const stored: Hash[] = [];
  for (let i = 0; i < n; i++)
    stored.push(
      ...storedHashes(i, recordHash(Buffer.from(`${prefix} ${i}`)), hashReaderFromArray(stored)),
    );
  const reader = hashReaderFromArray(stored);
  return {
    at(size: number): SeenCheckpoint {
      const checkpoint = {
        origin: ORIGIN,
        size,
        hash: size === 0 ? emptyTreeHash() : treeHash(size, reader),
        extensions: [],
      };
      // Signatures are the caller's job; the text is the evidence the tracker hands back.
      return { text: formatCheckpoint(checkpoint), checkpoint };
    },
    prove: (a: number, b: number) => ({ proof: proveConsistency(a, b, reader) }),
  };
}

const main = tree('main', 40);
const fork = tree('fork', 40);

describe('checkpoint tracker', () => {
  it('first use: pass, remember the received checkpoint, no proof needed', () => {
    expect(consistencyProofNeeded(undefined, main.at(5), 'latest')).toBeUndefined();
    const l = linkCheckpoint(undefined, main.at(5), 'latest');
    expect(l.check).toMatchObject({ status: 'pass', code: 'CONSISTENCY_FIRST_USE' });
    expect(l.remember).toEqual(main.at(5));
  });

  it('same tree: pass without a proof, nothing new to remember', () => {
    expect(consistencyProofNeeded(main.at(7), main.at(7), 'latest')).toBeUndefined();
    const l = linkCheckpoint(main.at(7), main.at(7), 'latest');
    expect(l.check).toMatchObject({ status: 'pass', code: 'CONSISTENCY_PROOF_VALID' });
    expect(l.remember).toBeUndefined();
  });

  it('growth with a valid proof: pass, remember the newer tree', () => {
    expect(consistencyProofNeeded(main.at(7), main.at(33), 'latest')).toEqual([7, 33]);
    const l = linkCheckpoint(main.at(7), main.at(33), 'latest', main.prove(7, 33));
    expect(l.check).toMatchObject({ status: 'pass', code: 'CONSISTENCY_PROOF_VALID' });
    expect(l.remember).toEqual(main.at(33));
  });

  it('growth from the empty tree needs no proof', () => {
    expect(consistencyProofNeeded(main.at(0), main.at(3), 'latest')).toBeUndefined();
    const l = linkCheckpoint(main.at(0), main.at(3), 'latest');
    expect(l.check.code).toBe('CONSISTENCY_PROOF_VALID');
    expect(l.remember).toEqual(main.at(3));
  });

  it('same size, other root: split view with both checkpoints', () => {
    const l = linkCheckpoint(main.at(9), fork.at(9), 'latest');
    expect(l.check).toMatchObject({ status: 'fail', code: 'LOG_SPLIT_VIEW' });
    expect(l.evidence).toEqual({ remembered: main.at(9).text, received: fork.at(9).text });
    expect(l.check.reason).toMatch(/^log fork \/ split view: tracker\.test\/log has two/);
    expect(l.check.reason).toContain('remembered checkpoint:');
    expect(l.remember).toBeUndefined();
  });

  it('a larger tree whose proof fails: split view (forged proof, or another history)', () => {
    const forged = linkCheckpoint(main.at(7), main.at(33), 'latest', {
      proof: main
        .prove(7, 33)
        .proof.map((h, i) => (i === 0 ? Uint8Array.from(h, (b) => b ^ 1) : h)),
    });
    expect(forged.check.code).toBe('LOG_SPLIT_VIEW');
    // A fork's own valid-looking proof does not link it to the remembered main tree.
    const other = linkCheckpoint(main.at(7), fork.at(33), 'latest', fork.prove(7, 33));
    expect(other.check.code).toBe('LOG_SPLIT_VIEW');
    expect(other.evidence?.received).toBe(fork.at(33).text);
    expect(other.remember).toBeUndefined();
  });

  it('a smaller latest tree is a rollback, even when it is a prefix', () => {
    expect(consistencyProofNeeded(main.at(20), main.at(8), 'latest')).toBeUndefined();
    const l = linkCheckpoint(main.at(20), main.at(8), 'latest');
    expect(l.check).toMatchObject({ status: 'fail', code: 'LOG_ROLLBACK' });
    expect(l.check.reason).toMatch(/went back from size 20 to 8/);
    expect(l.evidence).toEqual({ remembered: main.at(20).text, received: main.at(8).text });
    expect(l.remember).toBeUndefined();
  });

  it('an older tree an entry was proven against is fine when consistent, a split view when not', () => {
    expect(consistencyProofNeeded(main.at(20), main.at(8), 'proof')).toEqual([8, 20]);
    const ok = linkCheckpoint(main.at(20), main.at(8), 'proof', main.prove(8, 20));
    expect(ok.check.code).toBe('CONSISTENCY_PROOF_VALID');
    expect(ok.remember).toBeUndefined(); // never move the memory backwards
    const bad = linkCheckpoint(main.at(20), fork.at(8), 'proof', main.prove(8, 20));
    expect(bad.check.code).toBe('LOG_SPLIT_VIEW');
  });

  it('a proof the log cannot give: unproven (not a split view), nothing remembered', () => {
    const l = linkCheckpoint(main.at(7), main.at(33), 'latest', {
      unavailable: 'tile 0/000 is missing',
    });
    expect(l.check).toMatchObject({ status: 'fail', code: 'CONSISTENCY_UNPROVEN' });
    expect(l.check.reason).toMatch(/tile 0\/000 is missing/);
    expect(l.evidence).toBeUndefined();
    expect(l.remember).toBeUndefined();
    // No answer at all counts the same.
    expect(linkCheckpoint(main.at(7), main.at(33), 'proof').check.code).toBe(
      'CONSISTENCY_UNPROVEN',
    );
  });
});
