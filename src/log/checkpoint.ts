/**
 * Checkpoints (c2sp.org/tlog-checkpoint): the signed-note text
 *
 *   <origin>\n<size in decimal>\n<base64 root hash>\n[<extension line>\n]*
 *
 * Parsing is strict: size without leading zeros or sign and at most 2^53−1,
 * root exactly 32 bytes of canonical base64, non-empty origin and extension
 * lines. Anything else is InputError CHECKPOINT_MALFORMED.
 */
import { InputError } from '../core/errors.js';
import { type Check, fail, pass } from '../core/verdict.js';
import { HASH_SIZE, type Hash } from './hash.js';
import { isCanonicalBase64, type NoteSigner, type NoteVerifier } from './note-key.js';
import {
  isValidNoteText,
  type NoteSignature,
  type NoteVerification,
  signNote,
  verifyNote,
  type VerifiedNote,
} from './note.js';

/** Checkpoint is a parsed checkpoint body. */
export interface Checkpoint {
  /** The log's origin line, e.g. "example.com/log" (the log prefix without scheme). */
  readonly origin: string;
  /** Tree size. */
  readonly size: number;
  /** Root hash of the tree of `size` leaves. */
  readonly hash: Hash;
  /** Optional extension lines (NOT RECOMMENDED by the spec); usually empty. */
  readonly extensions: readonly string[];
}

const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

/**
 * formatCheckpoint returns the checkpoint's note text. Throws InputError
 * CHECKPOINT_MALFORMED for values that would not parse back identically.
 */
export function formatCheckpoint(cp: Checkpoint): string {
  const text = `${cp.origin}\n${cp.size}\n${Buffer.from(cp.hash).toString('base64')}\n${cp.extensions.map((e) => `${e}\n`).join('')}`;
  // Round-trip guard: never sign something our own parser (or a strict peer) would reject.
  const back = parseCheckpoint(text);
  if (back.size !== cp.size || back.extensions.length !== cp.extensions.length) {
    throw new InputError('CHECKPOINT_MALFORMED', 'checkpoint fields do not round-trip');
  }
  return text;
}

/** parseCheckpoint parses a checkpoint body (the note text). Throws InputError CHECKPOINT_MALFORMED, never anything else. */
export function parseCheckpoint(text: string): Checkpoint {
  const bad = (why: string): never => {
    throw new InputError('CHECKPOINT_MALFORMED', `malformed checkpoint: ${why}`);
  };
  if (typeof text !== 'string') return bad('not text');
  if (!isValidNoteText(text)) return bad('must end in a newline and contain no control characters');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return bad('needs origin, size and root hash lines');
  const [origin, sizeText, hashText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (origin === '') return bad('empty origin');
  if (!SIZE_RE.test(sizeText))
    return bad(`size ${JSON.stringify(sizeText.slice(0, 40))} is not a canonical decimal number`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return bad('size is too large');
  if (!isCanonicalBase64(hashText)) return bad('root hash is not canonical base64');
  const hash = new Uint8Array(Buffer.from(hashText, 'base64'));
  if (hash.length !== HASH_SIZE)
    return bad(`root hash has ${hash.length} bytes, expected ${HASH_SIZE}`);
  for (const e of extensions) if (e === '') return bad('empty extension line');
  return { origin, size, hash, extensions };
}

/** signCheckpoint formats and signs a checkpoint, keeping `existing` signatures (e.g. cosignatures). */
export function signCheckpoint(
  cp: Checkpoint,
  signers: readonly NoteSigner[],
  existing: readonly NoteSignature[] = [],
): string {
  return signNote(formatCheckpoint(cp), signers, existing);
}

/** CheckpointVerification is the result of {@link verifyCheckpoint}. */
export type CheckpointVerification =
  | {
      readonly ok: true;
      readonly check: Check;
      readonly checkpoint: Checkpoint;
      readonly note: VerifiedNote;
    }
  | { readonly ok: false; readonly check: Check };

/**
 * verifyCheckpoint verifies a signed checkpoint with the trusted log keys
 * and parses its body; with `origin`, the origin line must equal it (a
 * checkpoint of another log is rejected with CHECKPOINT_WRONG_ORIGIN). Codes:
 * the {@link NoteErrorCode}s, CHECKPOINT_MALFORMED, CHECKPOINT_WRONG_ORIGIN;
 * CHECKPOINT_VALID on success. Never throws.
 */
export function verifyCheckpoint(
  msg: Uint8Array | string,
  verifiers: readonly NoteVerifier[],
  options: { origin?: string } = {},
): CheckpointVerification {
  const v: NoteVerification = verifyNote(msg, verifiers);
  if (!v.ok) return { ok: false, check: { ...v.check, name: 'checkpoint' } };
  let cp: Checkpoint;
  try {
    cp = parseCheckpoint(v.note.text);
  } catch (e) {
    return {
      ok: false,
      check: fail(
        'checkpoint',
        'CHECKPOINT_MALFORMED',
        e instanceof Error ? e.message : 'malformed checkpoint',
      ),
    };
  }
  if (options.origin !== undefined && cp.origin !== options.origin) {
    return {
      ok: false,
      check: fail(
        'checkpoint',
        'CHECKPOINT_WRONG_ORIGIN',
        `checkpoint is for log ${JSON.stringify(cp.origin)}, expected ${JSON.stringify(options.origin)}`,
      ),
    };
  }
  return {
    ok: true,
    check: pass(
      'checkpoint',
      'CHECKPOINT_VALID',
      `checkpoint of ${cp.origin} at size ${cp.size}, ${v.check.reason}`,
      { origin: cp.origin, size: cp.size },
    ),
    checkpoint: cp,
    note: v.note,
  };
}
