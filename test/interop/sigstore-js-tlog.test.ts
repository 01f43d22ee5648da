// Interop: a release signed with a Sigil key is submitted to Sigil's Rekor v2
// endpoint (a real fastify server on 127.0.0.1 over the in-memory log); the
// returned TransparencyLogEntry goes into the bundle, and sigstore-js's own
// verifier (@sigstore/verify 3.1) checks the bundle INCLUDING the tlog
// inclusion proof and the checkpoint signature (tlogThreshold 1) against the
// TrustedRoot that makeTrustedRoot (`sigil log trust-root`) exports.
//
// @sigstore/sign 4.1 cannot be used with a key-based signer against a Rekor
// v2 log: its DSSE request always claims an X.509 certificate with ECDSA
// P-256 (witness/tlog/entry.js toCreateEntryRequestDSSE), whatever the key;
// a strict log (rekor-tiles too) refuses that. A test below pins this down;
// the bundle is therefore built by Sigil (src/core) plus the returned entry.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, RekorWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsCondition, skipUnlessPresent } from '../helpers/real-program.js';
import { makeBundle, type SigilBundle } from '../../src/core/bundle.js';
import { type KeyAlgorithm, generateKey, type PrivateKey, spkiDer } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { parseVerifierKey, verifyNote } from '../../src/log/index.js';
import {
  checkTransparencyLogEntry,
  makeTrustedRoot,
  type TransparencyLogEntryJson,
} from '../../src/log/rekor/index.js';
import { rekorRoutes } from '../../src/registry/personalities/rekor/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Harness {
  app: FastifyInstance;
  log: MemoryLog;
  baseUrl: string;
}

async function startLog(): Promise<Harness> {
  const port = await freePort();
  // The origin is the log URL without its scheme (c2sp.org/tlog-tiles); the key is named after it.
  const log = new MemoryLog({ origin: `127.0.0.1:${port}` });
  const app = Fastify();
  await app.register(rekorRoutes, { log, maxBodyBytes: 64 * 1024 });
  await app.listen({ host: '127.0.0.1', port });
  return { app, log, baseUrl: `http://127.0.0.1:${port}` };
}

function createEntryRequest(bundle: SigilBundle, key: PrivateKey): unknown {
  return {
    dsseRequestV002: {
      envelope: bundle.dsseEnvelope,
      verifiers: [
        {
          publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
          keyDetails: key.algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
        },
      ],
    },
  };
}

