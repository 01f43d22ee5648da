// --offline replays the key ledgers `sigil fetch-records` cached, exactly as online, in a
// process where every socket throws; and the leaves verify-project builds without
// re-verifying signatures equal the registry's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { envelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { signEnvelope } from '../../src/core/dsse.js';
import { verifiedEnvelopeLeaf } from '../../src/verify-project/key-cache.js';
import { runCli } from '../helpers/cli.js';
import { npmPack, type Packed } from '../helpers/npm-pack.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
let registry: Registry;
let url: string;
const packed: Packed[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-offline-ledger-'));
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'offline-ledger.test/log',
    openWrites: true,
    batchIntervalMs: 2,
  });
  url = await registry.listen();
  const keys = [join(dir, 'alice'), join(dir, 'bob')];
  const made = [];
  for (const k of keys)
    made.push(
      JSON.parse((await runCli(['keygen', '--out', k, '--json'])).stdout) as { privateKey: string },
    );
  for (const [i, name] of ['gizmo', 'doohickey'].entries()) {
    const p = npmPack(dir, { name, version: '1.0.0' });
    packed.push(p);
    expect(
      (await runCli(['publish', p.path, '--server', url, '--key', made[i]!.privateKey])).code,
    ).toBe(0);
  }
});
afterAll(async () => registry?.close());

function project(): string {
  const p = mkdtempSync(join(dir, 'project-'));
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
  for (const x of packed)
    packages[`node_modules/${x.name}`] = {
      version: x.version,
      resolved: `${url}/${x.name}/-/${x.name}-${x.version}.tgz`,
      integrity: x.integrity,
    };
  writeFileSync(
    join(p, 'package-lock.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
  );
  return join(p, 'package-lock.json');
}

const runOffline = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(here, 'run-cli.ts'), ...args], {
    env: { ...process.env, ...env, NODE_OPTIONS: `--require ${join(here, 'no-network.cjs')}` },
    encoding: 'utf8',
    cwd: join(here, '..', '..'),
  });
const keyCheck = (
  report: { dependencies: { display: string; checks: { name: string; code: string }[] }[] },
  display: string,
) =>
  report.dependencies.find((d) => d.display === display)!.checks.find((c) => c.name === 'key')!
    .code;

describe('offline key ledger', () => {
  it("fetch-records caches each namespace's ledger; --offline (no socket) authorises keys through it like online", async () => {
    const lock = project();
    const env = { SIGIL_CONFIG_DIR: mkdtempSync(join(dir, 'cfg-')) };
    const online = await runCli(['verify', lock, '--server', url, '--json'], env);
    expect(online.code).toBe(0);
    expect(keyCheck(JSON.parse(online.stdout), 'gizmo@1.0.0')).toBe('KEY_AUTHORISED');
    const f = await runCli(['fetch-records', lock, '--server', url], env);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/cached 2 release records for 2 packages and 2 key ledgers/);
    const cache = JSON.parse(
      readFileSync(join(dirname(lock), '.sigil', 'cache', 'records.json'), 'utf8'),
    );
    expect(Object.keys(cache.ledgers).sort()).toEqual(['pkg:npm/doohickey', 'pkg:npm/gizmo']);

    const off = runOffline(['verify', lock, '--offline', '--json'], env);
    expect(off.stderr).not.toMatch(/NETWORK-ATTEMPT/);
    expect(off.status).toBe(0);
    const report = JSON.parse(off.stdout);
    expect(
      report.dependencies.map(
        (d: { checks: { name: string; code: string }[] }) =>
          d.checks.find((c) => c.name === 'key')!.code,
      ),
    ).toEqual(['KEY_AUTHORISED', 'KEY_AUTHORISED']);
    // Same verdicts as online, check for check.
    expect(
      report.dependencies.map((d: { checks: { code: string }[] }) => d.checks.map((c) => c.code)),
    ).toEqual(
      JSON.parse(online.stdout).dependencies.map((d: { checks: { code: string }[] }) =>
        d.checks.map((c) => c.code),
      ),
    );
  });

  it("the cached ledger is replayed, not believed: swap gizmo's history for doohickey's and gizmo's key is refused offline", async () => {
    const lock = project();
    const env = { SIGIL_CONFIG_DIR: mkdtempSync(join(dir, 'cfg-')) };
    expect((await runCli(['fetch-records', lock, '--server', url], env)).code).toBe(0);
    const path = join(dirname(lock), '.sigil', 'cache', 'records.json');
    const cache = JSON.parse(readFileSync(path, 'utf8'));
    cache.ledgers['pkg:npm/gizmo'] = cache.ledgers['pkg:npm/doohickey'];
    writeFileSync(path, JSON.stringify(cache));
    const off = runOffline(['verify', lock, '--offline', '--json'], env);
    expect(off.stderr).not.toMatch(/NETWORK-ATTEMPT/);
    expect(off.status).toBe(1);
    const report = JSON.parse(off.stdout);
    // doohickey's events are not gizmo's (and the registry's signed head of gizmo names another event): refused.
    expect(keyCheck(report, 'gizmo@1.0.0')).toBe('KEY_LEDGER_UNVERIFIED');
    expect(
      report.dependencies
        .find((d: { display: string }) => d.display === 'gizmo@1.0.0')
        .checks.find((c: { name: string }) => c.name === 'ledger').code,
    ).toBe('LEDGER_EVENT_REJECTED');
    expect(keyCheck(report, 'doohickey@1.0.0')).toBe('KEY_AUTHORISED');
    // A namespace missing from the cache is a clear error, never a silent pass.
    delete cache.ledgers['pkg:npm/gizmo'];
    writeFileSync(path, JSON.stringify(cache));
    const miss = runOffline(['verify', lock, '--offline'], env);
    expect(miss.status).toBe(2);
    expect(miss.stderr).toMatch(
      /sigil: error: the offline cache has no proven key ledger for pkg:npm\/gizmo/,
    );
  });
});

describe('verifiedEnvelopeLeaf', () => {
  it('builds the same leaf bytes as the registry (envelopeLogEntry), for Ed25519 and ECDSA P-256 keys', () => {
    for (const alg of ['ed25519', 'ecdsa-p256'] as const) {
      const key = generateKey(alg);
      const bundle = signRelease({
        purl: 'pkg:npm/x@1.0.0',
        digests: { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) },
        key,
      });
      expect(Buffer.from(verifiedEnvelopeLeaf(bundle.dsseEnvelope, key.publicKey))).toEqual(
        Buffer.from(envelopeLogEntry(bundle.dsseEnvelope, key.publicKey)),
      );
      const two = signEnvelope('text/plain', Buffer.from('hi'), key);
      expect(Buffer.from(verifiedEnvelopeLeaf(two, key.publicKey))).toEqual(
        Buffer.from(envelopeLogEntry(two, key.publicKey)),
      );
    }
  });
});
