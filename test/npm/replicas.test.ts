// The npm personality on PostgreSQL + S3, read by the real npm: two replicas, each with its own
// pool and bucket client over one shared RegistryStorage. Releases stored through replica A's
// storage (rows + tarballs, as a publish leaves them) are installed by `npm install` from replica
// B; a dist-tag moved on A with `npm dist-tag add` is what B's packument says at once, and npm
// installs the tagged version. (The publish pipeline is not under test here: the rows are written
// through the contracts; the replica fault tests publish through real `sigil serve` processes.)
// Real PostgreSQL (Debian postgresql) and S3 protocol server (s3rver): skipped loudly locally
// when missing, failures under CI=true.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmRoutes } from '../../src/registry/personalities/npm/routes.js';
import type { RegistryContext } from '../../src/registry/publish.js';
import type { RegistryStorage } from '../../src/store/registry/registry-storage.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { scaleRegistryStorage } from '../../src/store/scale/scale-registry-storage.js';
import { npmPack } from '../helpers/npm-pack.js';
import { storeRelease } from '../helpers/stored-release.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { isolatedNpm, npmProgram, runNpm } from './npm-cli.js';

const pgProgram = needsPostgres('test/npm/replicas.test.ts');
const skip = skipUnlessPresent(pgProgram) || skipUnlessPresent(npmProgram);

interface Replica {
  readonly url: string;
  readonly storage: RegistryStorage;
}

let dir: string;
let cluster: PostgresCluster;
let s3: S3Server;
let dbUrl: string;
const pools: pg.Pool[] = [];
const apps: FastifyInstance[] = [];
const storages: RegistryStorage[] = [];

async function replica(): Promise<Replica> {
  const pool = openPostgres(dbUrl, 4);
  pools.push(pool);
  const storage = scaleRegistryStorage(pool, new S3Objects(parseObjectsUrl(s3.url)));
  storages.push(storage);
  const app = Fastify({ logger: false });
  // Reads and dist-tags use the storage and the public URL only (no publish here: see above).
  const ctx = { storage, baseUrl: '' } as unknown as RegistryContext;
  await app.register(npmRoutes, { ctx, maxTarballBytes: 1 << 20 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  return { url, storage };
}

/** store puts a packed tarball and its published row through `storage`, as a publish leaves them. */
async function store(storage: RegistryStorage, name: string, version: string, deps = {}, at = 0) {
  const packed = npmPack(
    join(dir, 'pack'),
    { name, version, license: 'MIT', dependencies: deps },
    {
      'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
    },
  );
  await storeRelease(storage, {
    purl: `pkg:npm/${name}@${version}`,
    type: 'npm',
    namespace: '',
    name,
    version,
    filename: `${name}-${version}.tgz`,
    bytes: readFileSync(packed.path),
    native: { 'sri-sha512': packed.integrity },
    publishIndex: 100 + at,
    publishedAt: `2026-12-03T12:00:0${at}.000Z`,
  });
}

beforeAll(async () => {
  if (skip) return;
  pgProgram.require();
  npmProgram.require();
  dir = mkdtempSync(join(tmpdir(), 'sigil-npm-replicas-'));
  mkdirSync(join(dir, 'pack'));
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
  dbUrl = await cluster.createDatabase('npm_replicas');
  const p = openPostgres(dbUrl, 1);
  await migrate(p);
  await p.end();
}, 120_000);

afterAll(async () => {
  for (const a of apps) await a.close();
  for (const s of storages) await s.close();
  for (const p of pools) await p.end();
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('npm personality on PostgreSQL + S3, two replicas', () => {
  it('npm installs from replica B what A stored, and follows a dist-tag moved on A', async () => {
    const [a, b] = [await replica(), await replica()];
    await store(a.storage, 'dep-lib', '1.0.0', {}, 1);
    await store(a.storage, 'dep-lib', '1.1.0', {}, 2);
    await store(a.storage, 'app-lib', '2.0.0', { 'dep-lib': '^1.0.0' }, 3);

    // Moved on A with the real npm: `latest` of dep-lib back to 1.0.0.
    const tagger = isolatedNpm(join(dir, 'npm-a'), a.url, 'token-not-checked');
    const tag = await runNpm(['dist-tag', 'add', 'dep-lib@1.0.0', 'latest'], dir, tagger.env);
    expect(tag.code, tag.stderr).toBe(0);
    const onB = (await (await fetch(`${b.url}/dep-lib`)).json()) as Record<string, unknown>;
    expect(onB['dist-tags']).toEqual({ latest: '1.0.0' });

    // Installed from B: app-lib, and dep-lib at the tagged version (npm prefers `latest` when it satisfies).
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', dependencies: { 'app-lib': '2.0.0' } }),
    );
    const { env } = isolatedNpm(join(dir, 'npm-b'), b.url);
    const install = await runNpm(['install', '--no-audit', '--ignore-scripts'], project, env);
    expect(install.code, install.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string; resolved: string; integrity: string }>;
    };
    expect(lock.packages['node_modules/app-lib']!.version).toBe('2.0.0');
    expect(lock.packages['node_modules/dep-lib']!.version).toBe('1.0.0');
    expect(lock.packages['node_modules/dep-lib']!.resolved).toMatch(
      new RegExp(`^${b.url}/dep-lib/-/dep-lib-1\\.0\\.0\\.tgz$`),
    );
    const row = await b.storage.releases.get('pkg:npm/dep-lib@1.0.0');
    expect(lock.packages['node_modules/dep-lib']!.integrity).toBe(
      (JSON.parse(row!.native) as Record<string, string>)['sri-sha512'],
    );
    expect(readFileSync(join(project, 'node_modules', 'dep-lib', 'index.js'), 'utf8')).toContain(
      'dep-lib@1.0.0',
    );
    // The tarball facts B computed are cached in the shared state: A reads them, not the tarball.
    expect(await a.storage.packages.npmTarball(row!.sha256)).toMatchObject({
      sha1: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });
});
