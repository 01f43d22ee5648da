// The per-dependency checks in jobs for worker threads (src/verify-project/check-pool.ts) give
// exactly the results of the main thread's loop: a real registry with key ledgers (scoped and
// multi-version packages), hostile answers (a forged author signature, a countersignature of
// another release, a forged inclusion proof, a wrong lockfile digest, no record), and the built
// CLI with real worker threads against the same server.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointMemory } from '../../src/client/checkpoint-memory.js';
import { httpLedgerView } from '../../src/client/ledger-view.js';
import { httpRecordSource } from '../../src/client/records/http-source.js';
import { memoryCheckpointClock } from '../../src/client/records/seen.js';
import type { RecordSource, SigilRecord } from '../../src/client/records/source.js';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import type { LockfileEntry } from '../../src/ecosystems/adapter.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { registryKeysOf } from '../../src/cli/verify/lockfile.js';
import { publishRelease } from '../../src/registry/publish.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { DEFAULT_POLICY } from '../../src/verify-project/policy.js';
import { verifyProject } from '../../src/verify-project/verify-project.js';
import { SIGIL_BIN } from '../helpers/cli.js';

const DIST_MAIN = new URL('../../dist/cli/main.js', import.meta.url).href;
import { buildTgz } from '../helpers/tar-builder.js';

let dir: string;
let registry: Registry;
let url: string;
const published: { name: string; version: string; bytes: Buffer }[] = [];
const NAMES = [
  ...Array.from({ length: 10 }, (_, i) => `pkg-${i}`),
  '@scope/one',
  '@scope/two',
  'multi',
];

const purlOf = (name: string, version: string) => `pkg:npm/${name.replace('@', '%40')}@${version}`;
const OTHER_BYTES = randomBytes(50);
const sri = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-check-threads-'));
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'check-threads.test/log',
    openWrites: true,
    batchIntervalMs: 1,
  });
  url = await registry.listen();
  const ctx = {
    store: registry.store,
    storage: registry.storage,
    log: registry.log,
    registryKey: registry.registryKey,
    baseUrl: url,
    authority: registry.ledger,
    requireAuthorSignature: false,
    now: () => new Date(),
  };
  const releases = [...NAMES.map((n) => [n, '1.0.0']), ['multi', '2.0.0']] as const;
  const authors = new Map<string, ReturnType<typeof generateKey>>();
  for (const [name, version] of releases) {
    const first = !authors.has(name);
    if (first) authors.set(name, generateKey('ed25519'));
    const author = authors.get(name)!;
    const bytes = buildTgz([
      { name: 'package/package.json', content: JSON.stringify({ name, version }) },
      {
        name: 'package/index.js',
        content: `module.exports = '${randomBytes(8).toString('hex')}';\n`,
      },
    ]);
    await publishRelease(ctx, {
      filename: `${name.split('/').pop()}-${version}.tgz`,
      artifact: bytes,
      bundle: signRelease({
        purl: purlOf(name, version),
        digests: {
          sha256: createHash('sha256').update(bytes).digest('hex'),
          sha512: createHash('sha512').update(bytes).digest('hex'),
        },
        key: author,
      }),
      keyEvents: first
        ? [
            buildKeyEvent(
              {
                namespace: `pkg:npm/${name.replace('@', '%40')}`,
                previous: null,
                action: 'add',
                keys: [author.publicKey],
                reason: 'first publish',
              },
              [author],
            ).envelope,
          ]
        : [],
    });
    published.push({ name, version, bytes });
  }
}, 60_000);
afterAll(async () => registry?.close());

function entries(): LockfileEntry[] {
  const list: LockfileEntry[] = published.map((p) => ({
    purl: purlOf(p.name, p.version),
    digests: [{ algorithm: 'sri-sha512', value: sri(p.bytes) }],
    location: `node_modules/${p.name}`,
  }));
  // A lockfile digest of other bytes, and a package the server has no record of.
  list[5] = { ...list[5]!, digests: [{ algorithm: 'sri-sha512', value: sri(OTHER_BYTES) }] };
  list.push({ purl: purlOf('never-published', '1.0.0'), digests: [] });
  return list;
}

/** A server whose answers were tampered with on the way. */
function tampering(): RecordSource {
  const real = httpRecordSource(url);
  return {
    ...real,
    async lookup(purls) {
      const r = await real.lookup(purls);
      const rec = (i: number) => r.records[purlOf(`pkg-${i}`, '1.0.0')] as SigilRecord;
      const bundle = rec(1).authorBundle as unknown as {
        dsseEnvelope: { signatures: { sig: string }[] };
      };
      bundle.dsseEnvelope.signatures[0]!.sig = Buffer.alloc(64, 7).toString('base64');
      (rec(2) as { publishStatement: unknown }).publishStatement = rec(3).publishStatement;
      const hashes = rec(4).log.publish.hashes as string[];
      hashes[0] = Buffer.alloc(32).toString('base64');
      return r;
    },
  };
}

