/**
 * The registry's hackage-security keys (Ed25519): a root key (signs root.json)
 * and an online key (timestamp, snapshot, mirrors), created on first start under
 * `<data>/keys/hackage-root.key` and `hackage-online.key` (Sigil key files, as the
 * registry key: encrypted with SIGIL_SERVER_PASSPHRASE when it is set, mode 0600).
 */
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { loadOrCreateServerKey } from '../../registry-key.js';
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
  return {
    privateKey,
    keyObject,
    keyId: createHash('sha256').update(canonicalJson(keyObject)).digest('hex'),
  };
}

export async function loadOrCreateHackageKeys(
  dataDir: string,
  passphrase: string | undefined,
): Promise<{ root: HackageKey; online: HackageKey }> {
  const load = (file: string) =>
    hackageKeyOf(
      loadOrCreateServerKey(
        dataDir,
        file,
        'ed25519',
        passphrase,
        'hackage-security keys are ed25519',
      ).key.key,
    );
  return { root: load('hackage-root.key'), online: load('hackage-online.key') };
}

/** signRole wraps `signed` as hackage-security does: {"signed": …, "signatures": [{keyid, method, sig}]}. */
export function signRole(
  signed: { [k: string]: CanonicalValue },
  keys: readonly HackageKey[],
): Buffer {
  const bytes = Buffer.from(canonicalJson(signed), 'utf8');
  const signatures = keys.map((k) => ({
    keyid: k.keyId,
    method: 'ed25519',
    sig: sign(null, bytes, k.privateKey).toString('base64'),
  }));
  return Buffer.from(canonicalJson({ signed, signatures }), 'utf8');
}
