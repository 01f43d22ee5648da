/**
 * The witness key, `<dir>/witness.key`: an Ed25519 key in the same file
 * format as every other Sigil private key (comment lines, then PKCS#8 PEM
 * encrypted with a passphrase: AES-256-CBC, PBES2; see core/keys.ts), plus a
 * `# witness name:` line. The name and public key make the witness's
 * cosignature verifier key (c2sp.org/tlog-cosignature: type 0x04), printed in
 * `# vkey:`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { formatPrivateKeyFile, generateKey, parsePrivateKeyFile } from '../core/keys.js';
import {
  cosignatureNoteSigner,
  formatVerifierKey,
  isValidKeyName,
  type NoteSigner,
} from '../log/note-key.js';
import { writeFileDurable } from '../io/durable-file.js';

export const WITNESS_KEY_FILE = 'witness.key';

/** WitnessKey is a loaded witness key. */
export interface WitnessKey {
  readonly name: string;
  readonly signer: NoteSigner & { readonly publicKey: Uint8Array };
  /** The cosignature/v1 verifier key: `name+hash+base64(0x04||pub)`. */
  readonly vkey: string;
  readonly path: string;
  readonly worldReadable: boolean;
}

/** unixNow is the default witness clock, in seconds. */
export const unixNow = (): bigint => BigInt(Math.floor(Date.now() / 1000));

function seedOf(pemKey: ReturnType<typeof parsePrivateKeyFile>): Uint8Array {
  if (pemKey.algorithm !== 'ed25519')
    throw new InputError('WITNESS_KEY_INVALID', 'a witness key must be Ed25519');
  const jwk = pemKey.key.export({ format: 'jwk' }) as { d?: string };
  return new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'));
}

/** createWitnessKey writes a new encrypted witness key named `name` to `<dir>/witness.key` (mode 0600). */
export async function createWitnessKey(
  dir: string,
  name: string,
  passphrase: string | undefined,
  options: { unencrypted?: boolean; now?: () => bigint } = {},
): Promise<WitnessKey> {
  if (!isValidKeyName(name))
    throw new InputError(
      'WITNESS_NAME_INVALID',
      `invalid witness name ${JSON.stringify(name)}: no spaces or "+"`,
      { hint: 'use a host name, e.g. witness.example.org' },
    );
  const path = join(dir, WITNESS_KEY_FILE);
  if (existsSync(path))
    throw new InputError('WITNESS_KEY_EXISTS', `${path} already exists`, {
      file: path,
      hint: 'a witness keeps its key: remove the file only to start a new witness',
    });
  const key = generateKey('ed25519');
  const signer = cosignatureNoteSigner(name, seedOf(key), options.now ?? unixNow);
  const vkey = formatVerifierKey(signer);
  const pem = formatPrivateKeyFile(key, {
    ...(passphrase ? { passphrase } : {}),
    unencrypted: Boolean(options.unencrypted),
  });
  await writeFileDurable(
    path,
    Buffer.from(`# sigil witness key\n# witness name: ${name}\n# vkey: ${vkey}\n${pem}`, 'utf8'),
    0o600,
  );
  return { name, signer, vkey, path, worldReadable: false };
}

/** readWitnessKeyInfo reads name and vkey of a witness key without decrypting it. */
export function readWitnessKeyInfo(
  dir: string,
): { name: string; vkey: string; path: string } | undefined {
  const path = join(dir, WITNESS_KEY_FILE);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const name = /^# witness name: (\S+)$/m.exec(text)?.[1];
  const vkey = /^# vkey: (\S+)$/m.exec(text)?.[1];
  if (name === undefined || vkey === undefined)
    throw new InputError(
      'WITNESS_KEY_INVALID',
      `${path} is not a witness key (no "# witness name:" line)`,
      { file: path },
    );
  return { name, vkey, path };
}

/** loadWitnessKey reads and decrypts `<dir>/witness.key`. Throws InputError (missing key, wrong passphrase). */
export function loadWitnessKey(
  dir: string,
  passphrase: string | undefined,
  now: () => bigint = unixNow,
): WitnessKey {
  const info = readWitnessKeyInfo(dir);
  if (info === undefined) {
    throw new InputError('WITNESS_KEY_MISSING', `no witness key in ${dir}`, {
      hint: 'create one with `sigil witness init --name NAME --data DIR`',
    });
  }
  const key = parsePrivateKeyFile(readFileSync(info.path, 'utf8'), {
    ...(passphrase ? { passphrase } : {}),
    file: info.path,
  });
  const signer = cosignatureNoteSigner(info.name, seedOf(key), now);
  const vkey = formatVerifierKey(signer);
  if (vkey !== info.vkey)
    throw new InputError(
      'WITNESS_KEY_INVALID',
      `${info.path}: the "# vkey:" line does not match the key`,
      { file: info.path },
    );
  return {
    name: info.name,
    signer,
    vkey,
    path: info.path,
    worldReadable: (statSync(info.path).mode & 0o077) !== 0,
  };
}
