// Keyless Sigstore bundles, verified offline against the shipped public-good trusted root.
//
// Fixture: the real npm provenance bundle (SLSA v1, Sigstore bundle v0.3) of @playwright/cli@0.1.1,
// served by https://registry.npmjs.org/-/npm/v1/attestations/@playwright%2fcli@0.1.1 and vendored at
// https://github.com/mitchdenny/sigstore-dotnet/blob/8e727a41622a570874085377615f600be328877f/samples/data/playwright-cli-0.1.1-provenance.sigstore.json
// Signed 2026-02-14 by GitHub Actions (microsoft/playwright-cli publish.yml), Rekor log index 953297574.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { VerificationResult } from '../../src/core/verdict.js';
import {
  PUBLIC_GOOD_TRUSTED_ROOT,
  parseNpmAttestations,
  verifySigstoreBundle,
  verifySigstoreBundleFile,
} from '../../src/foreign/sigstore/index.js';

const fixture = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'sigstore',
  'playwright-cli-0.1.1.provenance.sigstore.json',
);
const real = (): any => JSON.parse(readFileSync(fixture, 'utf8'));
const identity = {
  issuer: 'https://token.actions.githubusercontent.com',
  subjectAlternativeName:
    'https://github.com/microsoft/playwright-cli/.github/workflows/publish.yml@refs/tags/v0.1.1',
};
const statuses = (r: VerificationResult) =>
  Object.fromEntries(r.checks.map((c) => [c.name, `${c.status}:${c.code}`]));
const failed = (r: VerificationResult) =>
  r.checks.filter((c) => c.status === 'fail').map((c) => c.code);

describe('Sigstore bundles: a real npm provenance bundle', () => {
  it('verifies every step, with the expected GitHub Actions identity', () => {
    const r = verifySigstoreBundle(real(), { identity });
    expect(statuses(r)).toEqual({
      bundle: 'pass:SIGSTORE_BUNDLE_VALID',
      timestamp: 'pass:SIGSTORE_TIMESTAMP_VALID',
      certificate: 'pass:SIGSTORE_CERT_CHAIN_VALID',
      tlog: 'pass:SIGSTORE_TLOG_INCLUDED',
      signature: 'pass:SIGSTORE_SIGNATURE_VALID',
      identity: 'pass:SIGSTORE_IDENTITY_MATCH',
    });
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.name === 'timestamp')?.detail?.['timestamps']).toEqual([
      '2026-02-14T23:28:43.000Z',
    ]);
    expect(r.checks.find((c) => c.name === 'tlog')?.reason).toContain(
      'SET and inclusion proof with signed checkpoint',
    );
  });

  it('reads it from disk, as text and as bytes', async () => {
    expect((await verifySigstoreBundleFile(fixture, { identity })).ok).toBe(true);
    expect(verifySigstoreBundle(readFileSync(fixture, 'utf8'), { identity }).ok).toBe(true);
    expect(verifySigstoreBundle(readFileSync(fixture), { identity }).ok).toBe(true);
  });

  it('accepts a RegExp SAN and warns when no identity is pinned', () => {
    expect(
      verifySigstoreBundle(real(), {
        identity: { subjectAlternativeName: /^https:\/\/github\.com\/microsoft\/playwright-cli\// },
      }).ok,
    ).toBe(true);
    const r = verifySigstoreBundle(real());
    expect(r.ok).toBe(true);
    expect(statuses(r)['identity']).toBe('warn:SIGSTORE_IDENTITY_UNCHECKED');
  });

  it('fails the identity check for another workflow, repository or issuer', () => {
    const wrong = [
      {
        ...identity,
        subjectAlternativeName: identity.subjectAlternativeName.replace('v0.1.1', 'v0.1.2'),
      },
      {
        ...identity,
        subjectAlternativeName:
          'https://github.com/attacker/playwright-cli/.github/workflows/publish.yml@refs/tags/v0.1.1',
      },
      { ...identity, issuer: 'https://gitlab.com' },
      // A string is exact, never a pattern: the "." here must not match any character.
      {
        subjectAlternativeName:
          'https://github.com/microsoft/playwright-cli/.github/workflows/publish.yml@refs/tags/v0.1.',
      },
    ];
    for (const w of wrong)
      expect(failed(verifySigstoreBundle(real(), { identity: w }))).toEqual([
        'SIGSTORE_IDENTITY_MISMATCH',
      ]);
  });

  it('checks an artifact against the statement subject', () => {
    const r = verifySigstoreBundle(real(), { identity, artifact: Buffer.from('not the tarball') });
    expect(failed(r)).toEqual(['SIGSTORE_SUBJECT_MISMATCH']);
  });

  it('accepts the same signed content in the v0.1 and v0.2 bundle shapes', () => {
    // Only the unsigned wrapper differs: v0.1/v0.2 carry the certificate as a one-element chain.
    for (const mediaType of [
      'application/vnd.dev.sigstore.bundle+json;version=0.1',
      'application/vnd.dev.sigstore.bundle+json;version=0.2',
    ]) {
      const b = real();
      b.mediaType = mediaType;
      b.verificationMaterial.x509CertificateChain = {
        certificates: [b.verificationMaterial.certificate],
      };
      delete b.verificationMaterial.certificate;
      expect(verifySigstoreBundle(b, { identity }).ok, mediaType).toBe(true);
    }
  });
});

