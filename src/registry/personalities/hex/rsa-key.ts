/**
 * The registry's Hex RSA key: rebar3 and mix check every registry resource
 * (`/names`, `/versions`, `/packages/<name>`) with it (`repo_public_key`,
 * `repo_verify`, on by default). Created on first start under
 * `<data>/keys/registry-hex-rsa.pem` (RSA 2048, PKCS#8), encrypted with
 * SIGIL_SERVER_PASSPHRASE (AES-256-CBC PEM) when it is set, mode 0600, like the
 * registry key. Public half: `/hex/public_key` (SPKI PEM).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../core/errors.js';
import { writeFileAtomic } from '../../../io/durable-file.js';

export interface RegistryHexKey {
  readonly privateKey: KeyObject;
  /** SPKI PEM: what `repo_public_key` is set to. */
  readonly publicPem: string;
  readonly path: string;
  readonly created: boolean;
}

export async function loadOrCreateHexKey(
  dataDir: string,
  passphrase: string | undefined,
): Promise<RegistryHexKey> {
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'registry-hex-rsa.pem');
  if (existsSync(path)) {
    const pem = readFileSync(path, 'utf8');
    const encrypted = pem.includes('ENCRYPTED PRIVATE KEY');
    if (encrypted && !passphrase)
      throw new InputError('KEY_PASSPHRASE_REQUIRED', `${path} is encrypted`, {
        file: path,
        hint: 'set SIGIL_SERVER_PASSPHRASE to the passphrase it was created with',
      });
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(encrypted ? { key: pem, passphrase: passphrase! } : pem);
    } catch {
      throw new InputError(
        encrypted ? 'KEY_PASSPHRASE_WRONG' : 'KEY_INVALID',
        `${path}: ${encrypted ? 'wrong passphrase' : 'not an RSA private key in PEM'}`,
        { file: path },
      );
    }
    return {
      privateKey,
      publicPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      path,
      created: false,
    };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = passphrase
    ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    : privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeFileAtomic(path, pem.toString(), { mode: 0o600 });
  chmodSync(path, 0o600);
  return {
    privateKey,
    publicPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    path,
    created: true,
  };
}

/** signPayload: RSASSA-PKCS1-v1_5 with SHA-512 over the payload bytes, as hex_core signs and checks. */
export function signPayload(key: KeyObject, payload: Uint8Array): Buffer {
  return sign('sha512', payload, key);
}
