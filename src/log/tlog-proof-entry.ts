/**
 * A tlog-proof about a Rekor v2 entry, checked like a bundle's log entry:
 * the proof's extra line is the entry (the leaf bytes), and the proof is
 * turned into a TransparencyLogEntry for the log key that signed its
 * checkpoint, so the one entry check (log id, checkpoint, inclusion, entry =
 * the DSSE envelope) runs on it; then the checkpoint must meet the policy's
 * witness quorum. Pure.
 */
import type { DsseEnvelope } from '../core/dsse.js';
import { type Check, fail } from '../core/verdict.js';
import { parseCheckpoint } from './checkpoint.js';
import type { NoteVerifier } from './note-key.js';
import { parseNote } from './note.js';
import { type TlogPolicy, verifyCheckpointPolicy } from './policy.js';
import { DSSE_API_VERSION, DSSE_KIND } from './rekor/dsse-entry.js';
import { rekorLogId } from './rekor/log-id.js';
import {
  makeTransparencyLogEntry,
  parseTransparencyLogEntry,
  type TransparencyLogEntryJson,
} from './rekor/tlog-entry.js';
import { checkTransparencyLogEntry } from './rekor/verify-entry.js';
import type { TlogProof } from './tlog-proof.js';

/** tlogEntryFromProof rebuilds the TransparencyLogEntry a proof stands for (undefined without extra data or with a malformed checkpoint). */
export function tlogEntryFromProof(
  p: TlogProof,
  logKey: NoteVerifier,
): TransparencyLogEntryJson | undefined {
  if (p.extra === undefined) return undefined;
  let size: number;
  let hash: Uint8Array;
  try {
    const cp = parseCheckpoint(parseNote(p.checkpoint).text);
    size = cp.size;
    hash = cp.hash;
  } catch {
    return undefined;
  }
  return makeTransparencyLogEntry({
    index: p.index,
    logId: rekorLogId(logKey),
    kind: DSSE_KIND,
    version: DSSE_API_VERSION,
    body: p.extra,
    treeSize: size,
    rootHash: hash,
    proof: [...p.proof],
    checkpoint: p.checkpoint,
  });
}

/**
 * checkEntryWithPolicy verifies a log entry (from a bundle, or rebuilt from a
 * tlog-proof) against a policy: the entry checks with the policy's log keys
 * (or `logKeys`), then the witness quorum on its checkpoint. Never throws.
 */
export function checkEntryWithPolicy(
  entry: unknown,
  envelope: DsseEnvelope | undefined,
  policy: TlogPolicy,
  options: { logKeys?: readonly NoteVerifier[]; now?: number } = {},
): Check[] {
  const keys =
    policy.logs.length > 0 ? policy.logs.map((l) => l.verifier) : [...(options.logKeys ?? [])];
  if (keys.length === 0)
    return [
      fail('tlog-entry', 'POLICY_NO_LOG', 'the tlog-policy names no log and no log key was given'),
    ];
  const r = checkTransparencyLogEntry(entry, {
    verifiers: keys,
    ...(envelope ? { envelope } : {}),
  });
  const checks = [...r.checks];
  if (!r.ok) return checks;
  const cp = parseTransparencyLogEntry(entry).proof.checkpoint;
  const w = verifyCheckpointPolicy(cp, policy, {
    logKeys: keys,
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  checks.push(w.checks.at(-1)!);
  return checks;
}
