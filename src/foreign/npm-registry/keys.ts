/**
 * npm registry signing keys: the `/-/npm/v1/keys` document, and the Sigstore
 * TUF target `registry.npmjs.org/keys.json` that `npm audit signatures`
 * prefers (npm/cli lib/utils/verify-signatures.js `setKeys`).
 *
 *     GET /-/npm/v1/keys → {"keys":[{"expires":null|ISO-8601,"keyid":"SHA256:…",
 *                          "keytype":"ecdsa-sha2-nistp256","scheme":"ecdsa-sha2-nistp256","key":"<base64 SPKI DER>"}]}
 *     TUF keys.json      → {"keys":[{"keyId":"SHA256:…","keyUsage":"npm:signatures",
 *                          "publicKey":{"rawBytes":"<base64 SPKI DER>","keyDetails":"PKIX_ECDSA_P256_SHA_256",
 *                                       "validFor":{"start":ISO,"end":ISO?}}}]}
 *
 * npm matches `keyid` as a plain string (it never recomputes it from the key)
 * and checks neither `keytype` nor `scheme`; Sigil does the same.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../../core/errors.js';

/** NpmRegistryKey is one registry signing key. */
export interface NpmRegistryKey {
  readonly keyid: string;
  /** ISO-8601 expiry, or null for "does not expire". */
  readonly expires: string | null;
  readonly keytype: string;
  readonly scheme: string;
  /** Base64 SPKI DER, as served. */
  readonly key: string;
  /** The parsed public key. */
  readonly publicKey: KeyObject;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function spki(base64: string): KeyObject | undefined {
  // npm wraps the base64 in PEM armour (`pemkey`); parsing the DER directly is the same key.
  if (!/^[A-Za-z0-9+/=\s]+$/.test(base64)) return undefined;
  try {
    return createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/**
 * parseNpmKeys reads a keys document in either shape (already JSON-parsed, or
 * as text). Throws {@link ValidationError} listing every bad entry; a document
 * with `{"keys": []}` is valid and means "this registry signs nothing".
 */
export function parseNpmKeys(doc: unknown): NpmRegistryKey[] {
  let value = doc;
  if (typeof doc === 'string' || doc instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof doc === 'string' ? doc : Buffer.from(doc).toString('utf8'));
    } catch {
      throw new ValidationError('npm keys document', ['not valid JSON']);
    }
  }
  if (!isRecord(value) || !Array.isArray(value['keys']))
    throw new ValidationError('npm keys document', ['expected an object with a "keys" array']);
  const problems: string[] = [];
  const keys: NpmRegistryKey[] = [];
  for (const [i, entry] of (value['keys'] as unknown[]).entries()) {
    if (!isRecord(entry)) {
      problems.push(`keys[${i}] is not an object`);
      continue;
    }
    const tuf = isRecord(entry['publicKey']) ? entry['publicKey'] : undefined;
    const keyid = tuf ? entry['keyId'] : entry['keyid'];
    const key = tuf ? tuf['rawBytes'] : entry['key'];
    const validFor = tuf && isRecord(tuf['validFor']) ? tuf['validFor'] : undefined;
    const expires = tuf ? (validFor?.['end'] ?? null) : (entry['expires'] ?? null);
    if (typeof keyid !== 'string' || keyid === '') problems.push(`keys[${i}].keyid is missing`);
    if (typeof key !== 'string') problems.push(`keys[${i}].key is missing`);
    if (expires !== null && (typeof expires !== 'string' || Number.isNaN(Date.parse(expires))))
      problems.push(`keys[${i}].expires is not null or an ISO-8601 date`);
    if (typeof keyid !== 'string' || typeof key !== 'string') continue;
    const publicKey = spki(key);
    if (publicKey === undefined) {
      problems.push(`keys[${i}].key (${keyid}) is not a base64 SubjectPublicKeyInfo`);
      continue;
    }
    const keytype = tuf ? String(tuf['keyDetails'] ?? '') : String(entry['keytype'] ?? '');
    const scheme = tuf ? keytype : String(entry['scheme'] ?? '');
    keys.push({
      keyid,
      expires: typeof expires === 'string' ? expires : null,
      keytype,
      scheme,
      key,
      publicKey,
    });
  }
  if (problems.length > 0) throw new ValidationError('npm keys document', problems);
  return keys;
}