describe('Sigstore bundles: tampered copies fail, naming the step', () => {
  it('a changed statement (payload) fails the signature and the tlog body', () => {
    const b = real();
    const stmt = Buffer.from(b.dsseEnvelope.payload, 'base64')
      .toString('utf8')
      .replace('cli@0.1.1', 'cli@0.1.2');
    b.dsseEnvelope.payload = Buffer.from(stmt).toString('base64');
    const r = verifySigstoreBundle(b, { identity });
    expect(failed(r)).toEqual(['SIGSTORE_TLOG_INVALID', 'SIGSTORE_SIGNATURE_INVALID']);
  });

  it('a flipped signature byte fails', () => {
    const b = real();
    const sig = Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64');
    sig[20]! ^= 1;
    b.dsseEnvelope.signatures[0].sig = sig.toString('base64');
    expect(verifySigstoreBundle(b, { identity }).ok).toBe(false);
  });

  it('a changed inclusion proof, root hash or checkpoint signature fails the tlog check', () => {
    const mutate: ((b: any) => void)[] = [
      (b) =>
        (b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[3] =
          b.verificationMaterial.tlogEntries[0].inclusionProof.hashes[4]),
      (b) => (b.verificationMaterial.tlogEntries[0].inclusionProof.logIndex = '831393311'),
      (b) =>
        (b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope =
          b.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope.replace(
            'wNI9ajBGAiEAmgEV',
            'wNI9ajBGAiEAmgEW',
          )),
      (b) =>
        (b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp =
          'MEUCIQ' +
          b.verificationMaterial.tlogEntries[0].inclusionPromise.signedEntryTimestamp.slice(6)),
      (b) => (b.verificationMaterial.tlogEntries[0].logIndex = '953297575'),
    ];
    for (const [i, m] of mutate.entries()) {
      const b = real();
      m(b);
      expect(failed(verifySigstoreBundle(b, { identity })), `mutation ${i}`).toContain(
        'SIGSTORE_TLOG_INVALID',
      );
    }
  });

  it('an integrated time outside the certificate validity fails the certificate check', () => {
    const b = real();
    b.verificationMaterial.tlogEntries[0].integratedTime = String(
      Number(b.verificationMaterial.tlogEntries[0].integratedTime) + 3600,
    );
    const r = verifySigstoreBundle(b, { identity });
    expect(r.ok).toBe(false);
    expect(failed(r)).toContain('SIGSTORE_CERT_INVALID');
  });

  it('a trusted root without the Fulcio CA says the certificate is not trusted', () => {
    const root = structuredClone(PUBLIC_GOOD_TRUSTED_ROOT) as any;
    root.certificateAuthorities = [];
    const r = verifySigstoreBundle(real(), { identity, trustedRoot: root });
    expect(failed(r)).toEqual(['SIGSTORE_CERT_INVALID']);
    expect(statuses(r)['signature']).toBe('skip:SIGSTORE_SIGNATURE_UNCHECKED');
  });

  it('a trusted root without Rekor fails the tlog and timestamp checks', () => {
    const root = structuredClone(PUBLIC_GOOD_TRUSTED_ROOT) as any;
    root.tlogs = [];
    const r = verifySigstoreBundle(real(), { identity, trustedRoot: root });
    expect(failed(r)).toContain('SIGSTORE_TLOG_INVALID');
  });
});

describe('Sigstore bundles: hostile input', () => {
  it('turns garbage into verdicts', () => {
    const cases: [unknown, string][] = [
      ['{not json', 'SIGSTORE_BUNDLE_MALFORMED'],
      [null, 'SIGSTORE_BUNDLE_MALFORMED'],
      [{}, 'SIGSTORE_BUNDLE_MALFORMED'],
      [
        { ...real(), mediaType: 'application/vnd.dev.sigstore.bundle.v9+json' },
        'SIGSTORE_BUNDLE_MALFORMED',
      ],
      [{ ...real(), dsseEnvelope: undefined }, 'SIGSTORE_BUNDLE_MALFORMED'],
    ];
    for (const [input, code] of cases) {
      const r = verifySigstoreBundle(input);
      expect(r.ok).toBe(false);
      expect(failed(r)[0]).toBe(code);
    }
    const badCert = real();
    badCert.verificationMaterial.certificate.rawBytes = 'AAAA';
    expect(failed(verifySigstoreBundle(badCert))[0]).toBe('SIGSTORE_BUNDLE_MALFORMED');
    const badBody = real();
    badBody.verificationMaterial.tlogEntries[0].canonicalizedBody =
      Buffer.from('{"not": json').toString('base64');
    expect(failed(verifySigstoreBundle(badBody, { identity }))).toContain('SIGSTORE_TLOG_INVALID');
  });

  it('rejects a bad trusted root as configuration error', () => {
    expect(() => verifySigstoreBundle(real(), { trustedRoot: { tlogs: 'no' } })).toThrow(
      InputError,
    );
  });

  it('never throws on arbitrary JSON or mutated bundles (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => void verifySigstoreBundle(v)),
      { numRuns: 200 },
    );
    const text = readFileSync(fixture, 'utf8');
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (at, ch) => {
        void verifySigstoreBundle(text.slice(0, at) + ch + text.slice(at + 1));
      }),
      { numRuns: 200 },
    );
  });

  it('splits an npm attestations document', () => {
    const doc = {
      attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: real() }],
    };
    const [a] = parseNpmAttestations(doc);
    expect(verifySigstoreBundle(a!.bundle, { identity }).ok).toBe(true);
    expect(() => parseNpmAttestations({ attestations: [{}] })).toThrow(/attestations\[0\]/);
  });
});
