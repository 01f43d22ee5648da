/**
 * OpenSSH private key files ("-----BEGIN OPENSSH PRIVATE KEY-----",
 * PROTOCOL.key), unencrypted only: an encrypted key belongs in ssh-agent, which
 * signs without Sigil ever reading it. Ed25519 and ECDSA P-256. Pure.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import { parseSshPublicKeyBlob, type SshPublicKey } from './public-key.js';
import { WireReader } from './wire.js';

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

export function looksLikeOpenSshPrivateKey(text: string): boolean {
  return text.includes(BEGIN);
}

export interface OpenSshPrivateKey {
  readonly publicKey: SshPublicKey;
  readonly key: KeyObject;
}

/** parseOpenSshPrivateKey reads an unencrypted key; an encrypted one is refused with a hint to use ssh-agent. */
export function parseOpenSshPrivateKey(text: string, file = 'SSH private key'): OpenSshPrivateKey {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a)
    throw new InputError('SSH_KEY_INVALID', `${file}: not an OpenSSH private key`);
  const blob = Buffer.from(text.slice(a + BEGIN.length, b).replace(/\s+/g, ''), 'base64');
  const r = new WireReader(blob, file);
  if (!r.raw(MAGIC.length, 'magic').equals(MAGIC))
    throw new InputError('SSH_KEY_INVALID', `${file}: not an openssh-key-v1 key`);
  const cipher = r.text('cipher name');
  r.text('kdf name');
  r.string('kdf options');
  if (cipher !== 'none') {
    throw new InputError(
      'SSH_KEY_ENCRYPTED',
      `${file} is protected by a passphrase, and sigil signs with such keys only through ssh-agent`,
      {
        hint: `run \`ssh-add ${file}\` (with SSH_AUTH_SOCK set) and sign again`,
      },
    );
  }
  if (r.uint32('key count') !== 1)
    throw new InputError(
      'SSH_KEY_INVALID',
      `${file}: holds several keys; sigil reads files with one`,
    );
  const publicKey = parseSshPublicKeyBlob(r.string('public key'), `${file}: public key`);
  const priv = new WireReader(r.string('private section'), file);
  if (priv.uint32('check') !== priv.uint32('check'))
    throw new InputError(
      'SSH_KEY_INVALID',
      `${file}: check bytes differ (corrupt or wrongly decrypted)`,
    );
  const type = priv.text('key type');
  let jwk: Record<string, string>;
  const pubJwk = publicKey.key.export({ format: 'jwk' }) as Record<string, string>;
  if (type === 'ssh-ed25519') {
    priv.string('public key');
    const sk = priv.string('private key');
    if (sk.length !== 64)
      throw new InputError('SSH_KEY_INVALID', `${file}: an ed25519 private key is 64 bytes`);
    jwk = { ...pubJwk, d: sk.subarray(0, 32).toString('base64url') };
  } else if (type === 'ecdsa-sha2-nistp256') {
    priv.text('curve');
    priv.string('public point');
    const d = priv.mpint('private scalar');
    if (d.length > 32)
      throw new InputError('SSH_KEY_INVALID', `${file}: the P-256 scalar is too long`);
    jwk = { ...pubJwk, d: Buffer.concat([Buffer.alloc(32 - d.length), d]).toString('base64url') };
  } else {
    throw new InputError(
      'SSH_KEY_UNSUPPORTED',
      `${file}: sigil signs with ssh-ed25519 or ecdsa-sha2-nistp256 keys, not ${type}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    throw new InputError('SSH_KEY_INVALID', `${file}: ${(e as Error).message}`);
  }
  return { publicKey, key };
}
