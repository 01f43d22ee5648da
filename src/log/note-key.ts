/**
 * Keys of signed notes (c2sp.org/signed-note "Signatures", "Ed25519
 * signatures"; c2sp.org/tlog-cosignature; golang.org/x/mod/sumdb/note).
 *
 *   key ID        = SHA-256(name || 0x0A || type || public key)[:4], big-endian uint32
 *   verifier key  = <name>+<8 hex key ID>+base64(type || public key)
 *   signer key    = PRIVATE+KEY+<name>+<8 hex key ID>+base64(type || 32-byte seed)
 *
 * Types: 0x01 Ed25519 over the note text; 0x04 tlog-cosignature/v1, whose
 * 72-byte signature is a big-endian uint64 timestamp followed by an Ed25519
 * signature over "cosignature/v1\ntime <ts>\n" || note text.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { InputError } from '../core/errors.js';

/** SIG_ED25519 is the signed-note signature type of plain Ed25519 signatures. */
export const SIG_ED25519 = 0x01;
/** SIG_COSIGNATURE_V1 is the signature type of c2sp.org/tlog-cosignature v1 (timestamped Ed25519). */
export const SIG_COSIGNATURE_V1 = 0x04;

/** NoteVerifier checks signatures of one key. `verify` never throws. */
export interface NoteVerifier {
  readonly name: string;
  /** Key ID as an unsigned 32-bit integer. */
  readonly keyId: number;
  readonly type: number;
  /** The raw public key (32 bytes for Ed25519 types). */
  readonly publicKey: Uint8Array;
  /** verify checks `sig` (the signature bytes after the 4-byte key ID) over the note text. */
  verify(text: Uint8Array, sig: Uint8Array): boolean;
}

/** NoteSigner signs note texts with one key. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** sign returns the signature bytes (without the 4-byte key ID) over the note text. */
  sign(text: Uint8Array): Uint8Array;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * isValidKeyName reports whether name can name a note key: non-empty, no
 * Unicode white space, no "+" (c2sp.org/signed-note "Format"), no lone surrogates.
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !/[\s+\u0085]/u.test(name) &&
    !hasLoneSurrogate(name)
  );
}

/** hasLoneSurrogate reports whether s cannot be encoded as UTF-8. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** noteKeyId computes the key ID of a key: SHA-256(name || 0x0A || type || publicKey)[:4] as uint32. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = createHash('sha256')
    .update(name, 'utf8')
    .update(Uint8Array.of(0x0a, type))
    .update(publicKey)
    .digest();
  return h.readUInt32BE(0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** isCanonicalBase64 reports whether s is standard padded base64 that re-encodes to itself. */
export function isCanonicalBase64(s: string): boolean {
  return (
    s.length % 4 === 0 &&
    /^[A-Za-z0-9+/]*={0,2}$/.test(s) &&
    Buffer.from(s, 'base64').toString('base64') === s
  );
}

function ed25519Public(pub: Uint8Array): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, pub]),
    format: 'der',
    type: 'spki',
  });
}

function ed25519Private(seed: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  const der = createPublicKey(ed25519Private(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function safeVerify(key: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return sig.length === 64 && verify(null, msg, key, sig);
  } catch {
    return false;
  }
}

const COSIG_HEADER = 'cosignature/v1\ntime ';

/** cosignedMessage returns the bytes a tlog-cosignature/v1 signs: "cosignature/v1\ntime <ts>\n" || text. */
export function cosignedMessage(timestamp: bigint, text: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`${COSIG_HEADER}${timestamp.toString()}\n`, 'utf8'), text]);
}

/** cosignatureTimestamp returns the timestamp (seconds since the epoch) of a 72-byte cosignature, or undefined. */
export function cosignatureTimestamp(sig: Uint8Array): bigint | undefined {
  if (sig.length !== 72) return undefined;
  return Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0);
}

/** noteVerifier returns a verifier for a raw public key of the given type (0x01 or 0x04). Throws InputError NOTE_KEY_INVALID. */
export function noteVerifier(name: string, type: number, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name))
    throw new InputError('NOTE_KEY_INVALID', `invalid note key name ${JSON.stringify(name)}`);
  if ((type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1) || publicKey.length !== 32) {
    throw new InputError(
      'NOTE_KEY_INVALID',
      `unsupported note key type 0x${type.toString(16).padStart(2, '0')} with ${publicKey.length}-byte key`,
    );
  }
  let key: KeyObject;
  try {
    key = ed25519Public(publicKey);
  } catch (cause) {
    throw new InputError('NOTE_KEY_INVALID', 'invalid Ed25519 public key', { cause });
  }
  const pub = new Uint8Array(publicKey);
  const keyId = noteKeyId(name, type, pub);
  if (type === SIG_ED25519) {
    return { name, keyId, type, publicKey: pub, verify: (text, sig) => safeVerify(key, text, sig) };
  }
  return {
    name,
    keyId,
    type,
    publicKey: pub,
    verify(text, sig) {
      const ts = cosignatureTimestamp(sig);
      return ts !== undefined && safeVerify(key, cosignedMessage(ts, text), sig.subarray(8));
    },
  };
}

