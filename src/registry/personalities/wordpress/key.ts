/**
 * The registry's WordPress signing key: Ed25519, the only kind WordPress core's
 * verify_file_signature() checks (sodium_crypto_sign_verify_detached over the raw
 * SHA-384 digest of the zip). Created on first start under
 * `<data>/keys/registry-wordpress.key`, encrypted with SIGIL_SERVER_PASSPHRASE
 * when it is set, mode 0600, like the registry key. Users pin its public half
 * (base64 of the raw 32 bytes) with WordPress's `wp_trusted_keys` filter.
 */
import type { PrivateKey } from '../../../core/keys.js';
import { loadOrCreateServerKey } from '../../registry-key.js';

export interface WordpressKey {
  readonly key: PrivateKey;
  /** base64 of the raw 32-byte Ed25519 public key: what `wp_trusted_keys` takes. */
  readonly publicBase64: string;
  readonly path: string;
  readonly created: boolean;
}

export function rawEd25519Public(key: PrivateKey): Buffer {
  const jwk = key.publicKey.key.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

export function loadOrCreateWordpressKey(
  dataDir: string,
  passphrase: string | undefined,
): WordpressKey {
  const k = loadOrCreateServerKey(
    dataDir,
    'registry-wordpress.key',
    'ed25519',
    passphrase,
    'WordPress verifies only ed25519 signatures',
  );
  return {
    key: k.key,
    publicBase64: rawEd25519Public(k.key).toString('base64'),
    path: k.path,
    created: k.created,
  };
}
