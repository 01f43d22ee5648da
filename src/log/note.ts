/**
 * Signed notes (c2sp.org/signed-note; golang.org/x/mod/sumdb/note).
 *
 * A note is UTF-8 text ending in "\n", a blank line, then one or more lines
 * "— <name> base64(keyID(4) || signature)\n". The text is split from the
 * signatures at the last blank line. No ASCII control characters but "\n".
 *
 * Trust rules (signed-note "Signatures"): signatures whose (name, key ID)
 * match no known key are ignored — even if the name or the ID alone matches;
 * every signature from a known key must verify, or the whole note is rejected;
 * at least one must verify. Up to {@link MAX_NOTE_SIGNATURES} signatures are
 * accepted (the spec requires at least 16).
 */
import { InputError } from '../core/errors.js';
import { type Check, fail, pass } from '../core/verdict.js';
import {
  hasLoneSurrogate,
  isCanonicalBase64,
  isValidKeyName,
  type NoteSigner,
  type NoteVerifier,
} from './note-key.js';

/** MAX_NOTE_SIGNATURES is the most signature lines a note may carry (Go's note.Open allows 100). */
export const MAX_NOTE_SIGNATURES = 100;
/** MAX_NOTE_SIZE is the largest note accepted, in bytes (Go's tlog.ParseTree caps tree notes at 1e6). */
export const MAX_NOTE_SIZE = 1_000_000;

const SIG_PREFIX = '\u2014 ';

/**
 * NoteErrorCode is the code of a note failure. Public API.
 * - NOTE_MALFORMED: not a note (syntax, encoding, control characters, bad base64, bad name).
 * - NOTE_TOO_LARGE: over MAX_NOTE_SIZE bytes or MAX_NOTE_SIGNATURES signatures.
 * - NOTE_AMBIGUOUS_KEY: two trusted keys share a name and key ID.
 * - NOTE_INVALID_SIGNATURE: a signature from a trusted key does not verify (data: keyName, keyId).
 * - NOTE_UNVERIFIED: no signature from a trusted key.
 */
export type NoteErrorCode =
  | 'NOTE_MALFORMED'
  | 'NOTE_TOO_LARGE'
  | 'NOTE_AMBIGUOUS_KEY'
  | 'NOTE_INVALID_SIGNATURE'
  | 'NOTE_UNVERIFIED';

/** NoteError is thrown by note parsers and {@link openNote}; it names the key involved when there is one. */
export class NoteError extends InputError {
  readonly keyName: string | undefined;
  readonly keyId: number | undefined;
  constructor(
    code: NoteErrorCode,
    message: string,
    options: { keyName?: string; keyId?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.keyName = options.keyName;
    this.keyId = options.keyId;
  }
}

/** NoteSignature is one signature line. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the 4-byte key ID. */
  readonly signature: Uint8Array;
  /** The base64 of the line as written (key ID and signature). */
  readonly base64: string;
}

