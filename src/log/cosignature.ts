/**
 * Witness cosignatures on checkpoints (c2sp.org/tlog-cosignature v1,
 * c2sp.org/tlog-witness "add-checkpoint" response).
 *
 * A cosignature is a signed-note signature line of type 0x04 whose 72-byte
 * signature is a big-endian uint64 timestamp followed by an Ed25519
 * signature over "cosignature/v1\ntime <ts>\n" || checkpoint text (the key
 * math lives in note-key.ts). A witness answers add-checkpoint with one or
 * more such lines; the log appends them to its own checkpoint, and verifiers
 * ignore the lines of keys they do not know (signed-note rules), which is why
 * Go's note.Open and sigstore-js keep accepting a cosigned checkpoint.
 */
import { InputError } from '../core/errors.js';
import { type Check, fail, pass } from '../core/verdict.js';
import {
  type NoteSigner,
  type NoteVerifier,
  SIG_COSIGNATURE_V1,
  cosignatureTimestamp,
} from './note-key.js';
import { formatSignatureLine, type NoteSignature, parseNote, signatureOf } from './note.js';

/** MAX_COSIGNATURE_LINES is the most signature lines accepted in one add-checkpoint response. */
export const MAX_COSIGNATURE_LINES = 16;

/**
 * cosign returns the add-checkpoint response body of `signer` for the
 * checkpoint text: one "— name base64\n" line. The signer must be a
 * tlog-cosignature/v1 signer (type 0x04) whose clock is not zero
 * (tlog-witness: "the timestamp MUST NOT be zero").
 */
export function cosign(checkpointText: string, signer: NoteSigner): string {
  if (signer.type !== SIG_COSIGNATURE_V1)
    throw new InputError(
      'COSIGNER_INVALID',
      `a witness signs with a cosignature/v1 key (type 0x04), not type 0x${signer.type.toString(16)}`,
    );
  const sig = signatureOf(checkpointText, signer);
  if (cosignatureTimestamp(sig.signature) === 0n)
    throw new InputError('COSIGNER_INVALID', 'a cosignature timestamp must not be zero');
  return formatSignatureLine(sig);
}

/**
 * parseCosignatureLines parses an add-checkpoint response body: one or more
 * "— name base64\n" lines (at most {@link MAX_COSIGNATURE_LINES}). Throws
 * InputError COSIGNATURE_MALFORMED (attacker-controlled input: the witness's answer).
 */
export function parseCosignatureLines(body: string): NoteSignature[] {
  if (typeof body !== 'string' || body.length === 0 || !body.endsWith('\n')) {
    throw new InputError(
      'COSIGNATURE_MALFORMED',
      'a cosignature response is one or more signature lines, each ending in a newline',
    );
  }
  if (body.split('\n').length - 1 > MAX_COSIGNATURE_LINES)
    throw new InputError(
      'COSIGNATURE_MALFORMED',
      `more than ${MAX_COSIGNATURE_LINES} cosignature lines`,
    );
  try {
    // A fake one-line note reuses the signature-line parser (one rule in one place).
    return [...parseNote(`x\n\n${body}`).signatures];
  } catch (cause) {
    throw new InputError(
      'COSIGNATURE_MALFORMED',
      `malformed cosignature line: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * addCosignatures returns the signed note `note` with the signature lines in
 * `lines` appended; lines of a key (name + key ID) already on the note
 * replace the old ones. The note's text is unchanged. Throws NoteError for a
 * malformed note.
 */
export function addCosignatures(note: string, lines: readonly NoteSignature[]): string {
  const parsed = parseNote(note);
  const key = (s: NoteSignature): string => `${s.name}+${s.keyId}`;
  const fresh = new Set(lines.map(key));
  const kept = parsed.signatures.filter((s) => !fresh.has(key(s)));
  return `${parsed.text}\n${[...kept, ...lines].map(formatSignatureLine).join('')}`;
}

/** WitnessCosignature is one verified cosignature. */
export interface WitnessCosignature {
  readonly name: string;
  readonly keyId: number;
  /** Seconds since the epoch, as signed. */
  readonly timestamp: number;
}

/**
 * verifiedCosignatures returns the witnesses among `witnesses` whose
 * cosignature on the note verifies. Signatures of unknown keys are ignored;
 * a signature whose name and key ID match a witness but that does not verify
 * is reported in `invalid` (a malformed note per signed-note). With `now`
 * (seconds), cosignatures more than `maxFutureSeconds` (default 600) in the
 * future are put in `invalid` too. Never throws.
 */
export function verifiedCosignatures(
  note: string,
  witnesses: readonly NoteVerifier[],
  options: { now?: number; maxFutureSeconds?: number } = {},
): {
  readonly valid: WitnessCosignature[];
  readonly invalid: { name: string; keyId: number; reason: string }[];
} {
  const valid: WitnessCosignature[] = [];
  const invalid: { name: string; keyId: number; reason: string }[] = [];
  let parsed;
  try {
    parsed = parseNote(note);
  } catch {
    return { valid, invalid };
  }
  const text = Buffer.from(parsed.text, 'utf8');
  const seen = new Set<string>();
  for (const sig of parsed.signatures) {
    const w = witnesses.find(
      (v) => v.name === sig.name && v.keyId === sig.keyId && v.type === SIG_COSIGNATURE_V1,
    );
    if (w === undefined) continue;
    const k = `${w.name}+${w.keyId}`;
    if (!w.verify(text, sig.signature)) {
      invalid.push({ name: sig.name, keyId: sig.keyId, reason: 'cosignature does not verify' });
      continue;
    }
    const ts = Number(cosignatureTimestamp(sig.signature) ?? 0n);
    if (options.now !== undefined && ts > options.now + (options.maxFutureSeconds ?? 600)) {
      invalid.push({
        name: sig.name,
        keyId: sig.keyId,
        reason: `cosignature time ${ts} is in the future`,
      });
      continue;
    }
    if (seen.has(k)) continue;
    seen.add(k);
    valid.push({ name: sig.name, keyId: sig.keyId, timestamp: ts });
  }
  return { valid, invalid };
}

/** cosignatureCheck summarises {@link verifiedCosignatures} as a Check named "cosignatures" (for reports). */
export function cosignatureCheck(
  note: string,
  witnesses: readonly NoteVerifier[],
  options: { now?: number } = {},
): Check {
  const r = verifiedCosignatures(note, witnesses, options);
  if (r.invalid.length > 0) {
    const bad = r.invalid[0]!;
    return fail(
      'cosignatures',
      'COSIGNATURE_INVALID',
      `cosignature by witness ${bad.name}: ${bad.reason}`,
      { witness: bad.name },
    );
  }
  return pass(
    'cosignatures',
    'COSIGNATURES_VERIFIED',
    `${r.valid.length} witness cosignature(s): ${r.valid.map((c) => c.name).join(', ') || 'none'}`,
    {
      witnesses: r.valid.map((c) => c.name),
    },
  );
}
