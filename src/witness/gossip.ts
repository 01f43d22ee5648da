/**
 * Gossip with witnesses: a client compares the checkpoint it saw from a log
 * with the one a witness cosigned (GET <witness>/<hex sha256(origin)>/checkpoint),
 * and optionally pushes its own to the witness (add-checkpoint), so that a
 * split view shown to one user is caught by everyone who talks to the same
 * witnesses.
 *
 * Two checkpoints of one log are consistent when they have the same root at
 * the same size, or when the log proves the bigger tree extends the smaller
 * (RFC 9162 §2.1.4). A proof between two branches of a fork cannot exist, so
 * a forked log cannot talk its way out; the result then carries both signed
 * checkpoints as evidence.
 */
import { type Check, fail, pass, skip, warn } from '../core/verdict.js';
import { verifyCheckpoint } from '../log/checkpoint.js';
import type { Hash } from '../log/hash.js';
import type { NoteVerifier } from '../log/note-key.js';
import { checkConsistency } from '../log/proof.js';
import { fetchWitnessCheckpoint, postAddCheckpoint, WitnessCallError } from './client.js';

export interface GossipOptions {
  /** The log's key (its name is the origin). */
  readonly logKey: NoteVerifier;
  /** The checkpoint this client saw and verified from the log. */
  readonly seen: string;
  /** The witness's URL (submission and monitoring prefix). */
  readonly witnessUrl: string;
  /** The witness's cosignature key, when known: then a push keeps only its valid cosignature. */
  readonly witnessKey?: NoteVerifier;
  /** Consistency proofs from the log (e.g. LogClient.proveConsistency, from its tiles). */
  readonly proveConsistency: (size1: number, size2: number) => Promise<Hash[]>;
  /** Push our checkpoint to the witness when it is newer than the witness's. */
  readonly push?: boolean;
  readonly timeoutMs?: number;
}

/** GossipResult is one comparison: a Check named "gossip" plus the witness's checkpoint when it had one. */
export interface GossipResult {
  readonly check: Check;
  readonly theirs: string | undefined;
}

/**
 * gossip compares (and optionally pushes) per the file comment. Codes:
 * GOSSIP_CONSISTENT, GOSSIP_PUSHED (pass); GOSSIP_SPLIT_VIEW (fail, detail
 * has both checkpoints); GOSSIP_WITNESS_UNAVAILABLE, GOSSIP_WITNESS_INVALID
 * (warn: the witness gave nothing usable); GOSSIP_NOTHING (skip). Never
 * throws for witness or log misbehaviour.
 */
export async function gossip(o: GossipOptions): Promise<GossipResult> {
  const origin = o.logKey.name;
  const ours = verifyCheckpoint(o.seen, [o.logKey], { origin });
  if (!ours.ok)
    return {
      check: fail(
        'gossip',
        'GOSSIP_SEEN_INVALID',
        `our own checkpoint does not verify: ${ours.check.reason}`,
      ),
      theirs: undefined,
    };
  let theirs: string | undefined;
  try {
    theirs = await fetchWitnessCheckpoint(
      o.witnessUrl,
      origin,
      o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs },
    );
  } catch (e) {
    return {
      check: warn(
        'gossip',
        'GOSSIP_WITNESS_UNAVAILABLE',
        `witness ${o.witnessUrl}: ${(e as Error).message}`,
      ),
      theirs: undefined,
    };
  }
  const a = ours.checkpoint;
  let theirSize = 0;
  if (theirs !== undefined) {
    const t = verifyCheckpoint(theirs, [o.logKey], { origin });
    if (!t.ok)
      return {
        check: warn(
          'gossip',
          'GOSSIP_WITNESS_INVALID',
          `the witness's checkpoint of ${origin} is not signed by the log: ${t.check.reason}`,
        ),
        theirs,
      };
    const b = t.checkpoint;
    theirSize = b.size;
    const split = (why: string): GossipResult => ({
      check: fail('gossip', 'GOSSIP_SPLIT_VIEW', `split view of ${origin}: ${why}`, {
        seen: o.seen,
        witness: theirs,
        witnessUrl: o.witnessUrl,
      }),
      theirs,
    });
    let c: Check;
    if (a.size === b.size) {
      c = checkConsistency([], a.size, b.size, a.hash, b.hash);
    } else {
      const [small, big] = a.size < b.size ? [a, b] : [b, a];
      let proof: Hash[];
      try {
        proof = await o.proveConsistency(small.size, big.size);
      } catch (e) {
        return split(
          `the log cannot prove size ${big.size} extends size ${small.size}: ${(e as Error).message}`,
        );
      }
      c = checkConsistency(proof, small.size, big.size, small.hash, big.hash);
    }
    if (c.status !== 'pass')
      return split(
        `the witness cosigned size ${b.size}, we saw size ${a.size}, and they are not consistent (${c.reason})`,
      );
    if (!o.push || a.size <= b.size) {
      return {
        check: pass(
          'gossip',
          'GOSSIP_CONSISTENT',
          `consistent with the witness's checkpoint of size ${b.size}`,
          { witnessSize: b.size },
        ),
        theirs,
      };
    }
  } else if (!o.push) {
    return {
      check: skip('gossip', 'GOSSIP_NOTHING', `the witness has no checkpoint of ${origin}`),
      theirs,
    };
  }
  if (o.witnessKey === undefined)
    return {
      check: warn('gossip', 'GOSSIP_PUSH_SKIPPED', 'no witness key given: not pushing'),
      theirs,
    };
  try {
    const proof = theirSize === 0 ? [] : await o.proveConsistency(theirSize, a.size);
    await postAddCheckpoint(
      { name: o.witnessKey.name, verifier: o.witnessKey, url: o.witnessUrl },
      { oldSize: theirSize, proof, checkpoint: o.seen },
      o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs },
    );
    return {
      check: pass(
        'gossip',
        'GOSSIP_PUSHED',
        `the witness cosigned our checkpoint of size ${a.size}`,
        { size: a.size },
      ),
      theirs,
    };
  } catch (e) {
    if (e instanceof WitnessCallError && e.status === 409 && e.latestSize === a.size) {
      // Same size, other root: the witness holds another tree of this size.
      const again = await fetchWitnessCheckpoint(o.witnessUrl, origin).catch(() => undefined);
      return {
        check: fail(
          'gossip',
          'GOSSIP_SPLIT_VIEW',
          `split view of ${origin}: the witness refused our checkpoint of size ${a.size} (409)`,
          { seen: o.seen, witness: again, witnessUrl: o.witnessUrl },
        ),
        theirs: again,
      };
    }
    return {
      check: warn(
        'gossip',
        'GOSSIP_PUSH_FAILED',
        `push to ${o.witnessUrl} failed: ${(e as Error).message}`,
      ),
      theirs,
    };
  }
}
