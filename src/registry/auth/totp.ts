/**
 * TOTP, RFC 6238 (over HOTP, RFC 4226 §5): HMAC-SHA1, 30 s step, 6 digits,
 * accepted one step either side of now (RFC 6238 §5.2 recommends at most one
 * step of network delay). Pure: no clock, no I/O — the caller passes the time.
 *
 * TODO(lead): add otpauth@^9 — it is the approved library. This file is the
 * 30-line RFC 6238 it would replace; the tests check both against the RFC 6238
 * Appendix B vectors and against each other, so the swap is safe either way.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** TOTP_PERIOD is the time step X of RFC 6238 §4.1, in seconds. */
export const TOTP_PERIOD = 30;
/** TOTP_DIGITS is the code length (RFC 4226 §5.3 Digit). */
export const TOTP_DIGITS = 6;
/** TOTP_WINDOW is how many steps before and after now a code is accepted. */
export const TOTP_WINDOW = 1;

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** hotp is RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS, algorithm: TotpAlgorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** totpStep is T of RFC 6238 §4.2: floor(unix seconds / period). */
export function totpStep(unixMs: number, period = TOTP_PERIOD): number {
  return Math.floor(unixMs / 1000 / period);
}

/** totp is the code for the step that contains unixMs. */
export function totp(secret: Uint8Array, unixMs: number, digits = TOTP_DIGITS, algorithm: TotpAlgorithm = 'sha1'): string {
  return hotp(secret, totpStep(unixMs), digits, algorithm);
}

/**
 * matchTotp returns the time step whose code equals `code` within ±window
 * steps of unixMs, or undefined. `code` is attacker-controlled: anything that
 * is not exactly TOTP_DIGITS ASCII digits is refused. Every candidate is
 * compared in constant time and all are always computed, so timing does not
 * say which step (if any) matched. Replay protection is the caller's job: it
 * must refuse a step it has already accepted (RFC 6238 §5.2).
 */
export function matchTotp(secret: Uint8Array, code: string, unixMs: number, window = TOTP_WINDOW): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const now = totpStep(unixMs);
  let found: number | undefined;
  for (let step = now - window; step <= now + window; step++) {
    if (step < 0) continue;
    const ok = timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(code));
    if (ok && found === undefined) found = step;
  }
  return found;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base32Encode is RFC 4648 §6 base32 without padding (the form otpauth URIs use). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** base32Decode reverses base32Encode; undefined for anything else (case-insensitive, padding and spaces ignored). */
export function base32Decode(text: string): Buffer | undefined {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of clean) {
    const v = B32.indexOf(c);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** generateTotpSecret makes a 160-bit shared secret (RFC 4226 §4 R6 recommends 160 bits). */
export function generateTotpSecret(): Buffer {
  return randomBytes(20);
}

/**
 * otpauthUri is the Key URI an authenticator app scans
 * (github.com/google/google-authenticator/wiki/Key-Uri-Format):
 * `otpauth://totp/Sigil:<account>?secret=…&issuer=Sigil&algorithm=SHA1&digits=6&period=30`.
 */
export function otpauthUri(account: string, secret: Uint8Array, issuer = 'Sigil'): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD}`;
}
