/**
 * Loading keys for the CLI: one or more --key files, or every public key in
 * a --keyring folder (files ending in .pub or .pem holding a PUBLIC KEY).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import {
  keyFileKind,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  type PrivateKey,
  type PublicKey,
} from '../core/keys.js';
import { isReadableByOthers, readTextFile } from './files.js';
import { printWarning, type Io } from './output.js';
import { readPassphrase } from './passphrase.js';

export function loadPublicKeys(
  keyFiles: readonly string[],
  keyringDir: string | undefined,
): PublicKey[] {
  const keys = keyFiles.map((f) => parsePublicKeyFile(readTextFile(f, 'key file'), f));
  if (keyringDir !== undefined) {
    let names: string[];
    try {
      names = readdirSync(keyringDir);
    } catch (e) {
      throw new InputError(
        'KEYRING_UNREADABLE',
        `cannot read keyring folder ${keyringDir}: ${(e as Error).message}`,
        { file: keyringDir },
      );
    }
    const files = names.filter((n) => /\.(pub|pem)$/.test(n)).sort();
    for (const n of files) {
      const path = join(keyringDir, n);
      const text = readTextFile(path, 'key file');
      if (keyFileKind(text, path) === 'public') keys.push(parsePublicKeyFile(text, path));
    }
    if (keys.length === 0) {
      throw new InputError(
        'KEYRING_EMPTY',
        `keyring folder ${keyringDir} holds no public keys (*.pub or *.pem)`,
        { file: keyringDir, hint: "copy the signer's .pub file into it" },
      );
    }
  }
  return keys;
}

export function loadPrivateKey(io: Io, keyFile: string): PrivateKey {
  const text = readTextFile(keyFile, 'key file');
  const kind = keyFileKind(text, keyFile);
  if (kind !== 'public' && isReadableByOthers(keyFile))
    printWarning(io, `${keyFile} is readable by other users (chmod 600 it)`);
  const passphrase = kind === 'encrypted-private' ? readPassphrase(io, keyFile) : undefined;
  return parsePrivateKeyFile(
    text,
    passphrase === undefined ? { file: keyFile } : { file: keyFile, passphrase },
  );
}
