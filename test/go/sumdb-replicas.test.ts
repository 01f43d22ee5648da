// The Go checksum database on PostgreSQL + S3 (scale-out Open step 5): two replicas, each with its
// own pool, bucket client and copy of gosumdb/log.key, serve one checksum database — a SharedLog
// named "gosumdb" beside the registry's own "log" in the same tables and bucket, with the record
// ids in PackageState's sumdb_record. Go's own client (golang.org/x/mod/sumdb.Client, the code
// the go command runs; test/go/sumdbclient) reads through both replicas in turn, as through a load
// balancer, and checks signatures, inclusion from the tiles and that each tree extends the last.
// Then the real go command builds a program whose modules were stored through replica A's storage
// (PostgreSQL rows, bucket zips), fetching them from A's proxy and verifying them in B's database.
// Real PostgreSQL (Debian postgresql), real S3 protocol server (s3rver), real Go (golang-go,
// golang-golang-x-mod-dev): skipped loudly locally when missing, failures under CI=true.
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestGoZip } from '../../src/ecosystems/golang/digest.js';
import { splitModulePath } from '../../src/ecosystems/golang/identify.js';
import { makeModuleZip } from '../../src/ecosystems/golang/make-zip.js';
import { memoryArtifact } from '../../src/ecosystems/memory-artifact.js';
import { generateNoteKey, parseSignerKey } from '../../src/log/note-key.js';
import { GoModules } from '../../src/registry/personalities/go/modules.js';
import type { ModuleVersion } from '../../src/registry/personalities/go/modules.js';
import { goRoutes } from '../../src/registry/personalities/go/routes.js';
import { openSharedSumdbLog } from '../../src/registry/personalities/go/shared-sumdb.js';
import {
  GoSumdb,
  SUMDB_LOG_NAME,
  type SumdbModules,
} from '../../src/registry/personalities/go/sumdb.js';
import type { ReleaseRow } from '../../src/store/registry/releases.js';
import type { RegistryStorage } from '../../src/store/registry/registry-storage.js';
import { scaleRegistryStorage } from '../../src/store/scale/scale-registry-storage.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { SharedLog } from '../../src/store/scale/shared-log.js';
import { goEnvFor, runGo } from '../helpers/go-command.js';
import { storeRelease } from '../helpers/stored-release.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';

const FILE = 'test/go/sumdb-replicas.test.ts';
const pgProgram = needsPostgres(FILE);
const goProgram = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go golang-golang-x-mod-dev',
  FILE,
  {
    mustExitZero: true,
  },
);
const skip = skipUnlessPresent(pgProgram) || skipUnlessPresent(goProgram);
const GOPATH_LIB = '/usr/share/gocode';
const SUMDB_NAME = 'sigil.test/go';

/** Modules "published" to the registry: the hashes a release row would give (the sumdb's only input). */
const published = new Map<string, { zip: string; mod: string }>();
const h1 = (s: string) => `h1:${createHash('sha256').update(s).digest('base64')}`;
function publish(path: string, version: string) {
  published.set(`${path}@${version}`, {
    zip: h1(`zip ${path} ${version}`),
    mod: h1(`mod ${path} ${version}`),
  });
}
/** The sumdb's modules: the hash-only ones above, else the modules stored in the replica's storage. */
const modulesOf = (real: GoModules): SumdbModules => ({
  get: (path, version) =>
    published.has(`${path}@${version}`)
      ? { path, version, row: {} as ReleaseRow }
      : real.get(path, version),
  hashes: async (m: ModuleVersion) => published.get(`${m.path}@${m.version}`) ?? real.hashes(m),
});
const linesOf = (path: string, version: string) => {
  const h = published.get(`${path}@${version}`)!;
  return [`${path} ${version} ${h.zip}`, `${path} ${version}/go.mod ${h.mod}`];
};

interface Replica {
  readonly url: string;
  readonly sumdb: GoSumdb;
  readonly storage: RegistryStorage;
  readonly registryLog: SharedLog;
  close(): Promise<void>;
}

let dir: string;
let cluster: PostgresCluster;
let s3: S3Server;
let dbUrl: string;
let client: string;
const registryNoteKey = generateNoteKey('sigil.test/log');
const registryKey = parseSignerKey(registryNoteKey.signerKey);
const replicas: Replica[] = [];

