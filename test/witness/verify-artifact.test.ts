// `sigil verify <artifact> --tlog-policy` and tlog-proof files for a single artifact, offline:
// a bundle logged in a witnessed log (Rekor v2 API, two in-process witnesses) passes a policy its
// checkpoint meets and fails one it does not; `sigil log proof` / `--tlog-proof` say the same.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBundle } from '../../src/core/bundle.js';
import { formatPublicKeyFile, generateKey, spkiDer } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { parseTlogPolicy } from '../../src/log/policy.js';
import { rekorRoutes } from '../../src/registry/personalities/rekor/index.js';
import { createWitnessKey } from '../../src/witness/key.js';
import { createWitnessServer } from '../../src/witness/server.js';
import { WitnessStore } from '../../src/witness/store.js';
import { WitnessedLog } from '../../src/witness/witnessed-log.js';
import { runCli } from '../helpers/cli.js';
import { MemoryLog } from '../helpers/memory-log.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-verify-witnessed-'));
const apps: FastifyInstance[] = [];
const stores: WitnessStore[] = [];
let log: MemoryLog;
const key = generateKey('ed25519');
const witnessLines: string[] = [];
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  log = new MemoryLog({ origin: 'verify.witness.test' });
  for (let i = 1; i <= 3; i++) {
    const k = await createWitnessKey(join(dir, `w${i}`), `w${i}.verify.test`, 'pw');
    const s = new WitnessStore(join(dir, `w${i}`));
    if (i < 3) s.addLog(log.verifierKey); // w3 never cosigns this log
    const a = createWitnessServer({ store: s, key: k });
    witnessLines.push(`witness w${i} ${k.vkey} ${await a.listen({ host: '127.0.0.1', port: 0 })}`);
    apps.push(a);
    stores.push(s);
  }
  const policy = parseTlogPolicy(`${witnessLines.join('\n')}\ngroup g 2 w1 w2 w3\nquorum g\n`);
  const app = Fastify();
  await app.register(rekorRoutes, {
    log: new WitnessedLog(log, { policy }),
    maxBodyBytes: 64 * 1024,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  const bytes = Buffer.from('hello, witnessed world\n');
  writeFileSync(file('app.bin'), bytes);
  const d = {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sha512: createHash('sha512').update(bytes).digest('hex'),
  };
  const signed = signRelease({ purl: 'pkg:generic/app@1.0.0', digests: d, key });
  const r = await fetch(`${url}/api/v2/log/entries`, {
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
  writeFileSync(
    file('app.bin.sigstore.json'),
    JSON.stringify(
      makeBundle(signed.dsseEnvelope, key.publicKey.keyId, [(await r.json()) as never]),
    ),
  );
  writeFileSync(file('app.pub'), formatPublicKeyFile(key.publicKey));
  writeFileSync(
    file('two.policy'),
    `log ${log.verifierKey}\n${witnessLines.join('\n')}\ngroup g 2 w1 w2 w3\nquorum g\n`,
  );
  writeFileSync(
    file('all.policy'),
    `log ${log.verifierKey}\n${witnessLines.join('\n')}\ngroup g all w1 w2 w3\nquorum g\n`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  stores.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

const verifyArgs = (...extra: string[]) => [
  'verify',
  file('app.bin'),
  '--key',
  file('app.pub'),
  '--name',
  'app',
  '--version',
  '1.0.0',
  ...extra,
];

describe('sigil verify <artifact> --tlog-policy', () => {
  it("passes when the bundle's checkpoint meets the quorum, fails when it does not", async () => {
    const ok = await runCli(verifyArgs('--tlog-policy', file('two.policy'), '--json'));
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const checks = JSON.parse(ok.stdout).checks.map(
      (c: { name: string; code: string }) => `${c.name}:${c.code}`,
    );
    expect(checks).toEqual(
      expect.arrayContaining([
        'checkpoint:CHECKPOINT_VALID',
        'inclusion:INCLUSION_PROOF_VALID',
        'witnesses:WITNESS_QUORUM_MET',
      ]),
    );
    const strict = await runCli(verifyArgs('--tlog-policy', file('all.policy')));
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(
      /witnesses\s+the checkpoint of size \d+ does not meet the witness quorum all of \(w1, w2, w3\): cosigned by w1, w2/,
    );
  });

  it('sigil log verify-inclusion --policy demands the same quorum', async () => {
    const ok = await runCli([
      'log',
      'verify-inclusion',
      file('app.bin.sigstore.json'),
      '--vkey',
      log.verifierKey,
      '--policy',
      file('two.policy'),
    ]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/witness quorum 2 of \(w1, w2, w3\) met by w1, w2/);
    const strict = await runCli([
      'log',
      'verify-inclusion',
      file('app.bin.sigstore.json'),
      '--vkey',
      log.verifierKey,
      '--policy',
      file('all.policy'),
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      /sigil: error: the checkpoint of size \d+ does not meet the witness quorum all of/,
    );
  });

  it('a tlog-proof file carries the same evidence offline, and is tied to the bundle', async () => {
    const proof = await runCli([
      'log',
      'proof',
      file('app.bin.sigstore.json'),
      '-o',
      file('app.bin.tlog-proof'),
    ]);
    expect(proof.code, proof.stderr).toBe(0);
    const ok = await runCli(
      verifyArgs('--tlog-policy', file('two.policy'), '--tlog-proof', file('app.bin.tlog-proof')),
    );
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const vp = await runCli([
      'log',
      'verify-proof',
      file('app.bin.tlog-proof'),
      '--policy',
      file('two.policy'),
      '--bundle',
      file('app.bin.sigstore.json'),
    ]);
    expect(vp.code, vp.stdout + vp.stderr).toBe(0);
    expect(vp.stdout).toMatch(/tlog-body/);
    // Another artifact's bundle: the proof is not about it.
    const other = signRelease({
      purl: 'pkg:generic/app@1.0.0',
      digests: { sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64) },
      key,
    });
    writeFileSync(file('other.sigstore.json'), JSON.stringify(other));
    const bad = await runCli([
      'log',
      'verify-proof',
      file('app.bin.tlog-proof'),
      '--policy',
      file('two.policy'),
      '--bundle',
      file('other.sigstore.json'),
    ]);
    expect(bad.code).toBe(1);
    const noPolicy = await runCli(verifyArgs('--tlog-proof', file('app.bin.tlog-proof')));
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toMatch(/--tlog-proof needs --tlog-policy/);
  });
});
