/**
 * The checkpoint tracker: the one rule by which a client links a checkpoint
 * it receives to the one it remembers (RFC 9162 §2.1.4; Go sumdb's
 * checkTrees). Pure: the caller verifies both checkpoints' signatures, fetches
 * the consistency proof this module asks for, and stores what it says to
 * remember. Used by the log client (`sigil log`, bundle entries, the monitor)
 * and by lockfile verification, so both give the same verdict, with the same
 * codes, for the same pair:
 *
 * - CONSISTENCY_FIRST_USE (pass): nothing remembered; remember the received one.
 * - CONSISTENCY_PROOF_VALID (pass): same tree, or a consistency proof links them.
 * - LOG_ROLLBACK (fail): the log's latest tree is smaller than one it showed
 *   before: a log never shrinks.
 * - LOG_SPLIT_VIEW (fail): two trees that cannot both be true — same size with
 *   another root, or a consistency proof that does not verify. Both signed
 *   checkpoints are the evidence.
 * - CONSISTENCY_UNPROVEN (fail): the log could not produce the proof (tiles
 *   missing or malformed, proof refused): not evidence of a fork, but nothing
 *   received can be trusted to extend what was seen.
 */
import { type Check, fail, pass } from '../core/verdict.js';
import type { Checkpoint } from './checkpoint.js';
import { type Hash, hashEqual } from './hash.js';
import { checkConsistency } from './proof.js';

/** A checkpoint whose signature the caller has verified, with its signed text (the evidence). */
export interface SeenCheckpoint {
  readonly text: string;
  readonly checkpoint: Checkpoint;
}

/**
 * How the received checkpoint reached the client: `latest` is the log's
 * current state (it must not be smaller than the remembered one); `proof` is
 * the tree an entry was proven against, or a snapshot taken earlier (it may be
 * older than the remembered one, when consistent with it).
 */
export type ReceivedAs = 'latest' | 'proof';

/** The consistency proof the tracker asked for, or why the log could not give it. */
export type ConsistencyProofAnswer =
  { readonly proof: readonly Hash[] } | { readonly unavailable: string };

export interface CheckpointLink {
  /** consistency: one of the codes above. */
  readonly check: Check;
  /** The checkpoint to remember now (the received one when it extends the remembered); absent: keep what is remembered. */
  readonly remember?: SeenCheckpoint;
  /** Both signed checkpoints, for LOG_ROLLBACK and LOG_SPLIT_VIEW. */
  readonly evidence?: { readonly remembered: string; readonly received: string };
}

const indent = (s: string) =>
  s
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

/** conflictText shows both checkpoints of a conflict, for messages. */
export function conflictText(remembered: string, received: string): string {
  return `  remembered checkpoint:\n${indent(remembered)}\n  received checkpoint:\n${indent(received)}`;
}

/**
 * consistencyProofNeeded names the proof to fetch before {@link linkCheckpoint}
 * can decide: `[older size, newer size]`, or undefined when the sizes alone
 * (or equal roots) decide.
 */
export function consistencyProofNeeded(
  remembered: SeenCheckpoint | undefined,
  received: SeenCheckpoint,
  as: ReceivedAs,
): [number, number] | undefined {
  if (remembered === undefined) return undefined;
  const r = remembered.checkpoint.size;
  const n = received.checkpoint.size;
  if (r === n) return undefined;
  if (n < r && as === 'latest') return undefined;
  // An empty tree is a prefix of every tree: no proof needed.
  if (Math.min(r, n) === 0) return undefined;
  return n < r ? [n, r] : [r, n];
}

/**
 * linkCheckpoint decides whether `received` may be believed after
 * `remembered`, given the proof {@link consistencyProofNeeded} named (pass
 * undefined when it named none).
 */
export function linkCheckpoint(
  remembered: SeenCheckpoint | undefined,
  received: SeenCheckpoint,
  as: ReceivedAs,
  answer?: ConsistencyProofAnswer,
): CheckpointLink {
  const origin = received.checkpoint.origin;
  if (remembered === undefined)
    return {
      check: pass(
        'consistency',
        'CONSISTENCY_FIRST_USE',
        `first checkpoint of ${origin} seen on this machine (size ${received.checkpoint.size.toLocaleString('en-US')}); remembered`,
        { size: received.checkpoint.size },
      ),
      remember: received,
    };
  const evidence = { remembered: remembered.text, received: received.text };
  const r = remembered.checkpoint;
  const n = received.checkpoint;
  const detail = { ...evidence, rememberedSize: r.size, receivedSize: n.size };
  if (n.size < r.size && as === 'latest')
    return {
      check: fail(
        'consistency',
        'LOG_ROLLBACK',
        `log ${origin} went back from size ${r.size} to ${n.size}: a log never shrinks\n${conflictText(remembered.text, received.text)}`,
        detail,
      ),
      evidence,
    };
  const splitView = (why: string): CheckpointLink => ({
    check: fail(
      'consistency',
      'LOG_SPLIT_VIEW',
      `log fork / split view: ${origin} ${why}\n${conflictText(remembered.text, received.text)}`,
      detail,
    ),
    evidence,
  });
  const [older, newer] = n.size < r.size ? [n, r] : [r, n];
  const extendsRemembered = n.size > r.size ? { remember: received } : {};
  if (older.size === newer.size) {
    return hashEqual(older.hash, newer.hash)
      ? {
          check: pass(
            'consistency',
            'CONSISTENCY_PROOF_VALID',
            `same tree of size ${newer.size.toLocaleString('en-US')} as the checkpoint this machine saw before`,
          ),
        }
      : splitView(`has two different trees of size ${older.size}`);
  }
  if (older.size === 0) {
    return {
      check: pass(
        'consistency',
        'CONSISTENCY_PROOF_VALID',
        `the tree of size ${newer.size} extends the empty tree`,
      ),
      ...extendsRemembered,
    };
  }
  if (answer === undefined || 'unavailable' in answer) {
    return {
      check: fail(
        'consistency',
        'CONSISTENCY_UNPROVEN',
        `log ${origin} did not prove that the tree of size ${newer.size} extends the tree of size ${older.size}: ${answer?.unavailable ?? 'no consistency proof was given'}`,
        detail,
      ),
    };
  }
  const c = checkConsistency(answer.proof, older.size, newer.size, older.hash, newer.hash);
  if (c.status !== 'pass')
    return splitView(
      `showed a tree of size ${newer.size} that does not extend the tree of size ${older.size} (${c.reason})`,
    );
  return {
    check: pass(
      'consistency',
      'CONSISTENCY_PROOF_VALID',
      `consistent with the checkpoint this machine saw before (the tree of size ${newer.size.toLocaleString('en-US')} extends the tree of size ${older.size.toLocaleString('en-US')})`,
    ),
    ...extendsRemembered,
  };
}
