/**
 * npm registry signatures (`dist.signatures`), checked as pacote does when
 * `npm audit signatures` runs (pacote lib/registry.js `manifest` with
 * `verifySignatures`; npm/cli lib/utils/verify-signatures.js):
 *
 * - message: `${name}@${version}:${integrity}` (UTF-8), integrity as in {@link npmIntegrityString};
 * - signature: base64 DER ECDSA P-256 over SHA-256 (`crypto.createVerify('SHA256')`);
 * - key: the registry key whose `keyid` equals the signature's `keyid` (plain string match);
 * - expiry: a key with `expires` only counts when the publish time
 *   `packument.time[version]` is strictly before it; a package with no time
 *   is taken as published 2015-01-01 (pacote `MISSING_TIME_CUTOFF`);
 * - every signature on the version must pass; with keys known for the
 *   registry, a version without signatures is "missing".
 *
 * Codes, with npm's own in `detail.npmCode`: `NPM_SIGNATURE_VALID`,
 * `NPM_SIGNATURE_INVALID` (EINTEGRITYSIGNATURE), `NPM_SIGNATURE_MISSING`
 * (npm's `missing[]`), `NPM_SIGNATURE_KEY_MISSING` (EMISSINGSIGNATUREKEY),
 * `NPM_SIGNATURE_KEY_EXPIRED` (EEXPIREDSIGNATUREKEY),
 * `NPM_SIGNATURE_SKIPPED` (registry has no keys: npm's "skipped"),
 * `NPM_MANIFEST_MALFORMED`, `NPM_VERSION_NOT_FOUND`.
 */