async function submit(
  h: Harness,
  body: unknown,
): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(`${h.baseUrl}/api/v2/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json(), headers: r.headers };
}

function sigstoreVerify(bundleJson: unknown, trustedRootJson: unknown, key: PrivateKey): void {
  const root = TrustedRoot.fromJSON(trustedRootJson);
  const trust = toTrustMaterial(root, (hint: string) => {
    if (hint !== key.publicKey.keyId) throw new Error(`no key for hint ${hint}`);
    return { publicKey: key.publicKey.key, validFor: () => true };
  });
  const verifier = new Verifier(trust, {
    tlogThreshold: 1,
    ctlogThreshold: 0,
    tsaThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundleFromJSON(bundleJson)));
}

const digests = (data: string) => ({
  sha256: createHash('sha256').update(data).digest('hex'),
  sha512: createHash('sha512').update(data).digest('hex'),
});

describe.each<KeyAlgorithm>(['ed25519', 'ecdsa-p256'])(
  'sigstore-js verifies Sigil log entries (%s release key)',
  (algorithm) => {
    let h: Harness;
    let key: PrivateKey;
    let bundle: SigilBundle & { verificationMaterial: { tlogEntries: TransparencyLogEntryJson[] } };
    let root: ReturnType<typeof makeTrustedRoot>;

    beforeAll(async () => {
      h = await startLog();
      // Some earlier entries, so that the proof has hashes on both sides.
      for (let i = 0; i < 5; i++) {
        const other = signRelease({
          purl: `pkg:npm/filler@1.0.${i}`,
          digests: digests(`filler ${i}`),
          key: generateKey(algorithm),
        });
        expect((await submit(h, createEntryRequest(other, generateKey(algorithm)))).status).toBe(
          400,
        ); // wrong key: refused
      }
      for (let i = 0; i < 5; i++) {
        const k = generateKey(algorithm);
        const other = signRelease({
          purl: `pkg:npm/filler@1.0.${i}`,
          digests: digests(`filler ${i}`),
          key: k,
        });
        expect((await submit(h, createEntryRequest(other, k))).status).toBe(201);
      }
      key = generateKey(algorithm);
      const signed = signRelease({
        purl: 'pkg:npm/%40interop/hello@1.0.0',
        digests: digests('hello'),
        key,
      });
      const r = await submit(h, createEntryRequest(signed, key));
      expect(r.status).toBe(201);
      expect(r.json.kindVersion).toEqual({ kind: 'dsse', version: '0.0.2' });
      expect(r.json.logIndex).toBe('5');
      for (let i = 0; i < 3; i++) {
        const k = generateKey(algorithm);
        await submit(
          h,
          createEntryRequest(
            signRelease({ purl: `pkg:npm/later@2.0.${i}`, digests: digests(`later ${i}`), key: k }),
            k,
          ),
        );
      }
      bundle = makeBundle(signed.dsseEnvelope, key.publicKey.keyId, [r.json]) as typeof bundle;
      root = makeTrustedRoot({ baseUrl: h.baseUrl, verifierKey: h.log.verifierKey });
    });

    afterAll(async () => {
      await h?.app.close();
    });

    it('accepts the bundle with its inclusion proof and checkpoint (tlogThreshold 1)', () => {
      expect(() => sigstoreVerify(bundle, root, key)).not.toThrow();
    });

    it("and so do Sigil's own entry check and the C2SP note verifier, with the same single signature line", () => {
      const entry = bundle.verificationMaterial.tlogEntries[0]!;
      const v = parseVerifierKey(h.log.verifierKey);
      const r = checkTransparencyLogEntry(entry, { verifiers: [v], envelope: bundle.dsseEnvelope });
      expect(r.checks.map((c) => `${c.name}:${c.status}`)).toEqual([
        'log-id:pass',
        'checkpoint:pass',
        'inclusion:pass',
        'tlog-body:pass',
      ]);
      const envelope = entry.inclusionProof.checkpoint.envelope;
      expect(envelope.split('\n').filter((l) => l.startsWith('\u2014 '))).toHaveLength(1);
      expect(verifyNote(envelope, [v]).ok).toBe(true);
    });

    it('re-submitting the same entry returns its existing index', async () => {
      const r = await submit(h, createEntryRequest(bundle, key));
      expect(r.status).toBe(200);
      expect(r.json.logIndex).toBe('5');
      expect(() =>
        sigstoreVerify(makeBundle(bundle.dsseEnvelope, key.publicKey.keyId, [r.json]), root, key),
      ).not.toThrow();
    });

    const tamper = (f: (e: any) => void) => {
      const b = structuredClone(bundle) as any;
      f(b.verificationMaterial.tlogEntries[0]);
      return b;
    };

    it('rejects an altered inclusion proof hash', () => {
      const b = tamper((e) => {
        const h0 = Buffer.from(e.inclusionProof.hashes[0], 'base64');
        h0[0]! ^= 1;
        e.inclusionProof.hashes[0] = h0.toString('base64');
      });
      expect(() => sigstoreVerify(b, root, key)).toThrow(/calculated root hash does not match/);
    });

    it('rejects a dropped or extra proof hash and a wrong log index', () => {
      expect(() =>
        sigstoreVerify(
          tamper((e) => e.inclusionProof.hashes.pop()),
          root,
          key,
        ),
      ).toThrow(/invalid hash count/);
      expect(() =>
        sigstoreVerify(
          tamper((e) => e.inclusionProof.hashes.push(e.inclusionProof.hashes[0])),
          root,
          key,
        ),
      ).toThrow(/invalid hash count/);
      expect(() =>
        sigstoreVerify(
          tamper((e) => (e.inclusionProof.logIndex = '4')),
          root,
          key,
        ),
      ).toThrow(/TLOG|hash/i);
    });

    it('rejects an altered root hash in the checkpoint (its signature no longer verifies)', () => {
      const b = tamper((e) => {
        const lines = e.inclusionProof.checkpoint.envelope.split('\n');
        const r = Buffer.from(lines[2], 'base64');
        r[31]! ^= 1;
        lines[2] = r.toString('base64');
        e.inclusionProof.checkpoint.envelope = lines.join('\n');
      });
      expect(() => sigstoreVerify(b, root, key)).toThrow(/invalid checkpoint signature/);
    });

    it('an altered inclusionProof.rootHash: sigstore-js 3.1 ignores that field (it uses the signed checkpoint); Sigil rejects it', () => {
      const b = tamper((e) => {
        const r = Buffer.from(e.inclusionProof.rootHash, 'base64');
        r[0]! ^= 1;
        e.inclusionProof.rootHash = r.toString('base64');
      });
      // sigstore-js proves inclusion under the checkpoint's root, which is still authentic.
      expect(() => sigstoreVerify(b, root, key)).not.toThrow();
      const r = checkTransparencyLogEntry(b.verificationMaterial.tlogEntries[0], {
        verifiers: [parseVerifierKey(h.log.verifierKey)],
      });
      expect(r.ok).toBe(false);
      expect(r.checks.at(-1)!.code).toBe('TLOG_CHECKPOINT_MISMATCH');
    });

    it('rejects an altered checkpoint signature', () => {
      const b = tamper((e) => {
        const env: string = e.inclusionProof.checkpoint.envelope;
        const m = /\u2014 (\S+) (\S+)\n$/.exec(env)!;
        const sig = Buffer.from(m[2]!, 'base64');
        sig[10]! ^= 1;
        e.inclusionProof.checkpoint.envelope = env.replace(m[2]!, sig.toString('base64'));
      });
      expect(() => sigstoreVerify(b, root, key)).toThrow(/invalid checkpoint signature/);
    });

    it('rejects the entry against the trusted root of another log', () => {
      const other = new MemoryLog({ origin: h.baseUrl.replace(/^http:\/\//, '') });
      expect(() =>
        sigstoreVerify(
          bundle,
          makeTrustedRoot({ baseUrl: h.baseUrl, verifierKey: other.verifierKey }),
          key,
        ),
      ).toThrow(/invalid checkpoint signature/);
    });

    it('rejects a body recording another envelope', () => {
      const b = structuredClone(bundle) as any;
      const other = signRelease({
        purl: 'pkg:npm/%40interop/hello@1.0.1',
        digests: digests('hello 2'),
        key,
      });
      b.dsseEnvelope = other.dsseEnvelope;
      expect(() => sigstoreVerify(b, root, key)).toThrow(
        /tlog entry signature mismatch|payload hash mismatch/,
      );
    });
  },
);

describe('@sigstore/sign 4.1 with a key-based signer and this log as its Rekor v2', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startLog();
  });
  afterAll(async () => {
    await h?.app.close();
  });

  it('sends a request that claims an X.509 certificate for a bare public key, which the log refuses with a 400 naming the field', async () => {
    const key = generateKey('ecdsa-p256');
    const pem = key.publicKey.key.export({ type: 'spki', format: 'pem' }).toString();
    const builder = new DSSEBundleBuilder({
      signer: {
        sign: async (data: Buffer) => ({
          signature: (await import('../../src/core/keys.js')).signBytes(key, data),
          key: { $case: 'publicKey', publicKey: pem, hint: key.publicKey.keyId },
        }),
      },
      witnesses: [new RekorWitness({ rekorBaseURL: h.baseUrl, majorApiVersion: 2, retry: false })],
    });
    const err = await builder
      .create({ data: Buffer.from('{"hello":1}'), type: 'application/json' })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { cause?: unknown },
      );
    expect(err).toBeDefined();
    expect(
      String(err?.message ?? '') + String((err?.cause as Error | undefined)?.message ?? ''),
    ).toMatch(
      /\(400\) dsseRequestV002\.verifiers\[0\]\.x509Certificate\.rawBytes is not a DER X\.509 certificate/,
    );
    expect(h.log.size).toBe(0);
  });
});

// The same checkpoint signature line, checked by Go's golang.org/x/mod/sumdb/note
// (test/go/tlogcheck, built in GOPATH mode against Debian's golang-golang-x-mod-dev).
const goNote = needsCondition(
  'go with golang.org/x/mod/sumdb/note',
  spawnSync('go', ['version']).status === 0 &&
    existsSync('/usr/share/gocode/src/golang.org/x/mod/sumdb/note'),
  'apt-get install golang-go golang-golang-x-mod-dev',
  'test/interop/sigstore-js-tlog.test.ts',
);
describe.skipIf(skipUnlessPresent(goNote))(
  'Go sumdb/note verifies the checkpoint of a Rekor v2 answer with the log vkey',
  () => {
    let dir = '';
    let bin = '';
    beforeAll(() => {
      goNote.require();
      dir = mkdtempSync(join(tmpdir(), 'sigil-go-note-'));
      bin = join(dir, 'tlogcheck');
      execFileSync('go', ['build', '-o', bin, '.'], {
        cwd: join(import.meta.dirname, '..', 'go', 'tlogcheck'),
        env: {
          ...process.env,
          GO111MODULE: 'off',
          GOPATH: `${join(dir, 'gp')}:/usr/share/gocode`,
          GOCACHE: join(dir, 'cache'),
          GOFLAGS: '',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }, 120_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('accepts the one signature line sigstore-js accepts, and rejects it altered', async () => {
      const h = await startLog();
      try {
        const key = generateKey('ed25519');
        const signed = signRelease({ purl: 'pkg:npm/go-check@1.0.0', digests: digests('go'), key });
        const r = await submit(h, createEntryRequest(signed, key));
        const cp: string = r.json.inclusionProof.checkpoint.envelope;
        const altered = cp.replace(/\n1\n/, '\n2\n');
        const out = JSON.parse(
          execFileSync(bin, [], {
            input: JSON.stringify({
              notes: [
                { vkey: h.log.verifierKey, msg: cp },
                { vkey: h.log.verifierKey, msg: altered },
              ],
            }),
          }).toString(),
        );
        expect(out.notes[0]).toBe(h.log.origin);
        expect(out.notes[1]).toMatch(/^error: /);
        // and sigstore-js accepts the very same entry
        const root = makeTrustedRoot({ baseUrl: h.baseUrl, verifierKey: h.log.verifierKey });
        expect(() =>
          sigstoreVerify(makeBundle(signed.dsseEnvelope, key.publicKey.keyId, [r.json]), root, key),
        ).not.toThrow();
      } finally {
        await h.app.close();
      }
    });
  },
);