/** Note is a parsed, not yet verified note. */
export interface Note {
  /** The signed text, including its final "\n". */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** VerifiedNote is a note that passed {@link verifyNote}. */
export interface VerifiedNote {
  readonly text: string;
  /** Signatures by trusted keys, all verified (one per key). */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys we do not know (not checked). */
  readonly unverified: readonly NoteSignature[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(msg: Uint8Array | string): string {
  if (typeof msg === 'string') {
    if (hasLoneSurrogate(msg)) throw new NoteError('NOTE_MALFORMED', 'note is not valid UTF-8');
    if (msg.length > MAX_NOTE_SIZE)
      throw new NoteError('NOTE_TOO_LARGE', `note is over ${MAX_NOTE_SIZE} bytes`);
    return msg;
  }
  if (!(msg instanceof Uint8Array))
    throw new NoteError('NOTE_MALFORMED', 'note is neither bytes nor a string');
  if (msg.length > MAX_NOTE_SIZE)
    throw new NoteError('NOTE_TOO_LARGE', `note is over ${MAX_NOTE_SIZE} bytes`);
  try {
    return utf8.decode(msg);
  } catch (cause) {
    throw new NoteError('NOTE_MALFORMED', 'note is not valid UTF-8', { cause });
  }
}

// ASCII control characters other than "\n" are forbidden everywhere in a note.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/** isValidNoteText reports whether text can be signed: ends with "\n", no control characters but "\n", valid UTF-16/UTF-8. */
export function isValidNoteText(text: string): boolean {
  return (
    typeof text === 'string' &&
    text.endsWith('\n') &&
    !CONTROL.test(text) &&
    !hasLoneSurrogate(text)
  );
}

/**
 * parseNote splits a note into text and signature lines without verifying
 * anything. Throws NoteError NOTE_MALFORMED / NOTE_TOO_LARGE, never anything else.
 */
export function parseNote(msg: Uint8Array | string): Note {
  const s = decode(msg);
  if (CONTROL.test(s))
    throw new NoteError('NOTE_MALFORMED', 'note contains an ASCII control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0)
    throw new NoteError('NOTE_MALFORMED', 'note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n'))
    throw new NoteError(
      'NOTE_MALFORMED',
      'note has no signature lines, or they do not end in a newline',
    );
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw new NoteError('NOTE_TOO_LARGE', `note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith(SIG_PREFIX))
      throw new NoteError('NOTE_MALFORMED', `signature line ${i + 1} does not start with "— "`);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const b64 = sp < 0 ? '' : rest.slice(sp + 1);
    if (!isValidKeyName(name))
      throw new NoteError('NOTE_MALFORMED', `signature line ${i + 1} has an invalid key name`);
    if (b64 === '' || !isCanonicalBase64(b64))
      throw new NoteError('NOTE_MALFORMED', `signature line ${i + 1} is not canonical base64`, {
        keyName: name,
      });
    const raw = Buffer.from(b64, 'base64');
    if (raw.length < 5)
      throw new NoteError('NOTE_MALFORMED', `signature line ${i + 1} is too short`, {
        keyName: name,
      });
    return {
      name,
      keyId: raw.readUInt32BE(0),
      signature: new Uint8Array(raw.subarray(4)),
      base64: b64,
    };
  });
  return { text, signatures };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** NoteVerification is the result of {@link verifyNote}: a Check named "note-signature", plus the note when it passed. */
export type NoteVerification =
  | { readonly ok: true; readonly check: Check; readonly note: VerifiedNote }
  | { readonly ok: false; readonly check: Check };

function failed(
  code: NoteErrorCode,
  reason: string,
  detail: Record<string, unknown> = {},
): NoteVerification {
  return { ok: false, check: fail('note-signature', code, reason, detail) };
}

/**
 * verifyNote parses `msg` and verifies its signatures against the trusted
 * `verifiers` under the signed-note trust rules (see file comment). Never
 * throws; failures carry a {@link NoteErrorCode} and, for a bad signature,
 * `detail.keyName` and `detail.keyId` (8 hex digits).
 */
export function verifyNote(
  msg: Uint8Array | string,
  verifiers: readonly NoteVerifier[],
): NoteVerification {
  let note: Note;
  try {
    note = parseNote(msg);
  } catch (e) {
    if (e instanceof NoteError) return failed(e.code as NoteErrorCode, e.message);
    return failed('NOTE_MALFORMED', 'note could not be parsed');
  }
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const k = `${v.name}+${hex8(v.keyId)}`;
    // Two trusted keys with one (name, ID): which one signed would be ambiguous.
    if (known.has(k))
      return failed('NOTE_AMBIGUOUS_KEY', `two trusted keys are named ${k}`, {
        keyName: v.name,
        keyId: hex8(v.keyId),
      });
    known.set(k, v);
  }
  const text = Buffer.from(note.text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of note.signatures) {
    const k = `${sig.name}+${hex8(sig.keyId)}`;
    const v = known.get(k);
    if (v === undefined) {
      // Unknown key (even if the name or the ID alone matches a trusted key): ignore.
      unverified.push(sig);
      continue;
    }
    if (!v.verify(text, sig.signature)) {
      return failed(
        'NOTE_INVALID_SIGNATURE',
        `signature by ${sig.name} (key ${hex8(sig.keyId)}) does not verify`,
        {
          keyName: sig.name,
          keyId: hex8(sig.keyId),
        },
      );
    }
    if (!seen.has(k)) {
      seen.add(k);
      verified.push(sig);
    }
  }
  if (verified.length === 0) {
    const names = [...new Set(note.signatures.map((s) => `${s.name}+${hex8(s.keyId)}`))].join(', ');
    return failed(
      'NOTE_UNVERIFIED',
      `note has no signature from a trusted key (signed by: ${names})`,
    );
  }
  return {
    ok: true,
    check: pass(
      'note-signature',
      'NOTE_SIGNATURE_VALID',
      `note signed by ${verified.map((s) => s.name).join(', ')}`,
      {
        keys: verified.map((s) => `${s.name}+${hex8(s.keyId)}`),
      },
    ),
    note: { text: note.text, verified, unverified },
  };
}

/** openNote is {@link verifyNote} for callers that prefer an exception: throws NoteError with the code and key data. */
export function openNote(
  msg: Uint8Array | string,
  verifiers: readonly NoteVerifier[],
): VerifiedNote {
  const r = verifyNote(msg, verifiers);
  if (r.ok) return r.note;
  const d = r.check.detail ?? {};
  const keyId = typeof d.keyId === 'string' ? parseInt(d.keyId, 16) : undefined;
  const opts: { keyName?: string; keyId?: number } = {};
  if (typeof d.keyName === 'string') opts.keyName = d.keyName;
  if (keyId !== undefined) opts.keyId = keyId;
  throw new NoteError(r.check.code as NoteErrorCode, r.check.reason, opts);
}

/** formatSignatureLine returns "— <name> <base64>\n" for a signature. */
export function formatSignatureLine(sig: Pick<NoteSignature, 'name' | 'base64'>): string {
  return `${SIG_PREFIX}${sig.name} ${sig.base64}\n`;
}

/** signatureOf computes the signature of `text` by `signer` as a NoteSignature. */
export function signatureOf(text: string, signer: NoteSigner): NoteSignature {
  const sig = signer.sign(Buffer.from(text, 'utf8'));
  const raw = Buffer.alloc(4 + sig.length);
  raw.writeUInt32BE(signer.keyId >>> 0, 0);
  raw.set(sig, 4);
  return { name: signer.name, keyId: signer.keyId, signature: sig, base64: raw.toString('base64') };
}

/**
 * signNote signs `text` with each signer and returns the note: text, blank
 * line, `existing` signature lines (minus those of keys that sign again now),
 * then the new ones (note.Sign). Throws NoteError NOTE_MALFORMED if the text
 * is not valid note text, or a signer name is invalid.
 */
export function signNote(
  text: string,
  signers: readonly NoteSigner[],
  existing: readonly NoteSignature[] = [],
): string {
  if (!isValidNoteText(text))
    throw new NoteError(
      'NOTE_MALFORMED',
      'note text must end in a newline and contain no control characters',
    );
  if (signers.length + existing.length === 0)
    throw new NoteError('NOTE_MALFORMED', 'a note needs at least one signature');
  for (const s of signers)
    if (!isValidKeyName(s.name))
      throw new NoteError('NOTE_MALFORMED', `invalid signer name ${JSON.stringify(s.name)}`);
  const fresh = signers.map((s) => signatureOf(text, s));
  const replaced = new Set(fresh.map((s) => `${s.name}+${hex8(s.keyId)}`));
  const kept = existing.filter((s) => !replaced.has(`${s.name}+${hex8(s.keyId)}`));
  return `${text}\n${[...kept, ...fresh].map(formatSignatureLine).join('')}`;
}
