/**
 * The registry's hackage-security keys (Ed25519): a root key (signs root.json)
 * and an online key (timestamp, snapshot, mirrors), created on first start under
 * `<data>/keys/hackage-root.key` and `hackage-online.key` (Sigil key files, as the
 * registry key: encrypted with SIGIL_SERVER_PASSPHRASE when it is set, mode 0600).
 */
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../core/errors.js';
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

/**
 * The registry's hackage-security keys. Root keys are `keys/hackage-root.key`,
 * `hackage-root-2.key`, … (as many as `rootKeys`; root.json needs `threshold`
 * of them). To rotate one, move its file into `keys/hackage-root-retired/` and
 * restart: a fresh key takes its place, and the next root.json version is
 * signed by the old keys as well, so clients that trust them accept the new
 * ones (root-role.ts). Delete retired files once clients have updated.
 */
export interface HackageKeySet {
  /** The first root key. */
  readonly root: HackageKey;
  readonly roots: readonly HackageKey[];
  readonly threshold: number;
  /** Root keys moved to keys/hackage-root-retired/: they co-sign the next root version. */
  readonly retired: readonly HackageKey[];
  readonly online: HackageKey;
}

export interface HackageRootOptions {
  /** How many root keys root.json lists (default 1). */
  readonly rootKeys?: number;
  /** How many of them must sign root.json (default 1). */
  readonly rootThreshold?: number;
}

/** checkHackageRootOptions: 1 ≤ threshold ≤ rootKeys ≤ 16 (InputError CONFIG_INVALID otherwise). */
export function checkHackageRootOptions(options: HackageRootOptions): {
  count: number;
  threshold: number;
} {
  const count = options.rootKeys ?? 1;
  const threshold = options.rootThreshold ?? 1;
  if (!Number.isSafeInteger(count) || count < 1 || count > 16)
    throw new InputError('CONFIG_INVALID', `hackage rootKeys is ${count}; expected 1 to 16`);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > count)
    throw new InputError(
      'CONFIG_INVALID',
      `hackage rootThreshold is ${threshold}; expected 1 to rootKeys (${count})`,
    );
  return { count, threshold };
}

export const RETIRED_ROOT_KEYS = 'hackage-root-retired';

export async function loadOrCreateHackageKeys(
  dataDir: string,
  passphrase: string | undefined,
  options: HackageRootOptions = {},
): Promise<HackageKeySet> {
  const { count, threshold } = checkHackageRootOptions(options);
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
  const roots = Array.from({ length: count }, (_, i) =>
    load(i === 0 ? 'hackage-root.key' : `hackage-root-${i + 1}.key`),
  );
  const retiredDir = join(dataDir, 'keys', RETIRED_ROOT_KEYS);
  const retired = existsSync(retiredDir)
    ? readdirSync(retiredDir)
        .filter((f) => f.endsWith('.key'))
        .sort()
        .map((f) => load(join(RETIRED_ROOT_KEYS, f)))
    : [];
  return { root: roots[0]!, roots, threshold, retired, online: load('hackage-online.key') };
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