import { verify as cryptoVerify } from 'node:crypto';
import {
  fail,
  pass,
  skip,
  verdict,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { npmIntegrityString } from './integrity.js';
import type { NpmRegistryKey } from './keys.js';

/** MISSING_TIME_CUTOFF: pacote's publish time for packuments without a `time` entry. */
export const MISSING_TIME_CUTOFF = '2015-01-01T00:00:00.000Z';

/** NpmManifestOptions: facts about a version manifest that live outside it. */
export interface NpmManifestOptions {
  /** Publish time (`packument.time[version]`); default {@link MISSING_TIME_CUTOFF}. */
  readonly publishedAt?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * verifyNpmManifest verifies the registry signatures of one version manifest
 * (`packument.versions[v]`, or the document `GET /<name>/<version>` returns).
 */
export function verifyNpmManifest(
  manifest: unknown,
  keys: readonly NpmRegistryKey[],
  options: NpmManifestOptions = {},
): VerificationResult {
  if (
    !isRecord(manifest) ||
    typeof manifest['name'] !== 'string' ||
    typeof manifest['version'] !== 'string'
  ) {
    return verdict('npm manifest', [
      fail(
        'manifest',
        'NPM_MANIFEST_MALFORMED',
        'not an npm version manifest: expected an object with string "name" and "version"',
      ),
    ]);
  }
  const id = `${manifest['name']}@${manifest['version']}`;
  const dist = isRecord(manifest['dist']) ? manifest['dist'] : {};
  const integrity = npmIntegrityString(dist);
  const signatures = dist['signatures'];
  const publishedAt = options.publishedAt ?? MISSING_TIME_CUTOFF;
  const published = Date.parse(publishedAt);
  const subject = id;

  if (keys.length === 0) {
    return verdict(subject, [
      skip(
        'registry-signature',
        'NPM_SIGNATURE_SKIPPED',
        `${id}: signing keys were unavailable for this registry, so its signatures were not checked`,
      ),
    ]);
  }
  if (
    integrity === undefined ||
    signatures === undefined ||
    (Array.isArray(signatures) && signatures.length === 0)
  ) {
    // pacote sets _signatures only with an integrity; verify-signatures.js then counts the version as missing.
    const why =
      integrity === undefined
        ? 'has no dist.integrity or dist.shasum, so nothing was signed'
        : 'has no registry signatures (dist.signatures; a mirror or proxy that rewrites packuments may have stripped them — fetch the packument from the registry itself)';
    return verdict(subject, [
      fail(
        'registry-signature',
        'NPM_SIGNATURE_MISSING',
        `${id} ${why}, but the registry has signing keys`,
      ),
    ]);
  }
  if (!Array.isArray(signatures)) {
    return verdict(subject, [
      fail('registry-signature', 'NPM_MANIFEST_MALFORMED', `${id}: dist.signatures is not a list`),
    ]);
  }

  const message = Buffer.from(`${id}:${integrity}`, 'utf8');
  const checks: Check[] = [];
  for (const [i, s] of signatures.entries()) {
    if (!isRecord(s) || typeof s['keyid'] !== 'string' || typeof s['sig'] !== 'string') {
      checks.push(
        fail(
          'registry-signature',
          'NPM_MANIFEST_MALFORMED',
          `${id}: dist.signatures[${i}] needs string "keyid" and "sig"`,
        ),
      );
      continue;
    }
    const keyid = s['keyid'];
    const sig = s['sig'];
    const key = keys.find((k) => k.keyid === keyid);
    if (key === undefined) {
      checks.push(
        fail(
          'registry-signature',
          'NPM_SIGNATURE_KEY_MISSING',
          `${id} has a registry signature with keyid: ${keyid} but no corresponding public key can be found`,
          { keyid, npmCode: 'EMISSINGSIGNATUREKEY' },
        ),
      );
      continue;
    }
    // pacote: valid = !expires || publishedTime < Date.parse(expires). An unreadable time compares false: expired.
    if (key.expires !== null && !(published < Date.parse(key.expires))) {
      const when = Number.isNaN(published)
        ? `an unreadable publish time (${JSON.stringify(publishedAt)})`
        : `publish time ${publishedAt}`;
      checks.push(
        fail(
          'registry-signature',
          'NPM_SIGNATURE_KEY_EXPIRED',
          `${id} has a registry signature with keyid: ${keyid} but the corresponding public key has expired ${key.expires} (${when})`,
          { keyid, expires: key.expires, publishedAt, npmCode: 'EEXPIREDSIGNATUREKEY' },
        ),
      );
      continue;
    }
    let ok = false;
    try {
      // sig is attacker-controlled: base64 that is not DER simply fails to verify.
      ok = cryptoVerify('sha256', message, key.publicKey, Buffer.from(sig, 'base64'));
    } catch {
      ok = false;
    }
    checks.push(
      ok
        ? pass(
            'registry-signature',
            'NPM_SIGNATURE_VALID',
            `${id} has a verified registry signature (keyid ${keyid})`,
            { keyid, integrity, publishedAt },
          )
        : fail(
            'registry-signature',
            'NPM_SIGNATURE_INVALID',
            `${id} has an invalid registry signature with keyid: ${keyid} and signature: ${sig}`,
            { keyid, integrity, npmCode: 'EINTEGRITYSIGNATURE' },
          ),
    );
  }
  return verdict(subject, checks);
}

/** NpmPackumentOptions selects versions of a packument. */
export interface NpmPackumentOptions {
  /** Versions to verify; default every version in the packument. */
  readonly versions?: readonly string[];
}

/**
 * verifyNpmPackument verifies the registry signatures of versions of a full
 * packument (`GET /<name>` with `Accept: application/json`; the abbreviated
 * "corgi" document lacks `time`, so expiry could not be judged). Returns one
 * verdict per version, in the order asked.
 */
export function verifyNpmPackument(
  packument: unknown,
  keys: readonly NpmRegistryKey[],
  options: NpmPackumentOptions = {},
): VerificationResult[] {
  if (!isRecord(packument) || !isRecord(packument['versions'])) {
    return [
      verdict('npm packument', [
        fail(
          'manifest',
          'NPM_MANIFEST_MALFORMED',
          'not an npm packument: expected an object with a "versions" map',
        ),
      ]),
    ];
  }
  const versions = packument['versions'];
  const time = isRecord(packument['time']) ? packument['time'] : {};
  const name = typeof packument['name'] === 'string' ? packument['name'] : '(unnamed)';
  return (options.versions ?? Object.keys(versions)).map((v) => {
    if (!Object.hasOwn(versions, v))
      return verdict(`${name}@${v}`, [
        fail('manifest', 'NPM_VERSION_NOT_FOUND', `${name}@${v} is not in the packument`),
      ]);
    const t = time[v];
    return verifyNpmManifest(versions[v], keys, typeof t === 'string' ? { publishedAt: t } : {});
  });
}
