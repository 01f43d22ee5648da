/**
 * The registry's OpenPGP key: what apt (through gpgv and `signed-by`) and other
 * OpenPGP-verifying clients check Sigil's countersignature with. Created on first
 * start under `<data>/keys/registry-openpgp.asc` (made with openpgp.js: a v4
 * Ed25519 signing key, which gpgv 2.2 and sqv both accept), encrypted with
 * SIGIL_SERVER_PASSPHRASE when it is set, mode 0600, like the registry key.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { InputError } from '../../../core/errors.js';
import { writeFileAtomic } from '../../../io/durable-file.js';

export interface RegistryOpenPgpKey {
  readonly privateKey: openpgp.PrivateKey;
  /** Armored public key: what users pin with apt's signed-by. */
  readonly publicArmored: string;
  readonly fingerprint: string;
  readonly path: string;
  readonly created: boolean;
}

export async function loadOrCreateOpenPgpKey(
  dataDir: string,
  passphrase: string | undefined,
  userName: string,
): Promise<RegistryOpenPgpKey> {
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'registry-openpgp.asc');
  if (existsSync(path)) {
    let key = await openpgp.readPrivateKey({ armoredKey: readFileSync(path, 'utf8') });
    if (!key.isDecrypted()) {
      if (!passphrase)
        throw new InputError('KEY_PASSPHRASE_REQUIRED', `${path} is encrypted`, {
          file: path,
          hint: 'set SIGIL_SERVER_PASSPHRASE to the passphrase it was created with',
        });
      try {
        key = await openpgp.decryptKey({ privateKey: key, passphrase });
      } catch {
        throw new InputError('KEY_PASSPHRASE_WRONG', `${path}: wrong passphrase`, {
          file: path,
          hint: 'SIGIL_SERVER_PASSPHRASE must be the passphrase the key was created with',
        });
      }
    }
    return {
      privateKey: key,
      publicArmored: key.toPublic().armor(),
      fingerprint: key.getFingerprint().toUpperCase(),
      path,
      created: false,
    };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: userName }],
    format: 'object',
  });
  const stored = passphrase ? await openpgp.encryptKey({ privateKey, passphrase }) : privateKey;
  await writeFileAtomic(path, stored.armor(), { mode: 0o600 });
  chmodSync(path, 0o600);
  return {
    privateKey,
    publicArmored: privateKey.toPublic().armor(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
    path,
    created: true,
  };
}

/** clearsign makes an InRelease-style clear-signed text. */
export async function clearsign(
  key: openpgp.PrivateKey,
  text: string,
  date: Date,
): Promise<string> {
  const message = await openpgp.createCleartextMessage({ text });
  return openpgp.sign({ message, signingKeys: key, date, format: 'armored' }) as Promise<string>;
}

/** detachSign makes an armored detached binary signature over the exact bytes (Release.gpg). */
export async function detachSign(
  key: openpgp.PrivateKey,
  text: string,
  date: Date,
): Promise<string> {
  const message = await openpgp.createMessage({ binary: Buffer.from(text, 'utf8') });
  return openpgp.sign({
    message,
    signingKeys: key,
    date,
    detached: true,
    format: 'armored',
  }) as Promise<string>;
}
