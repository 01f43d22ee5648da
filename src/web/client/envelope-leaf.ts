/**
 * envelopeLeaf: the log leaf of a DSSE envelope signed by `spki` — the Rekor v2
 * dsse v0.0.2 body, canonical JSON, as the registry logs it (the same bytes
 * as src/verify-project/key-cache.ts verifiedEnvelopeLeaf, built here from the
 * shared canonicalJson and constants). A wrong key or signature only changes
 * the leaf, so the inclusion proof then fails.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalJson } from '../../log/rekor/canonical-json.js';
import { DSSE_API_VERSION, DSSE_KIND } from '../../log/rekor/dsse-entry.js';
import { fromBase64, toBase64 } from './webcrypto.js';

export interface Envelope {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly { readonly sig: string; readonly keyid?: string }[];
}

export function envelopeLeaf(env: Envelope, spki: Uint8Array, algorithm: string): Uint8Array {
  const verifier = {
    publicKey: { rawBytes: toBase64(spki) },
    keyDetails: algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
  };
  const entry = {
    kind: DSSE_KIND,
    apiVersion: DSSE_API_VERSION,
    spec: {
      dsseV002: {
        payloadHash: { algorithm: 'SHA2_256', digest: toBase64(sha256(fromBase64(env.payload))) },
        signatures: env.signatures.map((s) => ({ content: toBase64(fromBase64(s.sig)), verifier })),
      },
    },
  };
  return new TextEncoder().encode(canonicalJson(entry));
}