const NOW = new Date();
async function verifyWith(threads: number) {
  const source = tampering();
  const keys = await source.keys();
  return verifyProject({
    lockfile: 'package-lock.json',
    format: 'package-lock.json',
    entries: entries(),
    source,
    policy: DEFAULT_POLICY,
    policyFile: '(default policy)',
    memory: memoryCheckpointMemory(),
    clock: memoryCheckpointClock(),
    ledger: httpLedgerView(url, registryKeysOf(keys), keys.log.origin, { required: true }),
    now: () => NOW,
    threads,
    threadsFrom: 1,
  });
}

describe('dependency checks in thread jobs', () => {
  it('give the same results as the main-thread loop, hostile answers included', async () => {
    const here = await verifyWith(0);
    const jobs = await verifyWith(2);
    expect(jobs.dependencies).toEqual(here.dependencies);
    expect(jobs.counts).toEqual(here.counts);
    expect(jobs.pins).toEqual(here.pins);
    const code = (i: number) =>
      here.dependencies[i]!.checks.filter((c) => c.status === 'fail').map((c) => c.code);
    expect(code(1)).toContain('AUTHOR_SIGNATURE_INVALID');
    expect(code(2)).toContain('COUNTERSIGNATURE_MISMATCH');
    expect(code(4).join()).toMatch(/PROOF|INCLUSION/);
    expect(code(5)).toContain('DIGEST_MISMATCH');
    expect(here.dependencies.at(-1)!.status).toBe('unsigned');
    // Every other release verified, its key authorised by its replayed ledger (scopes, two versions).
    const ok = here.dependencies.filter((d) => d.status === 'verified');
    expect(ok.map((d) => d.purl)).toEqual(
      expect.arrayContaining([purlOf('@scope/one', '1.0.0'), purlOf('multi', '2.0.0')]),
    );
    expect(ok).toHaveLength(published.length - 4);
    for (const d of ok) expect(d.checks.map((c) => c.code)).toContain('KEY_AUTHORISED');
  });

  it('the built CLI on worker threads reports what it reports on one thread', async () => {
    const project = mkdtempSync(join(dir, 'project-'));
    const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
    for (const e of entries().slice(0, -1)) {
      const p = published.find((x) => purlOf(x.name, x.version) === e.purl)!;
      packages[`node_modules/${p.name}${p.version === '2.0.0' ? '-two' : ''}`] = {
        name: p.name,
        version: p.version,
        resolved: `${url}/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`,
        integrity: e.digests[0]!.value,
      };
    }
    const lock = join(project, 'package-lock.json');
    writeFileSync(lock, JSON.stringify({ name: 'app', lockfileVersion: 3, packages }));
    // Async spawn: the server runs in this process.
    const args = ['verify', lock, '--server', url, '--json'];
    // Also from a module given with -e (as the benchmark runs it): threads must not inherit --input-type.
    const evalArgs = [
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(DIST_MAIN)});
       process.exitCode = await main(${JSON.stringify(args)}, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), stderrIsTTY: false, env: process.env });`,
    ];
    const cli = (threads: string, viaEval = false) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, viaEval ? evalArgs : [SIGIL_BIN, ...args], {
          env: {
            ...process.env,
            SIGIL_CONFIG_DIR: mkdtempSync(join(dir, 'cfg-')),
            SIGIL_VERIFY_THREADS: threads,
          },
        });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('close', (code) => resolve({ code, out }));
      });
    const [one, two, evaled] = [await cli('0'), await cli('2'), await cli('2', true)];
    expect(one.code).toBe(1); // the wrong digest
    expect(two.code).toBe(1);
    const a = JSON.parse(one.out) as { dependencies: unknown[]; counts: unknown };
    const b = JSON.parse(two.out) as { dependencies: unknown[]; counts: unknown };
    expect(b.dependencies).toEqual(a.dependencies);
    expect(b.counts).toEqual(a.counts);
    expect(evaled.code).toBe(1);
    expect((JSON.parse(evaled.out) as { dependencies: unknown[] }).dependencies).toEqual(
      a.dependencies,
    );
    expect(a.counts).toEqual({
      verified: published.length - 1,
      unsigned: 0,
      failed: 1,
      skipped: 0,
    });
  }, 60_000);
});
