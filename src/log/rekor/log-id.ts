/**
 * The log id and checkpoint key name of a Sigil log, chosen so that ONE
 * checkpoint signature line verifies with both kinds of client:
 *
 * - Go / C2SP note verifiers (golang.org/x/mod/sumdb/note, c2sp.org/signed-note)
 *   look a signature up by (key name, 4-byte key ID) with
 *   key ID = SHA-256(name || 0x0A || 0x01 || Ed25519 public key)[:4].
 * - sigstore-js 3.1 (@sigstore/verify tlog/checkpoint.ts) looks the log up by
 *   the same 4 bytes compared with the start of the trusted root's
 *   `checkpointKeyId.keyId` (else `logId.keyId`), and requires
 *   `tlog.baseUrl.match(signatureName)`.
 *
 * Decision (the same as rekor-tiles pkg/note KeyHash for Ed25519 logs):
 * - key name = checkpoint origin = the log's URL without scheme
 *   (c2sp.org/tlog-tiles: "the origin should be the prefix without the scheme"),
 *   so it is a substring of the base URL, and sigstore-js' match succeeds;
 * - log id = the full 32-byte SHA-256(name || 0x0A || 0x01 || public key), whose
 *   first 4 bytes ARE the signed-note key ID. The trusted root sets both
 *   `logId.keyId` and `checkpointKeyId.keyId` to it, and every
 *   TransparencyLogEntry carries it as `logId.keyId`.
 * So no second signature line is needed. Caveat: sigstore-js treats the name
 * as a regular expression; origins are host[:port][/path], where only "." is
 * special and matches itself too.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import { type NoteVerifier, SIG_ED25519 } from '../note-key.js';

/** rekorLogId returns the 32-byte log id of a log whose checkpoints are signed by `v` (Ed25519 note key). Throws InputError LOG_KEY_UNSUPPORTED for other key types. */
export function rekorLogId(v: Pick<NoteVerifier, 'name' | 'type' | 'publicKey'>): Uint8Array {
  if (v.type !== SIG_ED25519)
    throw new InputError(
      'LOG_KEY_UNSUPPORTED',
      `log key ${v.name} is not an Ed25519 (type 0x01) note key`,
    );
  const h = createHash('sha256')
    .update(v.name, 'utf8')
    .update(Uint8Array.of(0x0a, SIG_ED25519))
    .update(v.publicKey)
    .digest();
  return new Uint8Array(h);
}

/** ED25519_SPKI_PREFIX is the DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** ed25519Spki returns the DER SubjectPublicKeyInfo of a raw 32-byte Ed25519 public key. */
export function ed25519Spki(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([ED25519_SPKI_PREFIX, publicKey]));
}

/**
 * sigstoreNameMatches reports whether sigstore-js would accept a checkpoint
 * signature named `name` for a log at `baseUrl`: it evaluates
 * `baseUrl.match(name)` (a regular expression built from the name).
 */
export function sigstoreNameMatches(baseUrl: string, name: string): boolean {
  try {
    return new RegExp(name).test(baseUrl);
  } catch {
    return false;
  }
}
