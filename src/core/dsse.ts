/**
 * DSSE v1 envelopes (github.com/secure-systems-lab/dsse, envelope.md and protocol.md).
 *
 * The signature covers PAE(payloadType, payload), never the JSON envelope, so
 * the payload type cannot be swapped and the JSON cannot be re-encoded into
 * something else that verifies.
 */
import { InputError } from './errors.js';
import { signBytes, verifyBytes, type PrivateKey, type PublicKey } from './keys.js';

/** DsseSignature is one signature of an envelope. */
export interface DsseSignature {
  /** Optional, unauthenticated hint naming the key; Sigil writes its hex key id. */
  readonly keyid: string;
  /** Base64 (standard) signature over PAE. */
  readonly sig: string;
}

/** DsseEnvelope is the JSON envelope. `payload` is base64 (standard alphabet). */
export interface DsseEnvelope {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly DsseSignature[];
}

const encoder = new TextEncoder();

/**
 * pae is the Pre-Authentication Encoding of DSSE v1:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN being the ASCII
 * decimal byte length with no leading zeros.
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  return Buffer.concat([head, payload]);
}

/** signEnvelope wraps a payload in an envelope signed by one key. */
export function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  key: PrivateKey,
): DsseEnvelope {
  const sig = signBytes(key, pae(payloadType, payload));
  return {
    payload: Buffer.from(payload).toString('base64'),
    payloadType,
    signatures: [{ keyid: key.publicKey.keyId, sig: sig.toString('base64') }],
  };
}

/**
 * Signer is a key whose private half lives elsewhere (ssh-agent, an HSM): it
 * signs a message and returns the signature in Sigil's encoding (Ed25519 raw,
 * ECDSA P-256 DER), the same bytes signBytes would make.
 */
export interface Signer {
  readonly publicKey: PublicKey;
  sign(message: Uint8Array): Promise<Buffer>;
}

/** privateKeySigner adapts a key held in memory to the Signer interface. */
export function privateKeySigner(key: PrivateKey): Signer {
  return { publicKey: key.publicKey, sign: async (message) => signBytes(key, message) };
}

/**
 * signatureWith asks a signer to sign DSSE's PAE and checks the answer before
 * using it: a signer that answers with another key's signature is an error.
 */
export async function dsseSignatureWith(
  payloadType: string,
  payload: Uint8Array,
  signer: Signer,
): Promise<DsseSignature> {
  const message = pae(payloadType, payload);
  const sig = await signer.sign(message);
  if (!verifyBytes(signer.publicKey, message, sig)) {
    throw new InputError(
      'SIGNER_MISMATCH',
      `the signer answered with a signature that key ${signer.publicKey.keyId.slice(0, 16)}… did not make`,
    );
  }
  return { keyid: signer.publicKey.keyId, sig: sig.toString('base64') };
}

/** signEnvelopeWith is signEnvelope for a Signer. */
export async function signEnvelopeWith(
  payloadType: string,
  payload: Uint8Array,
  signer: Signer,
): Promise<DsseEnvelope> {
  return {
    payload: Buffer.from(payload).toString('base64'),
    payloadType,
    signatures: [await dsseSignatureWith(payloadType, payload, signer)],
  };
}

/**
 * decodeBase64Strict decodes standard or URL-safe base64 (DSSE allows both),
 * refusing anything else instead of silently skipping bad characters as
 * Buffer.from does. `field` names the place for the error.
 */
export function decodeBase64Strict(value: unknown, field: string): Buffer {
  if (typeof value !== 'string')
    throw new InputError('BASE64_INVALID', `${field} must be a base64 string`, { field });
  const s = value.trim();
  if (
    !/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) ||
    (s.includes('=') && s.replace(/=+$/, '').length % 4 === 1)
  ) {
    throw new InputError('BASE64_INVALID', `${field} is not valid base64`, { field });
  }
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** EnvelopeSignatureCheck tells which signatures of an envelope verified with which key. */
export interface EnvelopeSignatureCheck {
  readonly verified: { readonly index: number; readonly key: PublicKey }[];
  readonly payload: Buffer;
}

/**
 * verifyEnvelope checks every signature against every candidate key and
 * reports those that verified (none verified is an empty list, not a throw).
 * Throws InputError only when the envelope's fields are not decodable.
 */
export function verifyEnvelope(
  envelope: DsseEnvelope,
  keys: readonly PublicKey[],
): EnvelopeSignatureCheck {
  const payload = decodeBase64Strict(envelope.payload, 'dsseEnvelope.payload');
  const message = pae(envelope.payloadType, payload);
  const verified: { index: number; key: PublicKey }[] = [];
  envelope.signatures.forEach((s, index) => {
    const sig = decodeBase64Strict(s.sig, `dsseEnvelope.signatures[${index}].sig`);
    // The keyid is an unauthenticated hint: try it first, but a signature counts only if the math verifies.
    const hinted = keys.find((k) => k.keyId === s.keyid);
    const ordered =
      hinted && keys.length > 1 ? [hinted, ...keys.filter((k) => k !== hinted)] : keys;
    const key = ordered.find((k) => verifyBytes(k, message, sig));
    if (key) verified.push({ index, key });
  });
  return { verified, payload };
}
