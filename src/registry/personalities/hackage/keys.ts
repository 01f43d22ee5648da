/**
 * The registry's hackage-security keys (Ed25519): a root key (signs root.json)
 * and an online key (timestamp, snapshot, mirrors), created on first start under
 * `<data>/keys/hackage-root.pem` and `hackage-online.pem` (PKCS#8, encrypted with
 * SIGIL_SERVER_PASSPHRASE when it is set, mode 0600).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../core/errors.js';
import { writeFileAtomic } from '../../../store/durable-file.js';
import { canonicalJson, type CanonicalValue } from './canonical-json.js';

export interface HackageKey {
  readonly privateKey: KeyObject;
  /** The key as root.json lists it. */
  readonly keyObject: { keytype: 'ed25519'; keyval: { public: string } };
  /** sha256 of the canonical JSON of keyObject, hex (hackage-security's key id). */
  readonly keyId: string;
}

export function hackageKeyOf(privateKey: KeyObject): HackageKey {
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
  const keyObject = { keytype: 'ed25519' as const, keyval: { public: raw.toString('base64') } };
  return { privateKey, keyObject, keyId: createHash('sha256').update(canonicalJson(keyObject)).digest('hex') };
}

async function loadOrCreate(path: string, passphrase: string | undefined): Promise<HackageKey> {
  if (existsSync(path)) {
    const pem = readFileSync(path, 'utf8');
    const encrypted = pem.includes('ENCRYPTED PRIVATE KEY');
    if (encrypted && !passphrase) throw new InputError('KEY_PASSPHRASE_REQUIRED', `${path} is encrypted`, { file: path, hint: 'set SIGIL_SERVER_PASSPHRASE to the passphrase it was created with' });
    try {
      return hackageKeyOf(createPrivateKey(encrypted ? { key: pem, passphrase: passphrase! } : pem));
    } catch {
      throw new InputError(encrypted ? 'KEY_PASSPHRASE_WRONG' : 'KEY_INVALID', `${path}: ${encrypted ? 'wrong passphrase' : 'not an Ed25519 private key in PEM'}`, { file: path });
    }
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = passphrase ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) : privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeFileAtomic(path, Buffer.from(pem.toString(), 'utf8'), 0o600);
  chmodSync(path, 0o600);
  return hackageKeyOf(privateKey);
}

export async function loadOrCreateHackageKeys(dataDir: string, passphrase: string | undefined): Promise<{ root: HackageKey; online: HackageKey }> {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { root: await loadOrCreate(join(dir, 'hackage-root.pem'), passphrase), online: await loadOrCreate(join(dir, 'hackage-online.pem'), passphrase) };
}

/** signRole wraps `signed` as hackage-security does: {"signed": …, "signatures": [{keyid, method, sig}]}. */
export function signRole(signed: { [k: string]: CanonicalValue }, keys: readonly HackageKey[]): Buffer {
  const bytes = Buffer.from(canonicalJson(signed), 'utf8');
  const signatures = keys.map((k) => ({ keyid: k.keyId, method: 'ed25519', sig: sign(null, bytes, k.privateKey).toString('base64') }));
  return Buffer.from(canonicalJson({ signed, signatures }), 'utf8');
}
