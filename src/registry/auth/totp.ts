/**
 * TOTP, RFC 6238 (over HOTP, RFC 4226 §5): HMAC-SHA1, 30 s step, 6 digits,
 * accepted one step either side of now (RFC 6238 §5.2 recommends at most one
 * step of network delay). Pure: no clock, no I/O — the caller passes the time.
 *
 * The code arithmetic, base32 and the Key URI come from otpauth (the
 * well-kept library authenticator apps are tested against); this file adds
 * what a server needs on top: a constant-time match over the window that
 * returns the matched step, so callers can refuse a reused one.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

/** TOTP_PERIOD is the time step X of RFC 6238 §4.1, in seconds. */
export const TOTP_PERIOD = 30;
/** TOTP_DIGITS is the code length (RFC 4226 §5.3 Digit). */
export const TOTP_DIGITS = 6;
/** TOTP_WINDOW is how many steps before and after now a code is accepted. */
export const TOTP_WINDOW = 1;

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** hotp is RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(
  secret: Uint8Array,
  counter: number,
  digits = TOTP_DIGITS,
  algorithm: TotpAlgorithm = 'sha1',
): string {
  return HOTP.generate({
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
    counter,
    digits,
    algorithm: algorithm.toUpperCase(),
  });
}

/** totpStep is T of RFC 6238 §4.2: floor(unix seconds / period). */
export function totpStep(unixMs: number, period = TOTP_PERIOD): number {
  return Math.floor(unixMs / 1000 / period);
}

/** totp is the code for the step that contains unixMs. */
export function totp(
  secret: Uint8Array,
  unixMs: number,
  digits = TOTP_DIGITS,
  algorithm: TotpAlgorithm = 'sha1',
): string {
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
export function matchTotp(
  secret: Uint8Array,
  code: string,
  unixMs: number,
  window = TOTP_WINDOW,
): number | undefined {
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

/** base32Encode is RFC 4648 §6 base32 without padding (the form otpauth URIs use). */
export function base32Encode(bytes: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32.replace(/=+$/, '');
}

/** base32Decode reverses base32Encode; undefined for anything else (case-insensitive, padding and spaces ignored). */
export function base32Decode(text: string): Buffer | undefined {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  if (!/^[A-Z2-7]*$/.test(clean)) return undefined;
  try {
    return Buffer.from(Secret.fromBase32(clean).bytes);
  } catch {
    return undefined;
  }
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
  return new TOTP({
    issuer,
    label: account,
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
  }).toString();
}
