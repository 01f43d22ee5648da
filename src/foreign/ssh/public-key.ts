/**
 * SSH public keys: the `authorized_keys` / `.pub` line ("ssh-ed25519 AAAA… comment")
 * and the wire blob inside it, turned into node KeyObjects through JWK.
 *
 * Supported: ssh-ed25519, ecdsa-sha2-nistp256 (the two Sigil signs with) and, for
 * verifying others' sshsig files and git objects, ecdsa-sha2-nistp384/521 and ssh-rsa.
 * Security keys (sk-*) and certificates are refused with a clear error.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import { WireReader, wireMpint, wireString } from './wire.js';

export type SshKeyType =
  'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

export interface SshPublicKey {
  readonly type: SshKeyType;
  /** The wire blob (what the base64 in a .pub line encodes). */
  readonly blob: Buffer;
  readonly key: KeyObject;
  /** OpenSSH's fingerprint: SHA256:<base64 without padding> of the blob. */
  readonly fingerprint: string;
  readonly comment?: string;
}

const CURVES: Record<string, { crv: string; name: string; size: number }> = {
  'ecdsa-sha2-nistp256': { crv: 'P-256', name: 'nistp256', size: 32 },
  'ecdsa-sha2-nistp384': { crv: 'P-384', name: 'nistp384', size: 48 },
  'ecdsa-sha2-nistp521': { crv: 'P-521', name: 'nistp521', size: 66 },
};

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** parseSshPublicKeyBlob reads a key from its wire blob. */
export function parseSshPublicKeyBlob(
  blob: Uint8Array,
  what = 'SSH public key',
  comment?: string,
): SshPublicKey {
  const r = new WireReader(blob, what);
  const type = r.text('key type');
  let jwk: Record<string, string>;
  if (type === 'ssh-ed25519') {
    const pk = r.string('ed25519 key');
    if (pk.length !== 32)
      throw new InputError(
        'SSH_KEY_INVALID',
        `${what}: an ed25519 key is 32 bytes, not ${pk.length}`,
      );
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(pk) };
  } else if (CURVES[type]) {
    const c = CURVES[type]!;
    const curve = r.text('curve name');
    if (curve !== c.name)
      throw new InputError('SSH_KEY_INVALID', `${what}: key type ${type} names curve ${curve}`);
    const q = r.string('public point');
    if (q.length !== 1 + 2 * c.size || q[0] !== 4)
      throw new InputError(
        'SSH_KEY_INVALID',
        `${what}: the ${c.name} point is not an uncompressed point`,
      );
    jwk = {
      kty: 'EC',
      crv: c.crv,
      x: b64url(q.subarray(1, 1 + c.size)),
      y: b64url(q.subarray(1 + c.size)),
    };
  } else if (type === 'ssh-rsa') {
    const e = r.mpint('rsa exponent');
    const n = r.mpint('rsa modulus');
    if (n.length * 8 < 2048 - 8)
      throw new InputError(
        'SSH_KEY_WEAK',
        `${what}: an RSA key of ${n.length * 8} bits is too short (2048 at least)`,
      );
    jwk = { kty: 'RSA', e: b64url(e), n: b64url(n) };
  } else if (type.startsWith('sk-')) {
    throw new InputError(
      'SSH_KEY_UNSUPPORTED',
      `${what}: security-key (FIDO) SSH keys (${type}) are not supported yet`,
      { hint: 'use an ssh-ed25519 or ecdsa-sha2-nistp256 key' },
    );
  } else if (type.includes('-cert-v01@openssh.com')) {
    throw new InputError(
      'SSH_KEY_UNSUPPORTED',
      `${what}: SSH certificates (${type}) are not supported; give the plain public key`,
    );
  } else {
    throw new InputError(
      'SSH_KEY_UNSUPPORTED',
      `${what}: unsupported SSH key type "${type}" (supported: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)`,
    );
  }
  if (r.remaining !== 0)
    throw new InputError(
      'SSH_KEY_INVALID',
      `${what}: ${r.remaining} trailing bytes after the ${type} key`,
    );
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (e) {
    throw new InputError(
      'SSH_KEY_INVALID',
      `${what}: not a valid ${type} key (${(e as Error).message})`,
    );
  }
  const out: SshPublicKey = {
    type: type as SshKeyType,
    blob: Buffer.from(blob),
    key,
    fingerprint: sshFingerprint(blob),
  };
  return comment !== undefined && comment !== '' ? { ...out, comment } : out;
}

/** parseSshPublicKeyLine reads "type base64 [comment]" (a .pub file or the key part of an allowed_signers line). */
export function parseSshPublicKeyLine(line: string, what = 'SSH public key'): SshPublicKey {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2)
    throw new InputError(
      'SSH_KEY_INVALID',
      `${what}: expected "<type> <base64> [comment]", got "${line.trim().slice(0, 60)}"`,
    );
  const [type, data, ...comment] = parts as [string, string, ...string[]];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data))
    throw new InputError('SSH_KEY_INVALID', `${what}: the key data is not base64`);
  const key = parseSshPublicKeyBlob(Buffer.from(data, 'base64'), what, comment.join(' '));
  if (key.type !== type)
    throw new InputError(
      'SSH_KEY_INVALID',
      `${what}: the line says ${type} but the key inside is ${key.type}`,
    );
  return key;
}

/** sshBlobOf builds the wire blob of an Ed25519 or ECDSA node key (for keys imported from Sigil's side). */
export function sshBlobOf(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519')
    return Buffer.concat([wireString('ssh-ed25519'), wireString(Buffer.from(jwk.x!, 'base64url'))]);
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const q = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x!, 'base64url'),
      Buffer.from(jwk.y!, 'base64url'),
    ]);
    return Buffer.concat([
      wireString('ecdsa-sha2-nistp256'),
      wireString('nistp256'),
      wireString(q),
    ]);
  }
  if (jwk.kty === 'RSA')
    return Buffer.concat([
      wireString('ssh-rsa'),
      wireMpint(Buffer.from(jwk.e!, 'base64url')),
      wireMpint(Buffer.from(jwk.n!, 'base64url')),
    ]);
  throw new InputError(
    'SSH_KEY_UNSUPPORTED',
    `cannot express a ${key.asymmetricKeyType} key as an SSH key`,
  );
}
