/**
 * Offline verification of a Rekor v2 TransparencyLogEntry against a log's
 * note key: the checks sigstore-js runs (checkpoint signature, RFC 6962
 * inclusion of the canonicalized body under the checkpoint's root, body vs
 * envelope) plus those it skips (the proof's own rootHash/treeSize/logIndex
 * must agree with the signed checkpoint, the log id must be the key's).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import type { DsseEnvelope } from '../../core/dsse.js';
import { type Check, fail, pass, verdict, type VerificationResult } from '../../core/verdict.js';
import { type Checkpoint, verifyCheckpoint } from '../checkpoint.js';
import { hashEqual, recordHash } from '../hash.js';
import type { NoteVerifier } from '../note-key.js';
import { checkInclusion } from '../proof.js';
import { parseDsseEntryBody } from './dsse-entry.js';
import { rekorLogId } from './log-id.js';
import { type ParsedTlogEntry, parseTransparencyLogEntry } from './tlog-entry.js';

/**
 * TlogEntryCheckCode is the code of a failed check. Public API.
 * - TLOG_ENTRY_MALFORMED: the entry is not a TransparencyLogEntry with an inclusion proof.
 * - TLOG_UNKNOWN_LOG: its logId is not the id of any trusted log key.
 * - TLOG_CHECKPOINT_MISMATCH: the proof's treeSize/rootHash/logIndex disagree with the signed checkpoint or the entry.
 * - TLOG_BODY_MISMATCH: the body is not for this envelope (payload hash or signature differ) or not the kind it claims.
 * - plus the checkpoint codes (NOTE_*, CHECKPOINT_*) and proof codes (PROOF_*).
 */
export type TlogEntryCheckCode =
  'TLOG_ENTRY_MALFORMED' | 'TLOG_UNKNOWN_LOG' | 'TLOG_CHECKPOINT_MISMATCH' | 'TLOG_BODY_MISMATCH';

/** TlogEntryVerification is the verdict plus, when the entry's proof held, the parsed entry and its checkpoint. */
export interface TlogEntryVerification extends VerificationResult {
  readonly entry?: ParsedTlogEntry;
  readonly checkpoint?: Checkpoint;
  /** The signed checkpoint text, when it verified. */
  readonly checkpointText?: string;
}

export interface CheckTlogEntryOptions {
  /** The log's checkpoint key(s). */
  readonly verifiers: readonly NoteVerifier[];
  /** Expected checkpoint origin (defaults to the name of the key that verified). */
  readonly origin?: string;
  /** The DSSE envelope the entry must record (the bundle's). */
  readonly envelope?: DsseEnvelope;
}

/**
 * checkTransparencyLogEntry verifies one TransparencyLogEntry offline. Never
 * throws; returns every check it ran. Subject: "log entry <index>".
 */
export function checkTransparencyLogEntry(
  json: unknown,
  options: CheckTlogEntryOptions,
): TlogEntryVerification {
  const checks: Check[] = [];
  let e: ParsedTlogEntry;
  try {
    e = parseTransparencyLogEntry(json);
  } catch (err) {
    const msg = err instanceof InputError ? err.message : 'malformed log entry';
    return verdict('log entry', [fail('tlog-entry', 'TLOG_ENTRY_MALFORMED', msg)]);
  }
  const subject = `log entry ${e.logIndex}`;
  const done = (extra: Partial<TlogEntryVerification> = {}): TlogEntryVerification => ({
    ...verdict(subject, checks),
    ...extra,
  });

  const known = options.verifiers.filter((v) => hashEqual(safeLogId(v), e.logId));
  if (known.length === 0) {
    checks.push(
      fail(
        'log-id',
        'TLOG_UNKNOWN_LOG',
        `entry is from log ${Buffer.from(e.logId).toString('hex').slice(0, 16)}…, which is not a trusted log key`,
        {
          logId: Buffer.from(e.logId).toString('base64'),
        },
      ),
    );
    return done();
  }
  checks.push(pass('log-id', 'TLOG_LOG_ID_VALID', `entry is from log ${known[0]!.name}`));

  const cv = verifyCheckpoint(e.proof.checkpoint, options.verifiers, {
    origin: options.origin ?? known[0]!.name,
  });
  checks.push(cv.check);
  if (!cv.ok) return done({ entry: e });
  const cp = cv.checkpoint;

  const mismatch: string[] = [];
  if (cp.size !== e.proof.treeSize)
    mismatch.push(
      `inclusionProof.treeSize ${e.proof.treeSize} is not the checkpoint size ${cp.size}`,
    );
  if (!hashEqual(cp.hash, e.proof.rootHash))
    mismatch.push('inclusionProof.rootHash is not the checkpoint root hash');
  if (e.proof.logIndex !== e.logIndex)
    mismatch.push(`inclusionProof.logIndex ${e.proof.logIndex} is not logIndex ${e.logIndex}`);
  if (mismatch.length > 0) {
    checks.push(fail('proof-fields', 'TLOG_CHECKPOINT_MISMATCH', mismatch.join('; ')));
    return done({ entry: e });
  }

  checks.push(checkInclusion(e.proof.hashes, e.logIndex, cp.size, recordHash(e.body), cp.hash));
  if (checks[checks.length - 1]!.status === 'fail') return done({ entry: e });

  checks.push(checkBody(e, options.envelope));
  return done({ entry: e, checkpoint: cp, checkpointText: e.proof.checkpoint });
}

function safeLogId(v: NoteVerifier): Uint8Array {
  try {
    return rekorLogId(v);
  } catch {
    return new Uint8Array(0);
  }
}

function checkBody(e: ParsedTlogEntry, envelope: DsseEnvelope | undefined): Check {
  if (e.kind !== 'dsse' || e.version !== '0.0.2') {
    return fail(
      'tlog-body',
      'TLOG_BODY_MISMATCH',
      `entry kind ${e.kind} ${e.version} is not dsse 0.0.2`,
    );
  }
  let body: ReturnType<typeof parseDsseEntryBody>;
  try {
    body = parseDsseEntryBody(e.body);
  } catch (err) {
    return fail('tlog-body', 'TLOG_BODY_MISMATCH', (err as Error).message);
  }
  if (envelope === undefined)
    return pass(
      'tlog-body',
      'TLOG_BODY_VALID',
      'entry is a dsse 0.0.2 entry (no envelope given to compare)',
    );
  const payload = Buffer.from(envelope.payload, 'base64');
  if (!hashEqual(createHash('sha256').update(payload).digest(), body.payloadHash)) {
    return fail(
      'tlog-body',
      'TLOG_BODY_MISMATCH',
      'the log entry records another payload (payload hash differs)',
    );
  }
  const sigs = envelope.signatures.map((s) => Buffer.from(s.sig, 'base64'));
  if (!sigs.every((s) => body.signatures.some((b) => hashEqual(b, s)))) {
    return fail(
      'tlog-body',
      'TLOG_BODY_MISMATCH',
      'the log entry records other signatures than the envelope',
    );
  }
  return pass('tlog-body', 'TLOG_BODY_VALID', 'the log entry records this envelope');
}
