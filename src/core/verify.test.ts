import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUNDLE_V03_MEDIA_TYPE, makeBundle, serializeBundle } from './bundle.js';
import { digestBytes } from './digest.js';
import { signEnvelope } from './dsse.js';
import { VerificationError } from './errors.js';
import { generateKey } from './keys.js';
import { signRelease } from './sign.js';
import { IN_TOTO_PAYLOAD_TYPE } from './statement.js';
import { verifyRelease, verifyReleaseOrThrow, type VerifyReleaseInput } from './verify.js';

const key = generateKey();
const other = generateKey('ecdsa-p256');
const data = Buffer.from('the release bytes');
const purl = 'pkg:npm/%40demo/left-pad@1.3.0';
const digests = digestBytes(data);
const bundle = signRelease({ purl, digests, key });
const json = serializeBundle(bundle);

function run(over: Partial<VerifyReleaseInput> = {}) {
  return verifyRelease({
    bundle: json,
    bundleFile: 'b.json',
    artifact: { name: 'a.tgz', digests, purl },
    trustedKeys: [key.publicKey],
    ...over,
  });
}
const codes = (r: ReturnType<typeof run>) =>
  Object.fromEntries(r.checks.map((c) => [c.name, `${c.status}:${c.code}`]));

describe('verifyRelease', () => {
  it('passes every check for the signed artifact', () => {
    const r = run();
    expect(r.ok).toBe(true);
    expect(codes(r)).toEqual({
      bundle: 'pass:BUNDLE_OK',
      statement: 'pass:STATEMENT_OK',
      subject: 'pass:DIGEST_MATCH',
      purl: 'pass:PURL_MATCH',
      signature: 'pass:SIGNATURE_VALID',
    });
    expect(r.signerKeyId).toBe(key.publicKey.keyId);
    expect(bundle.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
    expect(bundle.verificationMaterial.publicKey.hint).toBe(key.publicKey.keyId);
  });

  it('a tampered artifact fails the subject check, naming both digests', () => {
    const r = run({
      artifact: { name: 'a.tgz', digests: digestBytes(Buffer.from('other bytes')), purl },
    });
    expect(r.ok).toBe(false);
    expect(codes(r).subject).toBe('fail:DIGEST_MISMATCH');
    expect(r.checks.find((c) => c.name === 'subject')!.reason).toMatch(
      /a\.tgz is not the artifact that was signed: sha512 of the file is .+, the signature covers .+/,
    );
  });

  it('a tampered payload fails the signature', () => {
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    statement.subject[0].digest.sha256 = digestBytes(Buffer.from('evil')).sha256;
    const forged = {
      ...bundle,
      dsseEnvelope: {
        ...bundle.dsseEnvelope,
        payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      },
    };
    const r = run({ bundle: JSON.stringify(forged) });
    expect(codes(r).signature).toBe('fail:SIGNATURE_INVALID');
    expect(r.ok).toBe(false);
  });

  it('a signature by another key is untrusted, and names the key', () => {
    const r = run({ bundle: serializeBundle(signRelease({ purl, digests, key: other })) });
    expect(codes(r).signature).toBe('fail:KEY_UNTRUSTED');
    expect(r.checks.find((c) => c.name === 'signature')!.detail).toEqual({
      keyId: other.publicKey.keyId,
    });
  });

  it('a bundle made for another version or package fails the purl check', () => {
    for (const wrong of ['pkg:npm/%40demo/left-pad@1.3.1', 'pkg:npm/left-pad@1.3.0']) {
      const r = run({ bundle: serializeBundle(signRelease({ purl: wrong, digests, key })) });
      expect(codes(r).purl).toBe('fail:PURL_MISMATCH');
      expect(r.checks.find((c) => c.name === 'purl')!.reason).toContain(
        `the bundle was made for ${wrong}`,
      );
    }
  });

  it('truncated, non-JSON and wrong-media-type bundles fail at the bundle check', () => {
    expect(codes(run({ bundle: json.slice(0, json.length / 2) })).bundle).toBe(
      'fail:BUNDLE_NOT_JSON',
    );
    expect(run({ bundle: json.slice(0, json.length / 2) }).checks[0]!.reason).toMatch(/truncated/);
    expect(codes(run({ bundle: 'hello' })).bundle).toBe('fail:BUNDLE_NOT_JSON');
    expect(
      codes(run({ bundle: json.replace(BUNDLE_V03_MEDIA_TYPE, 'application/json') })).bundle,
    ).toBe('fail:BUNDLE_MEDIA_TYPE');
    expect(codes(run({ bundle: '{"mediaType":"' + BUNDLE_V03_MEDIA_TYPE + '"}' })).bundle).toBe(
      'fail:BUNDLE_INVALID',
    );
  });

  it('a payload that is not a release statement fails the statement check', () => {
    const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from('{"_type":"x"}'), key);
    expect(
      codes(run({ bundle: serializeBundle(makeBundle(env, key.publicKey.keyId)) })).statement,
    ).toBe('fail:STATEMENT_INVALID');
    const env2 = signEnvelope('text/plain', Buffer.from('hi'), key);
    expect(
      codes(run({ bundle: serializeBundle(makeBundle(env2, key.publicKey.keyId)) })).statement,
    ).toBe('fail:PAYLOAD_TYPE_UNKNOWN');
  });

  it('no trusted keys is a failure, not a pass', () => {
    expect(codes(run({ trustedKeys: [] })).signature).toBe('fail:NO_TRUSTED_KEYS');
  });

  it('verifyReleaseOrThrow throws VerificationError carrying the verdict', () => {
    expect(() =>
      verifyReleaseOrThrow({
        bundle: json,
        artifact: { name: 'a', digests: digestBytes(Buffer.from('x')), purl },
        trustedKeys: [key.publicKey],
      }),
    ).toThrow(VerificationError);
    expect(
      verifyReleaseOrThrow({
        bundle: json,
        artifact: { name: 'a', digests, purl },
        trustedKeys: [key.publicKey],
      }).ok,
    ).toBe(true);
  });

  it('never throws, whatever the bundle bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.nat(json.trimEnd().length - 1).map((n) => json.slice(0, n)),
        ),
        (b) => {
          const r = run({ bundle: b });
          expect(r.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never passes a bundle with any single character changed in its payload or signature', () => {
    fc.assert(
      fc.property(fc.nat(), fc.boolean(), (pos, inSig) => {
        const field = inSig ? bundle.dsseEnvelope.signatures[0]!.sig : bundle.dsseEnvelope.payload;
        // The last character before padding may carry only unused bits, so it is left alone.
        const i = pos % (field.replace(/=+$/, '').length - 1);
        const c = field[i] === 'A' ? 'B' : 'A';
        const mutated = field.slice(0, i) + c + field.slice(i + 1);
        const env = inSig
          ? {
              ...bundle.dsseEnvelope,
              signatures: [{ ...bundle.dsseEnvelope.signatures[0]!, sig: mutated }],
            }
          : { ...bundle.dsseEnvelope, payload: mutated };
        expect(run({ bundle: JSON.stringify({ ...bundle, dsseEnvelope: env }) }).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
