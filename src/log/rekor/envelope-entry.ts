/**
 * Log entries of signed envelopes: every author envelope and every publish
 * statement the registry logs is a Rekor v2 dsse v0.0.2 entry (with the
 * verifying public key), so that sigstore clients and Sigil verify the same
 * leaves. Clients rebuild the same bytes to check inclusion.
 */
import { decodeBase64Strict, type DsseEnvelope } from '../../core/dsse.js';
import { spkiDer, type PublicKey } from '../../core/keys.js';
import { canonicalJson } from './canonical-json.js';
import { dsseEntryJson, dsseLogEntry, MAX_ENTRY_BYTES, type KeyDetails } from './dsse-entry.js';

export function keyDetailsOf(key: PublicKey): KeyDetails {
  return key.algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256';
}

/** envelopeLogEntry is the canonicalized dsse v0.0.2 body (the leaf bytes) of a signed envelope. Throws if no signature verifies with the key. */
export function envelopeLogEntry(envelope: DsseEnvelope, key: PublicKey): Uint8Array {
  return dsseLogEntry({
    payload: decodeBase64Strict(envelope.payload, 'dsseEnvelope.payload'),
    payloadType: envelope.payloadType,
    signatures: envelope.signatures.map((s, i) => ({
      sig: decodeBase64Strict(s.sig, `dsseEnvelope.signatures[${i}].sig`),
      keyid: s.keyid,
    })),
    verifiers: [
      {
        kind: 'publicKey',
        rawBytes: spkiDer(key.key),
        keyDetails: keyDetailsOf(key),
        key: key.key,
      },
    ],
  }).body;
}

/**
 * envelopeEntryBody is the canonical dsse v0.0.2 body of an envelope whose
 * signatures were all made by one key, built WITHOUT verifying them: for
 * callers that have just verified them (an unverified signature only changes
 * the leaf, so an inclusion proof of it then fails). `spkiDerBase64` lets a
 * caller pass a cached export of the key.
 */
export function envelopeEntryBody(
  envelope: DsseEnvelope,
  key: PublicKey,
  spkiDerBase64 = spkiDer(key.key).toString('base64'),
): Buffer {
  const payload = decodeBase64Strict(envelope.payload, 'dsseEnvelope.payload');
  const verifier = { publicKey: { rawBytes: spkiDerBase64 }, keyDetails: keyDetailsOf(key) };
  const entry = dsseEntryJson(
    payload,
    envelope.signatures.map((s, i) => ({
      content: decodeBase64Strict(s.sig, `dsseEnvelope.signatures[${i}].sig`).toString('base64'),
      verifier,
    })),
  );
  return Buffer.from(canonicalJson(entry), 'utf8');
}

/**
 * verifiedEnvelopeLogEntry is envelopeLogEntry for an envelope whose ONE
 * signature the caller has just verified with `key` — the author's, checked by
 * verifyRelease; the registry's own, just made — built without verifying it a
 * second time (the same leaf bytes; test/registry/log-entries.test.ts holds them
 * equal). An envelope with any other number of signatures takes
 * envelopeLogEntry, which requires every signature to verify with the key.
 */
export function verifiedEnvelopeLogEntry(envelope: DsseEnvelope, key: PublicKey): Uint8Array {
  if (envelope.signatures.length !== 1) return envelopeLogEntry(envelope, key);
  const body = envelopeEntryBody(envelope, key);
  if (body.length > MAX_ENTRY_BYTES) return envelopeLogEntry(envelope, key); // it throws the size error
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}
