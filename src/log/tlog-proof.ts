/**
 * Transparency log proofs (c2sp.org/tlog-proof@v1): an offline-verifiable
 * proof that an entry is in a log, as a text file (`.tlog-proof`) —
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64>          (optional; Sigil puts the log entry itself here)
 *   index <N>
 *   <base64 inclusion proof hash>   (leaf's sibling upward, RFC 6962 §2.1.1)
 *   …
 *   <empty line>
 *   <signed checkpoint, with witness cosignatures>
 *
 * The extra data is NOT authenticated by itself: verification recomputes the
 * leaf hash from it (or from the caller's entry) and proves it into the
 * checkpoint, which must satisfy the caller's tlog-policy.
 */
import { InputError } from '../core/errors.js';
import { type Check, fail } from '../core/verdict.js';
import { HASH_SIZE, type Hash, recordHash } from './hash.js';
import { isCanonicalBase64, type NoteVerifier } from './note-key.js';
import { type TlogPolicy, verifyCheckpointPolicy } from './policy.js';
import { checkInclusion } from './proof.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** MAX_TLOG_PROOF_BYTES bounds a proof file (an entry of ≤ 64 KiB in base64 plus a checkpoint). */
export const MAX_TLOG_PROOF_BYTES = 1024 * 1024;

export interface TlogProof {
  readonly extra?: Uint8Array;
  readonly index: number;
  readonly proof: readonly Hash[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

/** formatTlogProof renders a proof file. */
export function formatTlogProof(p: TlogProof): string {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  return `${TLOG_PROOF_HEADER}\n${p.extra !== undefined ? `extra ${b64(p.extra)}\n` : ''}index ${p.index}\n${p.proof.map((h) => `${b64(h)}\n`).join('')}\n${p.checkpoint}`;
}

/** parseTlogProof parses a proof file. Throws InputError TLOG_PROOF_MALFORMED naming the line. */
export function parseTlogProof(text: string, file = 'tlog-proof'): TlogProof {
  const bad = (line: number, why: string): never => {
    throw new InputError('TLOG_PROOF_MALFORMED', `${file}:${line}: ${why}`, {
      file,
      hint: 'a tlog-proof file starts with "c2sp.org/tlog-proof@v1" (c2sp.org/tlog-proof)',
    });
  };
  if (typeof text !== 'string' || text.length > MAX_TLOG_PROOF_BYTES)
    return bad(0, `not text of at most ${MAX_TLOG_PROOF_BYTES} bytes`);
  const sep = text.indexOf('\n\n');
  if (sep < 0) return bad(0, 'no empty line before the checkpoint');
  const lines = text.slice(0, sep).split('\n');
  if (lines[0] !== TLOG_PROOF_HEADER) return bad(1, `expected ${TLOG_PROOF_HEADER}`);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith('extra ')) {
    const b = lines[i]!.slice(6);
    if (!isCanonicalBase64(b)) bad(i + 1, 'extra is not base64');
    extra = new Uint8Array(Buffer.from(b, 'base64'));
    i++;
  }
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines[i] ?? '');
  if (!m || !Number.isSafeInteger(Number(m[1])))
    return bad(i + 1, 'expected "index <N>" in decimal without leading zeros');
  const index = Number(m[1]);
  i++;
  const proof: Hash[] = [];
  for (; i < lines.length; i++) {
    if (!isCanonicalBase64(lines[i]!) || Buffer.from(lines[i]!, 'base64').length !== HASH_SIZE)
      bad(i + 1, `expected a base64 ${HASH_SIZE}-byte hash`);
    if (proof.length === 64) bad(i + 1, 'more than 64 proof hashes');
    proof.push(new Uint8Array(Buffer.from(lines[i]!, 'base64')));
  }
  const checkpoint = text.slice(sep + 2);
  if (checkpoint === '') return bad(i + 2, 'no checkpoint');
  return { ...(extra !== undefined ? { extra } : {}), index, proof, checkpoint };
}

/** TlogProofVerification: checks "checkpoint", "witnesses", "inclusion"; ok only if all pass. */
export interface TlogProofVerification {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

/**
 * verifyTlogProof verifies a proof offline (c2sp.org/tlog-proof "Verifying"):
 * the checkpoint against the policy (log signature, witness quorum), then
 * the inclusion of `entry` (default: the proof's extra data) at the index.
 * Never throws.
 */
export function verifyTlogProof(
  p: TlogProof,
  policy: TlogPolicy,
  options: {
    entry?: Uint8Array;
    leafHash?: Hash;
    logKeys?: readonly NoteVerifier[];
    now?: number;
  } = {},
): TlogProofVerification {
  const v = verifyCheckpointPolicy(p.checkpoint, policy, {
    ...(options.logKeys ? { logKeys: options.logKeys } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  const checks: Check[] = [...v.checks];
  if (
    v.checkpoint === undefined ||
    !v.checks.some((c) => c.name === 'checkpoint' && c.status === 'pass')
  )
    return { ok: false, checks };
  const entry = options.entry ?? p.extra;
  const leaf = options.leafHash ?? (entry !== undefined ? recordHash(entry) : undefined);
  if (leaf === undefined) {
    checks.push(
      fail(
        'inclusion',
        'TLOG_PROOF_NO_ENTRY',
        'the proof carries no entry (no extra line) and none was given',
      ),
    );
  } else {
    checks.push(checkInclusion(p.proof, p.index, v.checkpoint.size, leaf, v.checkpoint.hash));
  }
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