/**
 * parseVerifierKey parses a verifier key `name+hash+base64(type||pub)`
 * (note.NewVerifier). The 8-hex-digit hash must be lowercase and must equal
 * the key ID computed from name, type and key. Supports types 0x01 and 0x04.
 * Throws InputError NOTE_KEY_INVALID.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const bad = (why: string): never => {
    throw new InputError('NOTE_KEY_INVALID', `invalid verifier key: ${why}`);
  };
  if (typeof vkey !== 'string' || vkey.length > 4096)
    return bad('not a string of reasonable length');
  // The base64 part may itself contain "+": split off name and hash only (note.NewVerifier).
  const parts = vkey.split('+');
  if (parts.length < 3) return bad('expected name+hash+key');
  const [name, hash] = parts as [string, string];
  const b64 = parts.slice(2).join('+');
  if (!isValidKeyName(name)) return bad(`invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(hash)) return bad('key hash must be 8 lowercase hex digits');
  if (!isCanonicalBase64(b64)) return bad('key is not canonical base64');
  const raw = Buffer.from(b64, 'base64');
  if (raw.length < 1) return bad('empty key');
  const v = noteVerifier(name, raw[0]!, new Uint8Array(raw.subarray(1)));
  if (hex8(v.keyId) !== hash)
    return bad(`key hash ${hash} does not match the key (expected ${hex8(v.keyId)})`);
  return v;
}

/** formatVerifierKey returns the verifier key string of v: `name+hash+base64(type||pub)`. */
export function formatVerifierKey(
  v: Pick<NoteVerifier, 'name' | 'keyId' | 'type' | 'publicKey'>,
): string {
  return `${v.name}+${hex8(v.keyId)}+${Buffer.concat([Uint8Array.of(v.type), v.publicKey]).toString('base64')}`;
}

/**
 * ed25519NoteSigner returns a type-0x01 signer from a 32-byte Ed25519 seed.
 * Throws InputError NOTE_KEY_INVALID.
 */
export function ed25519NoteSigner(
  name: string,
  seed: Uint8Array,
): NoteSigner & { readonly publicKey: Uint8Array } {
  if (!isValidKeyName(name))
    throw new InputError('NOTE_KEY_INVALID', `invalid note key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new InputError('NOTE_KEY_INVALID', 'Ed25519 seed must be 32 bytes');
  const key = ed25519Private(seed);
  const publicKey = ed25519PublicFromSeed(seed);
  const keyId = noteKeyId(name, SIG_ED25519, publicKey);
  return {
    name,
    keyId,
    type: SIG_ED25519,
    publicKey,
    sign: (text) => new Uint8Array(sign(null, text, key)),
  };
}

/**
 * cosignatureNoteSigner returns a tlog-cosignature/v1 (type 0x04) signer
 * from a 32-byte seed; `now` gives the timestamp in seconds (witness clock).
 */
export function cosignatureNoteSigner(
  name: string,
  seed: Uint8Array,
  now: () => bigint,
): NoteSigner & { readonly publicKey: Uint8Array } {
  const base = ed25519NoteSigner(name, seed);
  const key = ed25519Private(seed);
  const keyId = noteKeyId(name, SIG_COSIGNATURE_V1, base.publicKey);
  return {
    name,
    keyId,
    type: SIG_COSIGNATURE_V1,
    publicKey: base.publicKey,
    sign(text) {
      const ts = now();
      const out = new Uint8Array(72);
      Buffer.from(out.buffer, out.byteOffset, 8).writeBigUInt64BE(ts, 0);
      out.set(sign(null, cosignedMessage(ts, text), key), 8);
      return out;
    },
  };
}

/**
 * parseSignerKey parses a signer key `PRIVATE+KEY+name+hash+base64(0x01||seed)`
 * (note.NewSigner). Only Ed25519 (0x01) signer keys exist in this format.
 * Throws InputError NOTE_KEY_INVALID (without echoing key material).
 */
export function parseSignerKey(skey: string): NoteSigner & { readonly publicKey: Uint8Array } {
  const bad = (why: string): never => {
    throw new InputError('NOTE_KEY_INVALID', `invalid signer key: ${why}`);
  };
  if (typeof skey !== 'string' || skey.length > 4096)
    return bad('not a string of reasonable length');
  const parts = skey.split('+');
  if (parts.length < 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY')
    return bad('expected PRIVATE+KEY+name+hash+key');
  const [, , name, hash] = parts as [string, string, string, string];
  const b64 = parts.slice(4).join('+');
  if (!isValidKeyName(name)) return bad('invalid key name');
  if (!/^[0-9a-f]{8}$/.test(hash)) return bad('key hash must be 8 lowercase hex digits');
  if (!isCanonicalBase64(b64)) return bad('key is not canonical base64');
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== SIG_ED25519)
    return bad('expected type 0x01 and a 32-byte Ed25519 seed');
  const signer = ed25519NoteSigner(name, new Uint8Array(raw.subarray(1)));
  if (hex8(signer.keyId) !== hash) return bad(`key hash ${hash} does not match the key`);
  return signer;
}

/** GeneratedNoteKey is a fresh key pair in both string forms. */
export interface GeneratedNoteKey {
  /** `PRIVATE+KEY+name+hash+base64(0x01||seed)`: keep secret. */
  readonly signerKey: string;
  /** `name+hash+base64(0x01||pub)`: publish. */
  readonly verifierKey: string;
}

/** generateNoteKey makes a new Ed25519 note key pair named `name` (note.GenerateKey). Throws InputError NOTE_KEY_INVALID for a bad name. */
export function generateNoteKey(
  name: string,
  seed: Uint8Array = randomBytes(32),
): GeneratedNoteKey {
  const s = ed25519NoteSigner(name, seed);
  const hash = hex8(s.keyId);
  return {
    signerKey: `PRIVATE+KEY+${name}+${hash}+${Buffer.concat([Uint8Array.of(SIG_ED25519), seed]).toString('base64')}`,
    verifierKey: formatVerifierKey(s),
  };
}
