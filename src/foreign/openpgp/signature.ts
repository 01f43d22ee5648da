/**
 * Signature packets (RFC 9580 §5.2), including the old v3 format that
 * OpenPGP.js no longer parses.
 *
 * v4/v6 bodies are parsed by OpenPGP.js. A v3 body (RFC 4880 §5.2.2) is parsed
 * here and rebuilt as an OpenPGP.js packet whose hashing follows the v3 rule
 * (data ‖ type ‖ creation time), so a lenient policy can still check its math
 * while the standard policy refuses it by version.
 */
import * as openpgp from 'openpgp';
import { toHex } from './packets.js';

/** ParsedSignature is what Sigil needs to know about one signature packet. */
export interface ParsedSignature {
  readonly version: number;
  /** Signature type (RFC 9580 §5.2.1), e.g. 0x00 binary, 0x01 text, 0x13 positive certification. */
  readonly type: number;
  readonly publicKeyAlgorithm: number;
  readonly hashAlgorithm: number;
  readonly created: Date | undefined;
  /** Issuer key IDs (16 hex digits) named by the signature, from the issuer or issuer-fingerprint subpackets. */
  readonly issuerKeyID: string | undefined;
  readonly issuerFingerprint: string | undefined;
  /** The OpenPGP.js packet, or undefined when it could not be parsed (see {@link parseError}). */
  readonly packet: openpgp.SignaturePacket | undefined;
  readonly parseError: string | undefined;
}

/** HASH_NAMES maps hash algorithm ids (RFC 9580 §9.5) to names. */
export const HASH_NAMES: Readonly<Record<number, string>> = {
  1: 'MD5',
  2: 'SHA1',
  3: 'RIPEMD160',
  8: 'SHA256',
  9: 'SHA384',
  10: 'SHA512',
  11: 'SHA224',
  12: 'SHA3-256',
  14: 'SHA3-512',
};

/** hashName names a hash algorithm id. */
export function hashName(id: number): string {
  return HASH_NAMES[id] ?? `hash#${id}`;
}

/** parseSignaturePacket parses one signature packet body; it never throws. */
export function parseSignaturePacket(body: Uint8Array): ParsedSignature {
  const version = body[0] ?? 0;
  if (version === 3 || version === 2) return parseV3(body);
  const packet = new openpgp.SignaturePacket();
  try {
    packet.read(body);
  } catch (e) {
    // v4/v5/v6: version(1), type(1), public-key algorithm(1), hash algorithm(1), …
    return unreadable(body, version, [1, 2, 3], e instanceof Error ? e.message : String(e));
  }
  return fromPacket(packet);
}

/**
 * unreadable describes a signature packet that could not be parsed: what its
 * header bytes say (type, public-key and hash algorithm at `at`, -1 when the
 * packet is too short) and why it failed.
 */
function unreadable(
  body: Uint8Array,
  version: number,
  at: readonly [type: number, publicKeyAlgorithm: number, hashAlgorithm: number],
  parseError: string,
): ParsedSignature {
  return {
    version,
    type: body[at[0]] ?? -1,
    publicKeyAlgorithm: body[at[1]] ?? -1,
    hashAlgorithm: body[at[2]] ?? -1,
    created: undefined,
    issuerKeyID: undefined,
    issuerFingerprint: undefined,
    packet: undefined,
    parseError,
  };
}

/** fromPacket describes an OpenPGP.js signature packet. */
export function fromPacket(packet: openpgp.SignaturePacket): ParsedSignature {
  const keyID = packet.issuerKeyID.toHex();
  return {
    version: packet.version,
    type: packet.signatureType ?? -1,
    publicKeyAlgorithm: packet.publicKeyAlgorithm ?? -1,
    hashAlgorithm: packet.hashAlgorithm ?? -1,
    created: packet.created ?? undefined,
    issuerKeyID: /^0+$/.test(keyID) || keyID === '' ? undefined : keyID,
    issuerFingerprint: packet.issuerFingerprint ? toHex(packet.issuerFingerprint) : undefined,
    packet,
    parseError: undefined,
  };
}

// RFC 4880 §5.2.2: version(1)=3, hashed length(1)=5, type(1), created(4), key ID(8),
// public-key algorithm(1), hash algorithm(1), left 16 bits of hash(2), MPIs.
function parseV3(body: Uint8Array): ParsedSignature {
  const bad = (why: string): ParsedSignature => unreadable(body, body[0] ?? 3, [2, 15, 16], why);
  if (body.length < 19 || body[1] !== 5) return bad('malformed v3 signature packet');
  const type = body[2]!;
  const timeBytes = body.subarray(3, 7);
  const created = new Date(
    (timeBytes[0]! * 2 ** 24 + (timeBytes[1]! << 16) + (timeBytes[2]! << 8) + timeBytes[3]!) * 1000,
  );
  const keyID = body.subarray(7, 15);
  const pk = body[15]!;
  const hash = body[16]!;
  const left16 = body.subarray(17, 19);
  const mpis = body.subarray(19);
  // Rebuild as a v4 body so OpenPGP.js parses the MPIs: hashed area = creation time, unhashed = issuer.
  const v4 = new Uint8Array(4 + 2 + 6 + 2 + 10 + 2 + mpis.length);
  let o = 0;
  v4.set([4, type, pk, hash, 0, 6, 5, 2], o);
  o += 8;
  v4.set(timeBytes, o);
  o += 4;
  v4.set([0, 10, 9, 16], o);
  o += 4;
  v4.set(keyID, o);
  o += 8;
  v4.set(left16, o);
  o += 2;
  v4.set(mpis, o);
  const packet = new openpgp.SignaturePacket();
  try {
    packet.read(v4);
  } catch (e) {
    return bad(`v3 signature: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A v3 signature hashes the data, then the type and creation time, with no trailer.
  const trailer = new Uint8Array([type, ...timeBytes]);
  const p = packet as unknown as {
    toHash: (t: number, data: unknown, detached?: boolean) => Uint8Array;
    toSign: (t: number, data: unknown) => Uint8Array;
    version: number;
  };
  p.toHash = (t, data) => {
    const signed = p.toSign(t, data);
    const out = new Uint8Array(signed.length + trailer.length);
    out.set(signed, 0);
    out.set(trailer, signed.length);
    return out;
  };
  return { ...fromPacket(packet), version: body[0]!, created };
}
