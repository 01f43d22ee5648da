/**
 * The registry's WordPress signing key: Ed25519, the only kind WordPress core's
 * verify_file_signature() checks (sodium_crypto_sign_verify_detached over the raw
 * SHA-384 digest of the zip). Created on first start under
 * `<data>/keys/registry-wordpress.key`, encrypted with SIGIL_SERVER_PASSPHRASE
 * when it is set, mode 0600, like the registry key. Users pin its public half
 * (base64 of the raw 32 bytes) with WordPress's `wp_trusted_keys` filter.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrivateKeyFile, generateKey, keyFileKind, parsePrivateKeyFile, type PrivateKey } from '../../../core/keys.js';
import { InputError } from '../../../core/errors.js';
import { writeFileAtomic } from '../../../cli/files.js';

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

export function loadOrCreateWordpressKey(dataDir: string, passphrase: string | undefined): WordpressKey {
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'registry-wordpress.key');
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const encrypted = keyFileKind(text, path) === 'encrypted-private';
    if (encrypted && !passphrase) {
      throw new InputError('KEY_PASSPHRASE_REQUIRED', `${path} is encrypted`, { file: path, hint: 'set SIGIL_SERVER_PASSPHRASE to the passphrase it was created with' });
    }
    const key = parsePrivateKeyFile(text, { file: path, ...(encrypted ? { passphrase: passphrase! } : {}) });
    if (key.algorithm !== 'ed25519') throw new InputError('KEY_WRONG_KIND', `${path} is an ${key.algorithm} key; WordPress verifies only ed25519 signatures`, { file: path });
    return { key, publicBase64: rawEd25519Public(key).toString('base64'), path, created: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = generateKey('ed25519');
  writeFileAtomic(path, formatPrivateKeyFile(key, passphrase ? { passphrase } : { unencrypted: true }), { mode: 0o600, exclusive: true });
  chmodSync(path, 0o600);
  return { key, publicBase64: rawEd25519Public(key).toString('base64'), path, created: true };
}
