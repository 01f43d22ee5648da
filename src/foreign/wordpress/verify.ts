/**
 * WordPress package signatures, checked exactly as WordPress's
 * `verify_file_signature()` does (wp-admin/includes/file.php, since 5.2):
 *
 *     $file_hash = hash_file( 'sha384', $filename, true );   // raw 48 bytes
 *     foreach signatures: $signature_raw = base64_decode( $signature );  // skip unless 64 bytes
 *       foreach trusted keys: $key_raw = base64_decode( $key );          // skip unless 32 bytes
 *         if ( sodium_crypto_sign_verify_detached( $signature_raw, $file_hash, $key_raw ) ) return true;
 *
 * The signed message is the raw 48-byte SHA-384 digest of the file, signed
 * with plain Ed25519 (not Ed25519ph). One valid signature by one trusted key
 * suffices. Trusted keys are base64 raw 32-byte Ed25519 public keys, as
 * returned by `wp_trusted_keys()`.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  fail,
  pass,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';

/** WordPressVerifyOptions: the trust anchors and the subject. */
export interface WordPressVerifyOptions {
  /** Base64 raw Ed25519 public keys, like the `wp_trusted_keys` filter returns. */
  readonly trustedKeys: readonly string[];
  /** Subject for the verdict (file name). */
  readonly subject?: string;
}

/** MAX_SIGNATURE_FILE_BYTES: WordPress's download_url() reads at most 10 KiB of a `.sig` file. */
export const MAX_SIGNATURE_FILE_BYTES = 10 * 1024;

/**
 * parseWordPressSignatures splits a `.sig` body or an `X-Content-Signature`
 * header value into base64 signatures, one per line, the way `download_url()`
 * does (`explode( "\n", $signature )`), dropping blank lines.
 */
export function parseWordPressSignatures(text: string): string[] {
  return text
    .slice(0, MAX_SIGNATURE_FILE_BYTES)
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * phpBase64Decode mirrors PHP's non-strict base64_decode closely enough for
 * the length checks WordPress makes: characters outside the alphabet are
 * skipped rather than rejected.
 */
function phpBase64Decode(text: string): Buffer {
  return Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
}

function ed25519Key(raw: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return undefined;
  }
}

/**
 * verifyWordPressSignature checks `signatures` over `file` with `trustedKeys`.
 *
 * Codes: `WP_SIGNATURE_VALID`; `WP_SIGNATURE_MISSING` (no signature given,
 * WordPress `signature_verification_no_signature`); `WP_NO_TRUSTED_KEYS` (the
 * "no key" outcome: nothing to check against); `WP_SIGNATURE_INVALID`
 * (`signature_verification_failed`: the file was changed, or signed by a key
 * that is not trusted — raw Ed25519 keys carry no key id to tell them apart);
 * warnings `WP_SIGNATURE_SKIPPED` / `WP_KEY_SKIPPED` for entries of the wrong
 * length, which WordPress skips silently.
 */
export function verifyWordPressSignature(
  file: Uint8Array,
  signatures: readonly string[],
  options: WordPressVerifyOptions,
): VerificationResult {
  const subject = options.subject ?? 'file';
  const digest = createHash('sha384').update(file).digest();
  const facts = { sha384: digest.toString('hex') };
  const checks: Check[] = [];

  if (signatures.length === 0) {
    return verdict(subject, [
      fail(
        'signature',
        'WP_SIGNATURE_MISSING',
        `the authenticity of ${subject} could not be verified as no signature was found`,
        facts,
      ),
    ]);
  }

  const keys: { index: number; base64: string; key: KeyObject }[] = [];
  for (const [index, base64] of options.trustedKeys.entries()) {
    const raw = phpBase64Decode(base64);
    const key = raw.length === 32 ? ed25519Key(raw) : undefined;
    if (key === undefined)
      checks.push(
        warn(
          'key',
          'WP_KEY_SKIPPED',
          `trusted key #${index} is not a base64 32-byte Ed25519 public key (decodes to ${raw.length} bytes); skipped`,
        ),
      );
    else keys.push({ index, base64, key });
  }
  if (keys.length === 0) {
    checks.push(
      fail(
        'key',
        'WP_NO_TRUSTED_KEYS',
        `the authenticity of ${subject} could not be verified as no trusted signature keys are available`,
        facts,
      ),
    );
    return verdict(subject, checks);
  }

  for (const [index, signature] of signatures.entries()) {
    const raw = phpBase64Decode(signature);
    if (raw.length !== 64) {
      checks.push(
        warn(
          'signature',
          'WP_SIGNATURE_SKIPPED',
          `signature #${index} does not decode to 64 bytes (got ${raw.length}); skipped`,
        ),
      );
      continue;
    }
    for (const k of keys) {
      let ok = false;
      try {
        ok = cryptoVerify(null, digest, k.key, raw);
      } catch {
        ok = false;
      }
      if (ok) {
        checks.push(
          pass(
            'signature',
            'WP_SIGNATURE_VALID',
            `Ed25519 signature #${index} over the SHA-384 digest verifies with trusted key #${k.index}`,
            { ...facts, key: k.base64, signature: index },
          ),
        );
        return verdict(subject, checks);
      }
    }
  }
  checks.push(
    fail(
      'signature',
      'WP_SIGNATURE_INVALID',
      `the authenticity of ${subject} could not be verified: no signature verifies with a trusted key (the file was changed, or it was signed by a key you do not trust)`,
      { ...facts, signatures: signatures.length, keys: keys.length },
    ),
  );
  return verdict(subject, checks);
}
