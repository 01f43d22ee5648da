/**
 * The log side of a project check, done once for all dependencies: verify
 * every checkpoint the records are proven against (signature with the log's
 * key, origin), link them to the newest checkpoint this machine remembers
 * with consistency proofs (RFC 9162 §2.1.4; split-view detection), measure
 * the newest checkpoint's age (freeze attacks) and count witness
 * cosignatures.
 */
import { type Check, fail, pass, skip } from '../core/verdict.js';
import type { CheckpointMemory } from '../client/checkpoint-memory.js';
import type { CheckpointClock } from '../client/records/seen.js';
import type { RecordSource, ServerKeys } from '../client/records/source.js';
import { verifyCheckpoint } from '../log/checkpoint.js';
import {
  type CheckpointLink,
  type ConsistencyProofAnswer,
  consistencyProofNeeded,
  linkCheckpoint,
  type SeenCheckpoint,
} from '../log/checkpoint-tracker.js';
import {
  cosignatureTimestamp,
  type NoteVerifier,
  parseVerifierKey,
  SIG_COSIGNATURE_V1,
} from '../log/note-key.js';
import { verifyNote } from '../log/note.js';
import { thresholdWitnessPolicy, verifyCheckpointPolicy } from '../log/policy.js';
import type { Policy } from './policy.js';

export type VerifiedCheckpointText = SeenCheckpoint;

export interface CheckpointOutcome {
  /** Project-level checks: checkpoint, consistency, age, witnesses. */
  readonly checks: Check[];
  /** Verified checkpoints by text; a record whose checkpoint is absent here cannot be trusted. */
  readonly verified: ReadonlyMap<string, VerifiedCheckpointText>;
  /** Why a checkpoint text was refused, by text. */
  readonly refused: ReadonlyMap<string, string>;
  readonly newest?: VerifiedCheckpointText;
  /** Seconds since the newest checkpoint was signed (cosignature) or first seen here. */
  readonly ageSeconds?: number;
  /** Both checkpoints of a split view, when one was found (evidence). */
  readonly splitView?: { readonly remembered: string; readonly received: string };
}

export interface CheckpointInput {
  readonly texts: readonly string[];
  readonly keys: ServerKeys;
  readonly source: RecordSource;
  readonly memory: CheckpointMemory;
  readonly clock: CheckpointClock;
  readonly policy: Policy;
  readonly now: Date;
  /** Remember the newest checkpoint when it extends the remembered one (default true). */
  readonly remember?: boolean;
  /** The checkpoint the source answered with now (its current tree): it must not be older than the remembered one. */
  readonly latest?: string;
  /** The source answers from a snapshot taken earlier (the offline cache): its checkpoint may be older, if consistent. */
  readonly snapshot?: boolean;
}

