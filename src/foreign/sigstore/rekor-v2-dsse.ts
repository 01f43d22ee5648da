/**
 * Rekor v2 "hashedrekord-over-DSSE" entries (rekor-v2 spec §6.1.4): a DSSE
 * bundle may be logged as a `hashedrekord` v0.0.2 entry whose
 * `data.digest` is Hash(PAE(payloadType, payload)) — the bytes the DSSE
 * signature actually signs — and whose signature is the envelope's.
 *
 * sigstore-js 3.1 compares a DSSE bundle's entry digest with
 * SHA-256(payload) only (the `dsse` entry shape), so these valid bundles fail
 * with "digest mismatch" (sigstore-conformance `rekor2-dsse-happy-path`).
 * {@link withRekorV2DigestOverPae} teaches the signature content the second
 * digest when, and only when, the bundle carries such an entry. Both digests
 * commit to the same payload, so accepting either loosens nothing: a
 * different envelope cannot match.
 */
import { createHash } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import type { SignedEntity } from '@sigstore/verify';

/** preAuthEncoding is DSSE's PAE: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** The hash Rekor used, told by the digest length (SHA-256, -384 or -512). */
function hashFor(length: number): 'sha256' | 'sha384' | 'sha512' | undefined {
  return length === 32 ? 'sha256' : length === 48 ? 'sha384' : length === 64 ? 'sha512' : undefined;
}

/**
 * withRekorV2DigestOverPae returns `entity` unchanged unless the bundle is a
 * DSSE bundle with a `hashedrekord` 0.0.2 tlog entry; then its signature
 * content also accepts the digest of the envelope's PAE.
 */
export function withRekorV2DigestOverPae(bundle: Bundle, entity: SignedEntity): SignedEntity {
  if (bundle.content.$case !== 'dsseEnvelope') return entity;
  const hashed = bundle.verificationMaterial.tlogEntries.some(
    (e) => e.kindVersion?.kind === 'hashedrekord' && e.kindVersion.version === '0.0.2',
  );
  if (!hashed) return entity;
  const env = bundle.content.dsseEnvelope;
  const pae = preAuthEncoding(env.payloadType, Buffer.from(env.payload));
  const inner = entity.signature;
  const signature: SignedEntity['signature'] = {
    signature: inner.signature,
    compareSignature: (sig) => inner.compareSignature(sig),
    verifySignature: (key) => inner.verifySignature(key),
    compareDigest: (digest) => {
      if (inner.compareDigest(digest)) return true;
      const alg = hashFor(digest.length);
      return alg !== undefined && createHash(alg).update(pae).digest().equals(digest);
    },
  };
  return { ...entity, signature };
}
