// A witnessed checkpoint still verifies with clients nobody here wrote: sigstore-js (@sigstore/verify)
// accepts a bundle whose checkpoint carries two witness cosignatures, and Go's sumdb/note (note.Open,
// the real Go code, built from Debian's golang-golang-x-mod-dev) accepts the cosigned checkpoint with
// the log key alone — both ignore signature lines of keys they do not know.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBundle } from '../../src/core/bundle.js';
import { generateKey, spkiDer } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { parseTlogPolicy, verifyCheckpointPolicy } from '../../src/log/policy.js';
import { makeTrustedRoot } from '../../src/log/rekor/index.js';
import { rekorRoutes } from '../../src/registry/personalities/rekor/index.js';
import { createWitnessKey } from '../../src/witness/key.js';
import { createWitnessServer } from '../../src/witness/server.js';
import { WitnessStore } from '../../src/witness/store.js';
import { WitnessedLog } from '../../src/witness/witnessed-log.js';
import { MemoryLog } from '../helpers/memory-log.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-witness-interop-'));
const go = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go golang-golang-x-mod-dev',
  'test/witness/interop.test.ts',
);
let app: FastifyInstance;
const witnessApps: FastifyInstance[] = [];
const stores: WitnessStore[] = [];
let log: MemoryLog;
let baseUrl = '';
let policyText = '';
let entry: any;
let bundle: unknown;
const key = generateKey('ed25519');

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

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  log = new MemoryLog({ origin: `127.0.0.1:${port}` });
  const lines: string[] = [`log ${log.verifierKey}`];
  for (let i = 1; i <= 2; i++) {
    const k = await createWitnessKey(join(root, `w${i}`), `w${i}.interop.test`, 'pw');
    const store = new WitnessStore(join(root, `w${i}`));
    store.addLog(log.verifierKey);
    const w = createWitnessServer({ store, key: k });
    const url = await w.listen({ host: '127.0.0.1', port: 0 });
    witnessApps.push(w);
    stores.push(store);
    lines.push(`witness w${i} ${k.vkey} ${url}`);
  }
  policyText = `${lines.join('\n')}\ngroup both all w1 w2\nquorum both\n`;
  const witnessed = new WitnessedLog(log, { policy: parseTlogPolicy(policyText) });
  app = Fastify();
  await app.register(rekorRoutes, { log: witnessed, maxBodyBytes: 64 * 1024 });
  await app.listen({ host: '127.0.0.1', port });
  const d = {
    sha256: createHash('sha256').update('hi').digest('hex'),
    sha512: createHash('sha512').update('hi').digest('hex'),
  };
  const signed = signRelease({ purl: 'pkg:npm/%40interop/witnessed@1.0.0', digests: d, key });
  const r = await fetch(`${baseUrl}/api/v2/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      dsseRequestV002: {
        envelope: signed.dsseEnvelope,
        verifiers: [
          {
            publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
            keyDetails: 'PKIX_ED25519',
          },
        ],
      },
    }),
  });
  expect(r.status).toBe(201);
  entry = await r.json();
  bundle = makeBundle(signed.dsseEnvelope, key.publicKey.keyId, [entry]);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await Promise.all(witnessApps.map((w) => w.close()));
  stores.forEach((s) => s.close());
  rmSync(root, { recursive: true, force: true });
});

describe('a witnessed checkpoint in the wild', () => {
  it('the logged entry carries a checkpoint cosigned by both witnesses', () => {
    const cp: string = entry.inclusionProof.checkpoint.envelope;
    expect(cp.split('\n').filter((l) => l.startsWith('\u2014 '))).toHaveLength(3);
    expect(verifyCheckpointPolicy(cp, parseTlogPolicy(policyText))).toMatchObject({
      ok: true,
      cosigners: ['w1', 'w2'],
    });
  });

  it('sigstore-js verifies the bundle, inclusion proof and cosigned checkpoint (tlogThreshold 1)', () => {
    const trust = toTrustMaterial(
      TrustedRoot.fromJSON(makeTrustedRoot({ baseUrl, verifierKey: log.verifierKey })),
      (hint: string) => {
        if (hint !== key.publicKey.keyId) throw new Error(`no key for hint ${hint}`);
        return { publicKey: key.publicKey.key, validFor: () => true };
      },
    );
    const verifier = new Verifier(trust, {
      tlogThreshold: 1,
      ctlogThreshold: 0,
      tsaThreshold: 0,
      timestampThreshold: 0,
    });
    expect(() => verifier.verify(toSignedEntity(bundleFromJSON(bundle)))).not.toThrow();
  });

  describe.skipIf(skipUnlessPresent(go))("Go's sumdb/note", () => {
    it('note.Open accepts the cosigned checkpoint with the log key and rejects it altered', () => {
      go.require();
      const dir = mkdtempSync(join(tmpdir(), 'sigil-go-note-'));
      try {
        const bin = join(dir, 'tlogcheck');
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
        const cp: string = entry.inclusionProof.checkpoint.envelope;
        const altered = cp.replace(/\n(\d+)\n/, (_m, n) => `\n${Number(n) + 1}\n`);
        const out = spawnSync(bin, [], {
          input: JSON.stringify({
            leaves: [],
            notes: [
              { vkey: log.verifierKey, msg: cp },
              { vkey: log.verifierKey, msg: altered },
            ],
          }),
        });
        const res = JSON.parse(out.stdout.toString('utf8'));
        expect(res.notes[0]).toBe(log.origin);
        expect(res.notes[1]).toMatch(/^error: /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
});
