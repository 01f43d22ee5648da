/**
 * The registry's own signing key (ECDSA P-256: npm's registry signatures
 * must be P-256, and one key keeps the story simple): created on first start
 * under `<data>/keys/registry.key`, encrypted with SIGIL_SERVER_PASSPHRASE
 * when it is set. Without a passphrase the key is written unencrypted, mode
 * 0600, and the server says so at every start.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatPrivateKeyFile,
  generateKey,
  keyFileKind,
  parsePrivateKeyFile,
  type KeyAlgorithm,
  type PrivateKey,
} from '../core/keys.js';
import { InputError } from '../core/errors.js';
import { writeFileAtomicSync } from '../io/durable-file.js';

export interface LoadedRegistryKey {
  readonly key: PrivateKey;
  readonly path: string;
  readonly created: boolean;
  readonly encrypted: boolean;
}

/**
 * loadOrCreateServerKey: one of the server's own signing keys under `<data>/keys/<file>`,
 * created on first start (encrypted with SIGIL_SERVER_PASSPHRASE when set, else mode 0600
 * unencrypted), refused when the file holds another algorithm (`why` says which is needed).
 */
export function loadOrCreateServerKey(
  dataDir: string,
  file: string,
  algorithm: KeyAlgorithm,
  passphrase: string | undefined,
  why: string,
): LoadedRegistryKey {
  const dir = join(dataDir, 'keys');
  const path = join(dir, file);
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const encrypted = keyFileKind(text, path) === 'encrypted-private';
    if (encrypted && !passphrase) {
      throw new InputError('KEY_PASSPHRASE_REQUIRED', `${path} is encrypted`, {
        file: path,
        hint: 'set SIGIL_SERVER_PASSPHRASE to the passphrase it was created with',
      });
    }
    const key = parsePrivateKeyFile(text, {
      file: path,
      ...(encrypted ? { passphrase: passphrase! } : {}),
    });
    if (key.algorithm !== algorithm)
      throw new InputError('KEY_WRONG_KIND', `${path} is an ${key.algorithm} key; ${why}`, {
        file: path,
      });
    return { key, path, created: false, encrypted };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = generateKey(algorithm);
  writeFileAtomicSync(
    path,
    formatPrivateKeyFile(key, passphrase ? { passphrase } : { unencrypted: true }),
    { mode: 0o600, exclusive: true },
  );
  chmodSync(path, 0o600);
  return { key, path, created: true, encrypted: Boolean(passphrase) };
}

export function loadOrCreateRegistryKey(
  dataDir: string,
  passphrase: string | undefined,
): LoadedRegistryKey {
  return loadOrCreateServerKey(
    dataDir,
    'registry.key',
    'ecdsa-p256',
    passphrase,
    'the registry key must be ecdsa-p256 (npm registry signatures)',
  );
}