export async function checkCheckpoints(input: CheckpointInput): Promise<CheckpointOutcome> {
  const checks: Check[] = [];
  const verified = new Map<string, VerifiedCheckpointText>();
  const refused = new Map<string, string>();
  const origin = input.keys.log.origin;
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(input.keys.log.vkey);
  } catch (e) {
    checks.push(
      fail(
        'checkpoint',
        'LOG_KEY_INVALID',
        `the server's log key is unusable: ${(e as Error).message}`,
      ),
    );
    for (const t of input.texts) refused.set(t, 'the log key is unusable');
    return { checks, verified, refused };
  }
  for (const text of new Set(input.texts)) {
    const r = verifyCheckpoint(text, [verifier], { origin });
    if (r.ok) verified.set(text, { text, checkpoint: r.checkpoint });
    else refused.set(text, r.check.reason);
  }
  if (refused.size > 0) {
    const [why] = refused.values();
    checks.push(
      fail(
        'checkpoint',
        'CHECKPOINT_INVALID',
        `${refused.size} checkpoint(s) of ${origin} do not verify with the log key ${verifier.name}: ${why}`,
      ),
    );
  }
  const all = [...verified.values()].sort((a, b) => a.checkpoint.size - b.checkpoint.size);
  const newest = all[all.length - 1];
  if (!newest) return { checks, verified, refused };
  if (refused.size === 0)
    checks.push(
      pass(
        'checkpoint',
        'CHECKPOINT_VALID',
        `checkpoint ${newest.checkpoint.size.toLocaleString('en-US')} of ${origin}, signed by the log key`,
        { origin, size: newest.checkpoint.size },
      ),
    );

  // Split view and rollback (log/checkpoint-tracker.ts, the rule the log client uses too): every
  // checkpoint must be consistent with the one this machine remembers, and the server's own
  // answer, unless it comes from a snapshot, must not be older than it.
  let splitView: CheckpointOutcome['splitView'];
  let remembered: SeenCheckpoint | undefined;
  const rememberedText = await input.memory.read(origin);
  if (rememberedText !== undefined) {
    const r = verifyCheckpoint(rememberedText, [verifier], { origin });
    if (!r.ok)
      checks.push(
        fail(
          'consistency',
          'LOG_MEMORY_INVALID',
          `the remembered checkpoint of ${origin} does not verify with the server's log key (${r.check.reason}): the log key changed, or the memory was edited`,
          { remembered: rememberedText },
        ),
      );
    else remembered = { text: rememberedText, checkpoint: r.checkpoint };
  }
  const latest = input.latest !== undefined ? verified.get(input.latest) : undefined;
  const link = async (seen: SeenCheckpoint | undefined, received: SeenCheckpoint) => {
    const as = received === latest && !input.snapshot ? 'latest' : 'proof';
    const need = consistencyProofNeeded(seen, received, as);
    let answer: ConsistencyProofAnswer | undefined;
    if (need) {
      try {
        answer = {
          proof: (await input.source.consistencyProof(need[0], need[1])).map(
            (h) => new Uint8Array(Buffer.from(h, 'base64')),
          ),
        };
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'OFFLINE_CACHE_MISS' || code === 'RECORDS_UNAVAILABLE') throw e;
        answer = { unavailable: (e as Error).message };
      }
    }
    return linkCheckpoint(seen, received, as, answer);
  };
  const links: CheckpointLink[] = [];
  if (remembered) {
    for (const cp of all) {
      links.push(await link(remembered, cp));
      if (links.at(-1)!.check.status === 'fail') break;
    }
  } else {
    // Nothing remembered: the server's checkpoints must at least agree with each other.
    for (const cp of all) {
      if (cp === newest) continue;
      links.push(await link(cp, newest));
      if (links.at(-1)!.check.status === 'fail') break;
    }
  }
  const failed = links.find((l) => l.check.status === 'fail');
  if (failed) {
    checks.push(failed.check);
    if (failed.check.code === 'LOG_SPLIT_VIEW' && failed.evidence) splitView = failed.evidence;
  } else if (remembered)
    checks.push(
      links.find((l) => l.remember)?.check ??
        pass(
          'consistency',
          'CONSISTENCY_PROOF_VALID',
          `consistent with the checkpoint this machine saw before (size ${remembered.checkpoint.size.toLocaleString('en-US')})`,
        ),
    );
  else checks.push(linkCheckpoint(undefined, newest, 'latest').check);
  if (
    !failed &&
    input.remember !== false &&
    (!remembered || newest.checkpoint.size > remembered.checkpoint.size)
  ) {
    await input.memory.write(origin, newest.text);
  }

  // Age (freeze attacks) and witnesses.
  const witnessVerifiers: NoteVerifier[] = [];
  for (const w of input.policy.witnesses) {
    try {
      witnessVerifiers.push(parseVerifierKey(w));
    } catch {
      /* the policy parser accepted its shape; an unusable key simply never counts */
    }
  }
  const cosigned = verifyNote(newest.text, [verifier, ...witnessVerifiers]);
  const cosigs = cosigned.ok
    ? cosigned.note.verified.filter((s) =>
        witnessVerifiers.some((w) => w.keyId === s.keyId && w.name === s.name),
      )
    : [];
  const stamps = (cosigned.ok ? cosigned.note.verified : [])
    .filter((s) =>
      [verifier, ...witnessVerifiers].some(
        (v) => v.keyId === s.keyId && v.type === SIG_COSIGNATURE_V1,
      ),
    )
    .map((s) => cosignatureTimestamp(s.signature))
    .filter((t): t is bigint => t !== undefined);
  let since: Date;
  let how: string;
  if (stamps.length > 0) {
    since = new Date(Number(stamps.reduce((a, b) => (a > b ? a : b))) * 1000);
    how = 'cosigned';
  } else {
    since = await input.clock.firstSeen(
      origin,
      newest.checkpoint.size,
      Buffer.from(newest.checkpoint.hash).toString('base64'),
      input.now,
    );
    how = 'first seen here';
  }
  const ageSeconds = Math.max(0, Math.round((input.now.getTime() - since.getTime()) / 1000));
  const max = input.policy.maxCheckpointAge;
  if (max === null)
    checks.push(
      skip(
        'age',
        'AGE_NOT_CHECKED',
        `${how} ${formatAge(ageSeconds)} ago; no maxCheckpointAge in the policy`,
        { ageSeconds },
      ),
    );
  else if (ageSeconds > max) {
    checks.push(
      fail(
        'age',
        'CHECKPOINT_STALE',
        `checkpoint ${newest.checkpoint.size.toLocaleString('en-US')} was ${how} ${formatAge(ageSeconds)} ago; the policy allows ${formatAge(max)} (a frozen or stale view of the log)`,
        { ageSeconds, maxSeconds: max, checkpoint: newest.text },
      ),
    );
  } else
    checks.push(
      pass(
        'age',
        'CHECKPOINT_FRESH',
        `${how} ${formatAge(ageSeconds)} ago (policy: at most ${formatAge(max)})`,
        { ageSeconds },
      ),
    );
  // Witnesses: one evaluator (c2sp.org/tlog-policy) for the policy's witness file or its short form.
  const min = input.policy.minWitnesses;
  let tlog = input.policy.witnessPolicy;
  if (tlog === undefined && min > 0) {
    try {
      tlog = thresholdWitnessPolicy(witnessVerifiers, min);
    } catch {
      /* fewer usable witness keys than minWitnesses: reported below */
    }
  }
  if (tlog !== undefined) {
    const w = verifyCheckpointPolicy(newest.text, tlog, {
      logKeys: [verifier],
      now: Math.floor(input.now.getTime() / 1000),
    }).checks.at(-1)!;
    const code =
      w.code === 'WITNESS_QUORUM_MET'
        ? 'WITNESSES_MET'
        : w.code === 'WITNESS_QUORUM_NOT_MET'
          ? 'WITNESSES_INSUFFICIENT'
          : w.code;
    if (tlog.quorum !== undefined || w.status !== 'pass') checks.push({ ...w, code });
  } else if (min > 0) {
    checks.push(
      fail(
        'witnesses',
        'WITNESSES_INSUFFICIENT',
        `the checkpoint has ${cosigs.length} cosignature(s) from the policy's ${input.policy.witnesses.length} witness key(s); the policy requires ${min}${input.policy.witnesses.length === 0 ? ' (no witness keys are configured: add them under "witnesses", or set minWitnesses to 0 until witnesses cosign this log)' : ''}`,
      ),
    );
  }
  return { checks, verified, refused, newest, ageSeconds, ...(splitView ? { splitView } : {}) };
}

/** formatAge renders seconds for people: "4 s", "12 min", "3 h", "2 d". */
export function formatAge(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
