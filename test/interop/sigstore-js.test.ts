// Interop: bundles made by `sigil sign` are verified by sigstore-js's own verifier
// (@sigstore/verify), given our public key, with no transparency log or timestamps
// (thresholds 0: the log arrives in a later issue).
//
// sigstore-js verifies the DSSE signature over PAE; like every DSSE consumer
// (npm's provenance check, cosign verify-attestation) it leaves matching the
// in-toto subject against the artifact to the caller. The tampered-artifact case
// therefore runs sigstore-js and then the subject comparison npm does.
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { npmPack, type Packed } from '../helpers/npm-pack.js';

const emptyRoot = TrustedRoot.fromJSON({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
});

function sigstoreVerify(bundleJson: unknown, pubPemFile: string): void {
  const pub = createPublicKey(readFileSync(pubPemFile, 'utf8').replace(/^#.*\n/gm, ''));
  const keyId = createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const trust = toTrustMaterial(emptyRoot, (hint: string) => {
    if (hint !== keyId) throw new Error(`no key for hint ${hint}`);
    return { publicKey: pub, validFor: () => true };
  });
  const verifier = new Verifier(trust, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    tsaThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundleFromJSON(bundleJson)));
}

function subjectSha512(bundleJson: { dsseEnvelope: { payload: string } }): string {
  const statement = JSON.parse(
    Buffer.from(bundleJson.dsseEnvelope.payload, 'base64').toString('utf8'),
  );
  return statement.subject[0].digest.sha512;
}

describe.each(['ed25519', 'ecdsa-p256'])('sigstore-js verifies sigil bundles (%s)', (algorithm) => {
  let dir: string;
  let pkg: Packed;
  let priv: string;
  let pub: string;
  let bundle: {
    dsseEnvelope: {
      payload: string;
      payloadType: string;
      signatures: { sig: string; keyid: string }[];
    };
    verificationMaterial: { publicKey: { hint: string } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-sigstore-'));
    pkg = npmPack(dir, { name: '@interop/hello', version: '1.0.0' });
    const kg = await runCli([
      'keygen',
      '--algorithm',
      algorithm,
      '--out',
      join(dir, 'keys'),
      '--json',
    ]);
    expect(kg.code).toBe(0);
    ({ privateKey: priv, publicKey: pub } = JSON.parse(kg.stdout));
    const s = await runCli(['sign', pkg.path, '--key', priv]);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    bundle = JSON.parse(readFileSync(`${pkg.path}.sigstore.json`, 'utf8'));
  });

  it('accepts the bundle with our public key', () => {
    expect(() => sigstoreVerify(bundle, pub)).not.toThrow();
    // and the subject is the tarball npm packed
    expect(Buffer.from(subjectSha512(bundle), 'hex').toString('base64')).toBe(
      pkg.integrity.replace(/^sha512-/, ''),
    );
  });

  it('rejects a tampered payload', () => {
    const statement = JSON.parse(
      Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'),
    );
    statement.subject[0].digest.sha512 = 'ab'.repeat(64);
    const forged = structuredClone(bundle);
    forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    expect(() => sigstoreVerify(forged, pub)).toThrow(/signature verification failed/);
  });

  it('rejects a changed payload type', () => {
    const forged = structuredClone(bundle);
    forged.dsseEnvelope.payloadType = 'application/json';
    expect(() => sigstoreVerify(forged, pub)).toThrow(/signature verification failed/);
  });

  it('rejects the bundle with another key', async () => {
    const other = await runCli([
      'keygen',
      '--algorithm',
      algorithm,
      '--out',
      join(dir, 'other'),
      '--json',
    ]);
    const otherPub = JSON.parse(other.stdout).publicKey;
    // same hint, other key: the signature must not verify
    const otherPem = readFileSync(otherPub, 'utf8');
    const lying = join(dir, 'lying.pub');
    writeFileSync(lying, otherPem);
    const trustOther = () => {
      const pubKey = createPublicKey(otherPem.replace(/^#.*\n/gm, ''));
      const trust = toTrustMaterial(emptyRoot, () => ({ publicKey: pubKey, validFor: () => true }));
      new Verifier(trust, {
        tlogThreshold: 0,
        ctlogThreshold: 0,
        tsaThreshold: 0,
        timestampThreshold: 0,
      }).verify(toSignedEntity(bundleFromJSON(bundle)));
    };
    expect(trustOther).toThrow(/signature verification failed/);
    // and with only the other key known, the hint finds nothing
    expect(() => sigstoreVerify(bundle, otherPub)).toThrow(/no key for hint/);
  });

  it('rejects a tampered artifact: the verified subject no longer matches', () => {
    const tampered = Buffer.from(readFileSync(pkg.path));
    tampered[tampered.length - 5]! ^= 0x01;
    sigstoreVerify(bundle, pub); // the bundle itself is still validly signed …
    const actual = createHash('sha512').update(tampered).digest('hex');
    expect(subjectSha512(bundle)).not.toBe(actual); // … but not for these bytes
  });
});
