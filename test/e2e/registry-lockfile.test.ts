// End to end on the real server: publish with `sigil publish`, rotate the key through the
// ledger, then `sigil verify package-lock.json` and `sigil fetch` against it — the client
// replays the ledger itself, pins keys, and accepts only a rotation the ledger allowed.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrivateKeyFile } from '../../src/core/keys.js';
import { RegistryClient } from '../../src/client/registry-client.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';
import { npmPack, type Packed } from '../helpers/npm-pack.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';

const PASS = 'correct horse battery staple';
let dir: string;
let registry: Registry;
let url: string;
let env: Record<string, string>;
let alice: { privateKey: string; publicKey: string };
let bob: { privateKey: string; publicKey: string };
const packed: Record<string, Packed> = {};

function lockfile(entries: Packed[]): string {
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
  for (const p of entries)
    packages[`node_modules/${p.name}`] = {
      version: p.version,
      resolved: `${url}/${p.name}/-/${p.name}-${p.version}.tgz`,
      integrity: p.integrity,
    };
  return JSON.stringify(
    { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
    null,
    2,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-e2e-'));
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'e2e.test/log',
    openWrites: true,
    batchIntervalMs: 2,
  });
  url = await registry.listen();
  env = { SIGIL_CONFIG_DIR: join(dir, 'config') };
  alice = JSON.parse((await runCli(['keygen', '--out', join(dir, 'alice'), '--json'])).stdout);
  bob = JSON.parse((await runCli(['keygen', '--out', join(dir, 'bob'), '--json'])).stdout);
  packed['1'] = npmPack(dir, { name: 'widget', version: '1.0.0' });
  packed['2'] = npmPack(dir, { name: 'widget', version: '2.0.0' });
});

afterAll(async () => registry?.close());

describe('registry + lockfile verification', () => {
  it('publishes v1 signed by alice (first publish establishes her key), verifies the lockfile through the ledger', async () => {
    const pub = await runCli(
      ['publish', packed['1']!.path, '--server', url, '--key', alice.privateKey],
      env,
    );
    expect(pub.stderr).toBe('');
    expect(pub.stdout).toMatch(/first publish: your key is now the namespace's key/);
    const project = join(dir, 'p1');
    mkdirSync(project);
    writeFileSync(join(project, 'package-lock.json'), lockfile([packed['1']!]));
    const v = await runCli(
      ['verify', join(project, 'package-lock.json'), '--server', url, '--json', '--pin'],
      env,
    );
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout);
    const checks = report.dependencies[0].checks.map((c: { code: string }) => c.code);
    expect(checks).toEqual(
      expect.arrayContaining([
        'DIGEST_MATCH',
        'AUTHOR_SIGNATURE_VALID',
        'KEY_AUTHORISED',
        'INCLUSION_PROOF_VALID',
      ]),
    );
    expect(
      JSON.parse(readFileSync(join(project, '.sigil', 'trust.json'), 'utf8')).namespaces[
        'pkg:npm/widget'
      ],
    ).toBeDefined();
  });

  it('after a ledger rotation to bob, v2 signed by bob verifies; against the v1 pin it is reported as an authorised rotation', async () => {
    const aliceKey = parsePrivateKeyFile(readFileSync(alice.privateKey, 'utf8'), {
      passphrase: PASS,
    });
    // `sigil key rotate --server` chains onto the registry's ledger and submits the signed event.
    const rotate = await runCli(
      [
        'key',
        'rotate',
        '--namespace',
        'pkg:npm/widget',
        '--from',
        aliceKey.publicKey.keyId,
        '--to',
        bob.publicKey,
        '--signer',
        alice.privateKey,
        '--server',
        url,
      ],
      env,
    );
    expect(rotate.stderr).toBe('');
    expect(rotate.stdout).toMatch(/^logged rotate event for pkg:npm\/widget at log index \d+/);
    // a second, hostile rotation signed by bob's own key to a third key is judged by the ledger: bob may (he is authorised now) —
    // but one signed by alice (rotated out) is refused
    const mallory = JSON.parse(
      (await runCli(['keygen', '--out', join(dir, 'mallory'), '--json'])).stdout,
    );
    const refusedEvent = await runCli(
      [
        'key',
        'add',
        '--namespace',
        'pkg:npm/widget',
        '--key',
        mallory.publicKey,
        '--signer',
        alice.privateKey,
        '--server',
        url,
      ],
      env,
    );
    expect(refusedEvent.code).toBe(2);
    expect(refusedEvent.stderr).toMatch(/key event refused/);
    // alice can no longer publish …
    const refused = await runCli(
      ['publish', packed['2']!.path, '--server', url, '--key', alice.privateKey],
      env,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not authorised for pkg:npm\/widget/);
    // … bob can
    expect(
      (await runCli(['publish', packed['2']!.path, '--server', url, '--key', bob.privateKey], env))
        .code,
    ).toBe(0);
    const project = join(dir, 'p1');
    writeFileSync(join(project, 'package-lock.json'), lockfile([packed['2']!]));
    const v = await runCli(
      ['verify', join(project, 'package-lock.json'), '--server', url, '--json'],
      env,
    );
    const report = JSON.parse(v.stdout);
    expect(
      report.dependencies[0].checks.find((c: { name: string }) => c.name === 'key'),
    ).toMatchObject({ code: 'KEY_ROTATED', status: 'warn' });
    expect(v.code).toBe(0);
  });

  it('sigil fetch downloads a verified release, and refuses bytes swapped in transit or on the server', async () => {
    const out = join(dir, 'dl');
    mkdirSync(out);
    const ok = await runCli(['fetch', 'pkg:npm/widget@1.0.0', '--server', url, '-o', out], env);
    expect(ok.code).toBe(0);
    expect(
      readFileSync(join(out, 'widget-1.0.0.tgz')).equals(readFileSync(packed['1']!.path)),
    ).toBe(true);
    // In transit (a man in the middle): sigil fetch's own check refuses, nothing is written.
    const mitm = await startTamperProxy(url, (path) => path.startsWith('/api/v1/blobs/'));
    const out2 = join(dir, 'dl2');
    mkdirSync(out2);
    try {
      const bad = await runCli(
        ['fetch', 'pkg:npm/widget@1.0.0', '--server', mitm.url, '-o', out2],
        env,
      );
      expect(mitm.tampered.length).toBeGreaterThan(0);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/does not verify; nothing was written/);
      expect(readdirSync(out2)).toEqual([]);
    } finally {
      await mitm.close();
    }
    // On the server's disk: the registry refuses to serve bytes that do not hash to their name.
    const record = await new RegistryClient(url).release('pkg:npm/widget@1.0.0');
    const bytes = Buffer.from(registry.store.readBlob(record.digests.sha256)!);
    bytes[bytes.length - 3]! ^= 0xff;
    overwriteStoredBlob(registry.store, record.digests.sha256, bytes);
    const refused = await runCli(
      ['fetch', 'pkg:npm/widget@1.0.0', '--server', url, '-o', out2],
      env,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/HTTP 500 STORAGE_ERROR/);
    expect(readdirSync(out2)).toEqual([]);
    expect(readFileSync(join(out, 'widget-1.0.0.tgz')).length).toBeGreaterThan(0);
  });
});
