/**
 * Publish tokens: `sgl_` + 43 base62 characters of 256 random bits + 6 base62
 * characters of CRC32 over everything before them (GitHub's token format,
 * github.blog 2021-04-05 "Behind GitHub's new authentication token formats").
 *
 * - The prefix makes a leaked token recognisable to secret scanners and to people.
 * - The checksum lets a client or server reject a typo or a truncated paste
 *   offline, without a database lookup (CRC32 is not a MAC: it catches
 *   accidents, not forgeries — forging is prevented by the 256 random bits).
 * - At rest only SHA-256(token) is kept. A slow KDF (scrypt, argon2) exists to
 *   make guessing a low-entropy *password* expensive; a token is 256 uniformly
 *   random bits, so an attacker holding the hash would need ~2^255 SHA-256
 *   evaluations either way. An unsalted, deterministic hash also lets the
 *   server find the row by hash with one index lookup, which a salted KDF
 *   would not.
 *
 * Pure: no I/O.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** TOKEN_PREFIX starts every Sigil publish token. */
export const TOKEN_PREFIX = 'sgl_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_CHARS = 43; // ceil(256 / log2(62))
const CHECKSUM_CHARS = 6; // ceil(32 / log2(62))
/** TOKEN_LENGTH is the length of every well-formed token (53). */
export const TOKEN_LENGTH = TOKEN_PREFIX.length + SECRET_CHARS + CHECKSUM_CHARS;
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_CHARS + CHECKSUM_CHARS}}$`);

function base62(value: bigint, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  return base62(BigInt(crc32(body) >>> 0), CHECKSUM_CHARS);
}

/** generateToken makes a new token from 256 bits of CSPRNG output. */
export function generateToken(random: (n: number) => Buffer = randomBytes): string {
  const body = TOKEN_PREFIX + base62(BigInt(`0x${random(32).toString('hex')}`), SECRET_CHARS);
  return body + checksum(body);
}

/** TokenFormatProblem says why a string is not a token, without touching any stored state. */
export type TokenFormatProblem = 'TOKEN_PREFIX' | 'TOKEN_SHAPE' | 'TOKEN_CHECKSUM';

/**
 * checkTokenFormat checks prefix, length, alphabet and checksum offline.
 * Returns undefined for a well-formed token. The value is attacker-controlled;
 * nothing here throws.
 */
export function checkTokenFormat(token: string): TokenFormatProblem | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return 'TOKEN_PREFIX';
  if (!TOKEN_SHAPE.test(token)) return 'TOKEN_SHAPE';
  const body = token.slice(0, -CHECKSUM_CHARS);
  const given = Buffer.from(token.slice(-CHECKSUM_CHARS));
  const want = Buffer.from(checksum(body));
  // The checksum is not secret, but comparing in constant time costs nothing.
  return timingSafeEqual(given, want) ? undefined : 'TOKEN_CHECKSUM';
}

/** hashToken is the only form of a token that is stored: SHA-256 of its UTF-8 bytes (32 bytes). */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
