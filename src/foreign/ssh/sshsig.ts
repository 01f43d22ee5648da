/**
 * SSHSIG: OpenSSH's detached signature format (PROTOCOL.sshsig), what
 * `ssh-keygen -Y sign` writes and git uses for `gpg.format=ssh`.
 *
 *   blob   = "SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
 *            string(hash_algorithm) string(signature)
 *   signed = "SSHSIG" string(namespace) string(reserved) string(hash_algorithm) string(H(message))
 *
 * Pure: bytes in, parsed structure or verification out.
 */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import { parseSshPublicKeyBlob, type SshPublicKey } from './public-key.js';
import { WireReader, wireString } from './wire.js';

const MAGIC = Buffer.from('SSHSIG');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';

export type SshsigHash = 'sha256' | 'sha512';

export interface SshSignature {
  readonly version: number;
  readonly publicKey: SshPublicKey;
  readonly namespace: string;
  readonly reserved: Buffer;
  readonly hashAlgorithm: SshsigHash;
  /** The inner signature blob: string(algorithm) string(bytes). */
  readonly signature: Buffer;
  /** The signature algorithm named inside the signature blob (ssh-ed25519, rsa-sha2-512, …). */
  readonly signatureAlgorithm: string;
}

export function looksLikeSshsig(text: string): boolean {
  return text.trimStart().startsWith(BEGIN);
}

/** parseSshsigArmor reads the armored form; `what` names the file in errors. */
export function parseSshsigArmor(text: string, what = 'SSH signature'): SshSignature {
  const trimmed = text.replace(/\r\n/g, '\n').trim();
  if (!trimmed.startsWith(BEGIN))
    throw new InputError('SSHSIG_MALFORMED', `${what}: does not start with "${BEGIN}"`, {
      hint: 'an SSH signature is what `ssh-keygen -Y sign` writes',
    });
  const end = trimmed.indexOf(END);
  if (end < 0)
    throw new InputError(
      'SSHSIG_MALFORMED',
      `${what}: no "${END}" line (the file looks truncated)`,
    );
  if (trimmed.slice(end + END.length).trim() !== '')
    throw new InputError('SSHSIG_MALFORMED', `${what}: text after "${END}"`);
  const body = trimmed.slice(BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0)
    throw new InputError('SSHSIG_MALFORMED', `${what}: the armor body is not base64`);
  return parseSshsigBlob(Buffer.from(body, 'base64'), what);
}

export function parseSshsigBlob(blob: Uint8Array, what = 'SSH signature'): SshSignature {
  const r = new WireReader(blob, what);
  if (!r.raw(6, 'magic').equals(MAGIC))
    throw new InputError('SSHSIG_MALFORMED', `${what}: not an SSHSIG blob (bad magic)`);
  const version = r.uint32('version');
  if (version !== 1)
    throw new InputError(
      'SSHSIG_UNSUPPORTED',
      `${what}: SSHSIG version ${version} is not supported (only 1)`,
    );
  const publicKey = parseSshPublicKeyBlob(r.string('public key'), `${what}: public key`);
  const namespace = r.text('namespace');
  const reserved = r.string('reserved');
  const hash = r.text('hash algorithm');
  if (hash !== 'sha256' && hash !== 'sha512')
    throw new InputError(
      'SSHSIG_UNSUPPORTED',
      `${what}: hash algorithm "${hash}" is not allowed (sha256 or sha512)`,
    );
  const signature = r.string('signature');
  if (r.remaining !== 0)
    throw new InputError('SSHSIG_MALFORMED', `${what}: ${r.remaining} trailing bytes`);
  const signatureAlgorithm = new WireReader(signature, `${what}: signature`).text(
    'signature algorithm',
  );
  return {
    version,
    publicKey,
    namespace,
    reserved,
    hashAlgorithm: hash,
    signature,
    signatureAlgorithm,
  };
}

/** sshsigSignedData is the byte string the key actually signs. */
export function sshsigSignedData(
  namespace: string,
  hashAlgorithm: SshsigHash,
  message: Uint8Array,
  reserved: Uint8Array = Buffer.alloc(0),
): Buffer {
  const h = createHash(hashAlgorithm).update(message).digest();
  return Buffer.concat([
    MAGIC,
    wireString(namespace),
    wireString(reserved),
    wireString(hashAlgorithm),
    wireString(h),
  ]);
}

const ECDSA_HASH: Record<string, string> = {
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};
const ECDSA_SIZE: Record<string, number> = {
  'ecdsa-sha2-nistp256': 32,
  'ecdsa-sha2-nistp384': 48,
  'ecdsa-sha2-nistp521': 66,
};

/**
 * verifySshSignatureBlob checks an SSH signature blob (string(alg) string(sig)) by `key` over `data`.
 * Returns false for a wrong signature; throws SSHSIG_UNSUPPORTED when the algorithm does not fit the key.
 */
export function verifySshSignatureBlob(
  key: SshPublicKey,
  sigBlob: Uint8Array,
  data: Uint8Array,
): boolean {
  const r = new WireReader(sigBlob, 'signature');
  const alg = r.text('signature algorithm');
  const sig = r.string('signature bytes');
  if (key.type === 'ssh-ed25519') {
    if (alg !== 'ssh-ed25519')
      throw new InputError(
        'SSHSIG_UNSUPPORTED',
        `an ssh-ed25519 key cannot make a ${alg} signature`,
      );
    return sig.length === 64 && cryptoVerify(null, data, key.key, sig);
  }
  if (key.type === 'ssh-rsa') {
    // SHA-1 RSA signatures (alg "ssh-rsa") are refused, as ssh-keygen -Y verify does.
    const hash = alg === 'rsa-sha2-512' ? 'sha512' : alg === 'rsa-sha2-256' ? 'sha256' : undefined;
    if (hash === undefined)
      throw new InputError(
        'SSHSIG_UNSUPPORTED',
        `RSA signature algorithm "${alg}" is not allowed (rsa-sha2-256 or rsa-sha2-512)`,
      );
    return cryptoVerify(hash, data, key.key, sig);
  }
  if (alg !== key.type)
    throw new InputError('SSHSIG_UNSUPPORTED', `a ${key.type} key cannot make a ${alg} signature`);
  const inner = new WireReader(sig, 'ecdsa signature');
  const size = ECDSA_SIZE[alg]!;
  const rr = inner.mpint('r');
  const ss = inner.mpint('s');
  if (rr.length > size || ss.length > size) return false;
  const p1363 = Buffer.concat([
    Buffer.alloc(size - rr.length),
    rr,
    Buffer.alloc(size - ss.length),
    ss,
  ]);
  return cryptoVerify(ECDSA_HASH[alg]!, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, p1363);
}

/** sshsigArmor builds the armored SSHSIG for a signature blob made over sshsigSignedData(namespace, hash, message). */
export function sshsigArmor(
  publicKeyBlob: Uint8Array,
  namespace: string,
  hashAlgorithm: SshsigHash,
  signatureBlob: Uint8Array,
): string {
  const version = Buffer.alloc(4);
  version.writeUInt32BE(1, 0);
  const blob = Buffer.concat([
    MAGIC,
    version,
    wireString(publicKeyBlob),
    wireString(namespace),
    wireString(Buffer.alloc(0)),
    wireString(hashAlgorithm),
    wireString(signatureBlob),
  ]);
  const b64 = blob.toString('base64');
  const lines = b64.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}
