// npm registry signatures: real npmjs signatures and keys (see test/fixtures/npm-registry/README.md),
// plus vectors made with node:crypto for every outcome pacote distinguishes.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  npmIntegrityString,
  parseNpmKeys,
  verifyNpmManifest,
  verifyNpmPackument,
  verifyNpmSignaturesFile,
} from '../../src/foreign/npm-registry/index.js';
import { ValidationError } from '../../src/core/errors.js';
import { firstFailure } from '../../src/core/verdict.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'npm-registry');
const readJson = (name: string): unknown => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
const npmjsKeys = parseNpmKeys(readJson('npmjs-keys.json'));

describe('npm registry signatures: real npmjs data', () => {
  it("parses npmjs's real keys document", () => {
    expect(npmjsKeys.map((k) => [k.keyid, k.expires])).toEqual([
      ['SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA', '2025-01-29T00:00:00.000Z'],
      ['SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U', null],
    ]);
    expect(npmjsKeys[0]!.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('verifies real npmjs signatures on venv@0.1.0 and venv@0.2.0, and reports 1.0.1 as missing', () => {
    const results = verifyNpmPackument(readJson('venv.packument.json'), npmjsKeys);
    expect(results.map((r) => [r.subject, r.ok, r.checks[0]?.code])).toEqual([
      ['venv@0.1.0', true, 'NPM_SIGNATURE_VALID'],
      ['venv@0.2.0', true, 'NPM_SIGNATURE_VALID'],
      ['venv@1.0.1', false, 'NPM_SIGNATURE_MISSING'],
    ]);
  });

  it('verifies the real signature on tool5@5.0.1 (published 2024-10-09, before the key expired)', () => {
    const r = verifyNpmManifest(readJson('tool5-5.0.1.manifest.json'), npmjsKeys, {
      publishedAt: '2024-10-09T23:57:17.169Z',
    });
    expect(r.ok).toBe(true);
  });

  it('says "expired key" when the publish time is not before the key expiry, as npm does', () => {
    const p = readJson('venv.packument.json') as { time: Record<string, string> };
    p.time['0.1.0'] = '2025-01-29T00:00:00.000Z'; // equal is not "before"
    const [r] = verifyNpmPackument(p, npmjsKeys, { versions: ['0.1.0'] });
    expect(firstFailure(r!)?.code).toBe('NPM_SIGNATURE_KEY_EXPIRED');
    expect(firstFailure(r!)?.detail?.['npmCode']).toBe('EEXPIREDSIGNATUREKEY');
  });

  it('fails a real signature when the integrity, name or version is changed', () => {
    const base = readJson('tool5-5.0.1.manifest.json') as {
      name: string;
      version: string;
      dist: { integrity: string };
    };
    const opts = { publishedAt: '2024-10-09T23:57:17.169Z' };
    const changed = [
      { ...base, dist: { ...base.dist, integrity: base.dist.integrity.replace('gPCl', 'gPCm') } },
      { ...base, name: 'tool6' },
      { ...base, version: '5.0.2' },
    ];
    for (const m of changed)
      expect(firstFailure(verifyNpmManifest(m, npmjsKeys, opts))?.code).toBe(
        'NPM_SIGNATURE_INVALID',
      );
  });

  it('reads both files from disk', async () => {
    const results = await verifyNpmSignaturesFile(
      join(fixtures, 'venv.packument.json'),
      join(fixtures, 'npmjs-keys.json'),
      { versions: ['0.2.0'] },
    );
    expect(results.map((r) => r.ok)).toEqual([true]);
    const bad = await verifyNpmSignaturesFile(
      join(fixtures, 'README.md'),
      join(fixtures, 'npmjs-keys.json'),
    );
    expect(firstFailure(bad[0]!)?.code).toBe('NPM_MANIFEST_MALFORMED');
  });
});

describe('npm registry signatures: crafted vectors', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyid = `SHA256:${createHash('sha256').update(spki).digest('base64')}`;
  const keysDoc = {
    keys: [
      {
        expires: null,
        keyid,
        keytype: 'ecdsa-sha2-nistp256',
        scheme: 'ecdsa-sha2-nistp256',
        key: spki.toString('base64'),
      },
    ],
  };
  const keys = parseNpmKeys(keysDoc);
  const integrity = `sha512-${createHash('sha512').update('tarball').digest('base64')}`;
  const sig = (msg: string) => sign('sha256', Buffer.from(msg), privateKey).toString('base64');
  const manifest = (over: Record<string, unknown> = {}) => ({
    name: '@scope/pkg',
    version: '1.2.3',
    dist: { integrity, signatures: [{ keyid, sig: sig(`@scope/pkg@1.2.3:${integrity}`) }] },
    ...over,
  });

  it('passes a good signature and names each failure the way npm does', () => {
    expect(verifyNpmManifest(manifest(), keys).ok).toBe(true);
    const code = (m: unknown, k = keys) => firstFailure(verifyNpmManifest(m, k))?.code;
    expect(
      code(
        manifest({
          dist: { integrity, signatures: [{ keyid, sig: sig('other@1.0.0:' + integrity) }] },
        }),
      ),
    ).toBe('NPM_SIGNATURE_INVALID');
    expect(
      code(
        manifest({ dist: { integrity, signatures: [{ keyid: 'SHA256:unknown', sig: 'AAAA' }] } }),
      ),
    ).toBe('NPM_SIGNATURE_KEY_MISSING');
    expect(code(manifest({ dist: { integrity } }))).toBe('NPM_SIGNATURE_MISSING');
    expect(code(manifest({ dist: { integrity, signatures: [] } }))).toBe('NPM_SIGNATURE_MISSING');
    expect(
      code(manifest({ dist: { integrity, signatures: [{ keyid, sig: '%%% not base64 %%%' }] } })),
    ).toBe('NPM_SIGNATURE_INVALID');
    expect(code(manifest({ dist: { integrity, signatures: 'nope' } }))).toBe(
      'NPM_MANIFEST_MALFORMED',
    );
    expect(code(manifest({ dist: { integrity, signatures: [{ keyid: 7 }] } }))).toBe(
      'NPM_MANIFEST_MALFORMED',
    );
    expect(code({ name: 1 })).toBe('NPM_MANIFEST_MALFORMED');
    // Raw r||s (IEEE P1363) instead of DER does not verify in npm either.
    const p1363 = sign('sha256', Buffer.from(`@scope/pkg@1.2.3:${integrity}`), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
    expect(code(manifest({ dist: { integrity, signatures: [{ keyid, sig: p1363 }] } }))).toBe(
      'NPM_SIGNATURE_INVALID',
    );
  });

  it('requires every signature to pass (pacote throws at the first bad one)', () => {
    const good = { keyid, sig: sig(`@scope/pkg@1.2.3:${integrity}`) };
    const r = verifyNpmManifest(
      manifest({ dist: { integrity, signatures: [good, { keyid: 'SHA256:other', sig: 'AAAA' }] } }),
      keys,
    );
    expect(r.ok).toBe(false);
    expect(r.checks.map((c) => c.code)).toEqual([
      'NPM_SIGNATURE_VALID',
      'NPM_SIGNATURE_KEY_MISSING',
    ]);
  });

  it('skips (does not fail) when the registry has no keys, and judges expiry against publish time', () => {
    expect(verifyNpmManifest(manifest(), []).checks[0]?.code).toBe('NPM_SIGNATURE_SKIPPED');
    const expiring = parseNpmKeys({
      keys: [{ ...keysDoc.keys[0], expires: '2020-01-01T00:00:00.000Z' }],
    });
    expect(
      verifyNpmManifest(manifest(), expiring, { publishedAt: '2019-12-31T23:59:59.999Z' }).ok,
    ).toBe(true);
    expect(
      firstFailure(
        verifyNpmManifest(manifest(), expiring, { publishedAt: '2020-01-01T00:00:00.000Z' }),
      )?.code,
    ).toBe('NPM_SIGNATURE_KEY_EXPIRED');
    // No time at all: pacote's 2015-01-01 cutoff.
    expect(verifyNpmManifest(manifest(), expiring).ok).toBe(true);
    // Unreadable time: Date.parse gives NaN and npm's comparison says expired.
    expect(
      firstFailure(verifyNpmManifest(manifest(), expiring, { publishedAt: 'yesterday-ish' }))?.code,
    ).toBe('NPM_SIGNATURE_KEY_EXPIRED');
  });

  it('signs the shasum-derived integrity for old packages, and normalises integrity like ssri', () => {
    const shasum = createHash('sha1').update('tarball').digest('hex');
    const legacy = `sha1-${Buffer.from(shasum, 'hex').toString('base64')}`;
    expect(npmIntegrityString({ shasum })).toBe(legacy);
    const m = {
      name: 'old',
      version: '0.0.1',
      dist: { shasum, signatures: [{ keyid, sig: sig(`old@0.0.1:${legacy}`) }] },
    };
    expect(verifyNpmManifest(m, keys).ok).toBe(true);
    expect(npmIntegrityString({ integrity: '  sha1-a  sha512-b sha1-c bogus ' })).toBe(
      'sha1-a sha1-c sha512-b',
    );
  });

  it('reads the Sigstore TUF keys.json shape too', () => {
    const tuf = {
      keys: [
        {
          keyId: keyid,
          keyUsage: 'npm:signatures',
          publicKey: {
            rawBytes: spki.toString('base64'),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor: { start: '1999-01-01T00:00:00.000Z' },
          },
        },
      ],
    };
    const parsed = parseNpmKeys(tuf);
    expect(parsed[0]?.expires).toBeNull();
    expect(verifyNpmManifest(manifest(), parsed).ok).toBe(true);
  });

  it('rejects bad keys documents with every problem listed', () => {
    expect(() => parseNpmKeys('{not json')).toThrow(ValidationError);
    expect(() => parseNpmKeys({ nokeys: [] })).toThrow(ValidationError);
    try {
      parseNpmKeys({
        keys: [
          { keyid: 'a', key: '!!!' },
          { key: spki.toString('base64') },
          { keyid: 'b', key: spki.toString('base64'), expires: 'soon' },
        ],
      });
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).fields).toHaveLength(3);
    }
    expect(parseNpmKeys({ keys: [] })).toEqual([]);
  });

  it('never throws on arbitrary manifests and packuments (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        verifyNpmManifest(doc, keys);
        verifyNpmPackument(doc, keys);
        verifyNpmManifest({ name: 'x', version: '1', dist: doc }, keys);
      }),
    );
  });
});
