/**
 * What the registry writes to its log: every author envelope and every
 * publish statement as a Rekor v2 dsse v0.0.2 entry (with the verifying
 * public key), so that sigstore clients and Sigil verify the same leaves.
 */
import { decodeBase64Strict, type DsseEnvelope } from '../core/dsse.js';
import { spkiDer, type PublicKey } from '../core/keys.js';
import { dsseLogEntry, type KeyDetails } from '../log/rekor/dsse-entry.js';

export function keyDetailsOf(key: PublicKey): KeyDetails {
  return key.algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256';
}

/** envelopeLogEntry is the canonicalized dsse v0.0.2 body (the leaf bytes) of a signed envelope. Throws if no signature verifies with the key. */
export function envelopeLogEntry(envelope: DsseEnvelope, key: PublicKey): Uint8Array {
  return dsseLogEntry({
    payload: decodeBase64Strict(envelope.payload, 'dsseEnvelope.payload'),
    payloadType: envelope.payloadType,
    signatures: envelope.signatures.map((s, i) => ({ sig: decodeBase64Strict(s.sig, `dsseEnvelope.signatures[${i}].sig`), keyid: s.keyid })),
    verifiers: [{ kind: 'publicKey', rawBytes: spkiDer(key.key), keyDetails: keyDetailsOf(key), key: key.key }],
  }).body;
}