async function replica(dataDir: string): Promise<Replica> {
  const pool: pg.Pool = openPostgres(dbUrl, 4);
  const content = new ContentStore(new S3Objects(parseObjectsUrl(s3.url)));
  const knobs = { electionMs: 100, pollMs: 10, appendTimeoutMs: 10_000 };
  const close: (() => Promise<unknown>)[] = [() => pool.end()];
  try {
    const registryLog = await SharedLog.open({
      origin: 'sigil.test/log',
      signers: [registryKey],
      verifierKey: registryNoteKey.verifierKey,
      pool,
      content,
      databaseUrl: dbUrl,
      batchIntervalMs: 2,
      ...knobs,
    });
    close.unshift(() => registryLog.close());
    const log = await openSharedSumdbLog(join(dataDir, 'gosumdb'), {
      keyName: SUMDB_NAME,
      pool,
      content,
      databaseUrl: dbUrl,
      log: knobs,
    });
    // Each replica's own handles on the shared registry storage (PostgreSQL rows, bucket blobs).
    const storage = scaleRegistryStorage(pool, new S3Objects(parseObjectsUrl(s3.url)));
    close.push(() => storage.close());
    const goModules = new GoModules(storage);
    const sumdb = new GoSumdb(log, storage.packages, modulesOf(goModules));
    close.unshift(() => sumdb.close());
    const app: FastifyInstance = Fastify({ logger: false });
    await app.register(goRoutes, {
      modules: goModules,
      sumdb,
      prefix: '/go',
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    close.unshift(() => app.close());
    const r = {
      url,
      sumdb,
      storage,
      registryLog,
      close: async () => {
        for (const c of close) await c();
      },
    };
    replicas.push(r);
    return r;
  } catch (e) {
    for (const c of close) await c().catch(() => undefined);
    throw e;
  }
}

/** publishModule stores a module version the way a publish leaves it (row + zip), through one replica's storage. */
async function publishModule(
  storage: RegistryStorage,
  m: { path: string; version: string; files: Record<string, string> },
  publishIndex: number,
): Promise<void> {
  const src = join(dir, 'src', `${m.path.replace(/\//g, '_')}@${m.version}`);
  for (const [name, content] of Object.entries(m.files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), content);
  }
  const zip = makeModuleZip(src, m.path, m.version);
  const h1zip = await digestGoZip(memoryArtifact(`${m.version}.zip`, zip));
  const { namespace, name } = splitModulePath(m.path);
  await storeRelease(storage, {
    purl: `pkg:golang/${namespace}/${name}@${m.version}`,
    type: 'golang',
    namespace: namespace ?? '',
    name,
    version: m.version,
    filename: `${m.version}.zip`,
    bytes: zip,
    native: { h1: h1zip.value },
    publishIndex,
  });
}

/** go: Go's sumdb client over the given replicas in turn; its latest-tree memory is `config`. */
function go(config: string, urls: string[], vkey: string, lookups: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      client,
      [config, vkey, urls.join(','), ...lookups],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  if (skip) return;
  pgProgram.require();
  goProgram.require();
  dir = mkdtempSync(join(tmpdir(), 'sigil-sumdb-replicas-'));
  client = join(dir, 'sumdbclient');
  execFileSync('go', ['build', '-o', client, '.'], {
    cwd: join(import.meta.dirname, 'sumdbclient'),
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${join(dir, 'gp')}:${GOPATH_LIB}`,
      GOCACHE: join(dir, 'gocache'),
      GOFLAGS: '',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
  dbUrl = await cluster.createDatabase('sumdb_replicas');
  const p = openPostgres(dbUrl, 1);
  await migrate(p);
  await p.end();
}, 180_000);

afterAll(async () => {
  for (const r of replicas.reverse()) await r.close().catch(() => undefined);
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('Go checksum database on PostgreSQL + S3, two replicas', () => {
  let a: Replica;
  let b: Replica;

  it('replicas holding one gosumdb key serve one database; records made on either have one id everywhere', async () => {
    a = await replica(join(dir, 'a')); // the first replica creates the key
    mkdirSync(join(dir, 'b', 'gosumdb'), { recursive: true });
    copyFileSync(join(dir, 'a', 'gosumdb', 'log.key'), join(dir, 'b', 'gosumdb', 'log.key'));
    b = await replica(join(dir, 'b'));
    expect(b.sumdb.vkey).toBe(a.sumdb.vkey);
    expect(a.sumdb.name).toBe(SUMDB_NAME);

    // The registry's own log takes entries too: the two logs share tables, not trees.
    await Promise.all(
      [1, 2, 3].map((i) => a.registryLog.append(Buffer.from(`registry entry ${i}`))),
    );

    for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0']) publish('example.com/Lib', v);
    publish('example.com/tool/v2', 'v2.0.0');
    const r1 = await a.sumdb.lookup('example.com/Lib', 'v1.0.0'); // first sight on A
    const r2 = await b.sumdb.lookup('example.com/Lib', 'v1.0.0'); // known on B at once
    expect(r2).toEqual(r1);
    expect(r1!.text).toBe(linesOf('example.com/Lib', 'v1.0.0').join('\n') + '\n');
    // First sight of one version on both replicas at once: one record, one id.
    const raced = await Promise.all([
      a.sumdb.lookup('example.com/Lib', 'v1.1.0'),
      b.sumdb.lookup('example.com/Lib', 'v1.1.0'),
      b.sumdb.lookup('example.com/Lib', 'v1.1.0'),
    ]);
    expect(new Set(raced.map((r) => r!.id)).size).toBe(1);
    await b.sumdb.add({ path: 'example.com/tool/v2', version: 'v2.0.0', row: {} as ReleaseRow });
    expect(await a.sumdb.lookup('example.com/nope', 'v1.0.0')).toBeUndefined();

    // Three distinct records, whatever the registry's log holds.
    const size = async (r: Replica) => Number((await r.sumdb.signedTree()).split('\n')[1]);
    expect(await size(a)).toBe(3);
    expect(await size(b)).toBe(3);
    expect((await a.sumdb.signedTree()).split('\n')[0]).toBe('go.sum database tree');
    expect(Number((await b.registryLog.latestCheckpoint()).split('\n')[1])).toBe(3);
    expect(SUMDB_LOG_NAME).not.toBe('log');
  });

  it("Go's own sumdb client reads through both replicas in turn, and each later tree extends the one it saw", async () => {
    const config = join(dir, 'client-config');
    mkdirSync(config);
    const urls = [a.url, b.url].map((u) => `${u}/go/sumdb/${SUMDB_NAME}`);
    // As the go command asks: <mod>@<ver> for the zip's line, <mod>@<ver>/go.mod for the .mod's.
    const want = [
      'example.com/Lib@v1.0.0',
      'example.com/Lib@v1.1.0/go.mod',
      'example.com/tool/v2@v2.0.0',
    ];
    const first = await go(config, urls, a.sumdb.vkey, want);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      linesOf('example.com/Lib', 'v1.0.0')[0],
      linesOf('example.com/Lib', 'v1.1.0')[1],
      linesOf('example.com/tool/v2', 'v2.0.0')[0],
    ]);

    // More records on B (one recorded on first lookup, through A); the client, remembering the
    // tree of size 3, must get a consistent larger tree from whichever replica it asks.
    for (let i = 0; i < 40; i++) publish('example.com/many', `v0.0.${i}`);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).sumdb.add({
          path: 'example.com/many',
          version: `v0.0.${i}`,
          row: {} as ReleaseRow,
        }),
      ),
    );
    const second = await go(config, [urls[1]!, urls[0]!], a.sumdb.vkey, [
      'example.com/Lib@v1.2.0',
      'example.com/many@v0.0.39',
      'example.com/Lib@v1.0.0',
    ]);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split('\n')).toEqual([
      linesOf('example.com/Lib', 'v1.2.0')[0],
      linesOf('example.com/many', 'v0.0.39')[0],
      linesOf('example.com/Lib', 'v1.0.0')[0],
    ]);

    // The client can fail: a verifier key that did not sign this database is refused.
    const stranger = generateNoteKey(SUMDB_NAME).verifierKey;
    const refused = await go(join(dir, 'client-config-2'), urls, stranger, [
      'example.com/Lib@v1.0.0',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/verify|signature|note/i);
  });

  it("the go command fetches modules from replica A and verifies them in replica B's checksum database", async () => {
    const liba = {
      path: 'example.com/liba',
      version: 'v1.0.0',
      files: {
        'go.mod': 'module example.com/liba\n\ngo 1.19\n',
        'liba.go': 'package liba\n\nfunc Hello() string { return "hello from liba" }\n',
      },
    };
    const libb = {
      path: 'example.com/libb',
      version: 'v1.1.0',
      files: {
        'go.mod': 'module example.com/libb\n\ngo 1.19\n\nrequire example.com/liba v1.0.0\n',
        'libb.go':
          'package libb\n\nimport "example.com/liba"\n\nfunc Hello() string { return liba.Hello() + " via libb" }\n',
      },
    };
    // Stored through A's storage; B reads the same PostgreSQL rows and bucket objects.
    await publishModule(a.storage, liba, 1000);
    await publishModule(a.storage, libb, 1001);
    // B records libb now (as its publish hook would); liba is recorded on first lookup.
    expect(await b.sumdb.lookup(libb.path, libb.version)).toBeDefined();

    const work = join(dir, 'consumer');
    mkdirSync(work, { recursive: true });
    writeFileSync(
      join(work, 'go.mod'),
      'module example.com/consumer\n\ngo 1.19\n\nrequire example.com/libb v1.1.0\n',
    );
    writeFileSync(
      join(work, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\t"example.com/libb"\n)\n\nfunc main() { fmt.Println(libb.Hello()) }\n',
    );
    const env = goEnvFor(
      join(dir, 'gopath'),
      `${a.url}/go`,
      `${b.sumdb.vkey} ${b.url}/go/sumdb/${SUMDB_NAME}`,
    );
    const run = await runGo(['run', '.'], env, work);
    expect(run.stderr + run.stdout).toContain('hello from liba via libb');
    expect(run.status).toBe(0);
    // go.sum holds exactly the records both replicas serve.
    const sum = readFileSync(join(work, 'go.sum'), 'utf8').trim().split('\n').sort();
    const records = [
      ...(await a.sumdb.lookup(liba.path, liba.version))!.text.trim().split('\n'),
      ...(await b.sumdb.lookup(libb.path, libb.version))!.text.trim().split('\n'),
    ].sort();
    expect(sum).toEqual(records);
  });

  it('a replica that made a gosumdb key of its own is refused instead of signing a second tree', async () => {
    await expect(replica(join(dir, 'c'))).rejects.toMatchObject({ code: 'LOG_KEY_MISMATCH' });
  });
});
