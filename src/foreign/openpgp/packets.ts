/**
 * The OpenPGP packet framing (RFC 9580 §4.2): old and new format headers,
 * partial body lengths. Only framing lives here; packet bodies are parsed by
 * OpenPGP.js or by {@link ./signature.ts}.
 */
import { openpgpError } from './errors.js';

/** RawPacket is one packet: its tag and body (a view into the input). */
export interface RawPacket {
  readonly tag: number;
  readonly body: Uint8Array;
}

/** Packet tags used here (RFC 9580 §5). */
export const Tag = {
  signature: 2,
  secretKey: 5,
  publicKey: 6,
  secretSubkey: 7,
  marker: 10,
  trust: 12,
  userID: 13,
  publicSubkey: 14,
  userAttribute: 17,
  padding: 21,
} as const;

/** MAX_PACKETS bounds how many packets one input may hold (a keyring with thousands of keys stays bounded). */
export const MAX_PACKETS = 200_000;

/**
 * readPackets splits a binary packet stream. Throws InputError `OPENPGP_PACKET`
 * on a truncated or malformed header; `bytes` is attacker-controlled.
 */
export function readPackets(bytes: Uint8Array): RawPacket[] {
  const out: RawPacket[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (out.length >= MAX_PACKETS)
      throw openpgpError('OPENPGP_TOO_LARGE', `more than ${MAX_PACKETS} packets`);
    const h = bytes[i]!;
    if ((h & 0x80) === 0)
      throw openpgpError(
        'OPENPGP_PACKET',
        `byte ${i}: 0x${h.toString(16).padStart(2, '0')} is not an OpenPGP packet header`,
        { hint: 'is this an armored (text) file read as binary, or not OpenPGP at all?' },
      );
    i++;
    if (h & 0x40) {
      const tag = h & 0x3f;
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { len, partial, next } = newLength(bytes, i);
        i = next;
        if (i + len > bytes.length) throw truncated(tag, i, len, bytes.length);
        chunks.push(bytes.subarray(i, i + len));
        i += len;
        if (!partial) break;
      }
      out.push({ tag, body: chunks.length === 1 ? chunks[0]! : concat(chunks) });
    } else {
      const tag = (h >> 2) & 0x0f;
      const lt = h & 3;
      let len: number;
      if (lt === 3) len = bytes.length - i;
      else {
        const n = lt === 0 ? 1 : lt === 1 ? 2 : 4;
        if (i + n > bytes.length) throw truncated(tag, i, n, bytes.length);
        len = 0;
        for (let k = 0; k < n; k++) len = len * 256 + bytes[i + k]!;
        i += n;
      }
      if (i + len > bytes.length) throw truncated(tag, i, len, bytes.length);
      out.push({ tag, body: bytes.subarray(i, i + len) });
      i += len;
    }
  }
  return out;
}

function newLength(b: Uint8Array, i: number): { len: number; partial: boolean; next: number } {
  if (i >= b.length) throw openpgpError('OPENPGP_PACKET', 'packet header is truncated');
  const o1 = b[i]!;
  if (o1 < 192) return { len: o1, partial: false, next: i + 1 };
  if (o1 < 224) {
    if (i + 1 >= b.length) throw openpgpError('OPENPGP_PACKET', 'packet length is truncated');
    return { len: ((o1 - 192) << 8) + b[i + 1]! + 192, partial: false, next: i + 2 };
  }
  if (o1 === 255) {
    if (i + 4 >= b.length) throw openpgpError('OPENPGP_PACKET', 'packet length is truncated');
    return {
      len: b[i + 1]! * 2 ** 24 + (b[i + 2]! << 16) + (b[i + 3]! << 8) + b[i + 4]!,
      partial: false,
      next: i + 5,
    };
  }
  return { len: 1 << (o1 & 0x1f), partial: true, next: i + 1 };
}

function truncated(tag: number, at: number, len: number, total: number) {
  return openpgpError(
    'OPENPGP_PACKET',
    `packet (tag ${tag}) at byte ${at} claims ${len} bytes but only ${Math.max(0, total - at)} remain: truncated`,
  );
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** toHex renders bytes as lowercase hex. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
