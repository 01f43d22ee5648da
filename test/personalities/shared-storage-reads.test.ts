// The cargo, PyPI, RubyGems, CRAN and Puppet read paths on storage that is not the embedded SQLite
// data directory: the in-memory RegistryStorage, and PostgreSQL + S3 (a throw-away cluster and
// s3rver) shared by two "replicas" — two Fastify apps, each on its own pool and bucket client.
// Each app's `ctx.store` (the SQLite ReleaseStore) throws when touched, so a path that still reads
// it fails here. Releases are written on replica A; indexes and downloads are read on replica B;
// yanks sent to A hide the version on B at once (including B's cached RubyGems index bodies).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { makePurl } from '../../src/core/purl.js';
import { releaseKeyOf } from '../../src/ecosystems/release-key.js';
import type { AuthorKeyAuthority } from '../../src/registry/authority.js';
import {
  CARGO_PREFIX,
  cargoRoutes,
  indexPath,
} from '../../src/registry/personalities/cargo/index.js';
import { CranRepository, cranRoutes } from '../../src/registry/personalities/cran/index.js';
import { GEM_PREFIX, gemRoutes } from '../../src/registry/personalities/gem/index.js';
import { PuppetForge, puppetRoutes } from '../../src/registry/personalities/puppet/index.js';
import { PYPI_PREFIX, pypiRoutes } from '../../src/registry/personalities/pypi/index.js';
import type { RegistryContext } from '../../src/registry/publish.js';
import {
  memoryRegistryStorage,
  type RegistryStorage,
} from '../../src/store/registry/registry-storage.js';
import type { ReleaseStore } from '../../src/store/registry/releases.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { scaleRegistryStorage } from '../../src/store/scale/scale-registry-storage.js';
import { MemoryLog } from '../helpers/memory-log.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { buildTar, buildTgz } from '../helpers/tar-builder.js';

/** untouchable stands in for what these paths must not use: any access throws, naming it. */
function untouchable<T>(what: string): T {
  return new Proxy(
    {},
    {
      get(_target, key) {
        throw new Error(`${what}.${String(key)} was used: this path still needs it`);
      },
    },
  ) as T;
}

// ---- the artifacts (each the smallest file its personality reads) ------------------------

const crate = (version: string) =>
  buildTgz([
    {
      name: `demo-${version}/Cargo.toml`,
      content: `[package]\nname = "demo"\nversion = "${version}"\nedition = "2021"\n`,
    },
    { name: `demo-${version}/src/lib.rs`, content: 'pub fn x() {}\n' },
  ]);
const sdist = buildTgz([
  {
    name: 'demo_pkg-1.0/PKG-INFO',
    content: 'Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.9\n',
  },
]);
const gem = (version: string) =>
  buildTar([
    {
      name: 'metadata.gz',
      content: gzipSync(
        `--- !ruby/object:Gem::Specification\nname: demo\nversion: !ruby/object:Gem::Version\n  version: ${version}\nplatform: ruby\nauthors:\n- Sigil\nsummary: test gem\ndependencies: []\n`,
      ),
    },
    { name: 'data.tar.gz', content: gzipSync(buildTar([{ name: 'lib/x.rb', content: '#\n' }])) },
  ]);
const rPackage = buildTgz([
  { name: 'demo/DESCRIPTION', content: 'Package: demo\nVersion: 1.0\nLicense: MIT\n' },
]);
const module = buildTgz([
  {
    name: 'acme-demo-1.0.0/metadata.json',
    content: JSON.stringify({ name: 'acme-demo', version: '1.0.0', dependencies: [] }),
  },
]);

interface Seed {
  readonly purl: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly bytes: Buffer;
}
const SEEDS: readonly Seed[] = [
  ...['1.0.0', '1.1.0'].map((v) => ({
    purl: makePurl('cargo', undefined, 'demo', v),
    name: 'demo',
    version: v,
    filename: `demo-${v}.crate`,
    bytes: crate(v),
  })),
  {
    purl: makePurl('pypi', undefined, 'demo-pkg', '1.0', { file_name: 'demo_pkg-1.0.tar.gz' }),
    name: 'demo-pkg',
    version: '1.0',
    filename: 'demo_pkg-1.0.tar.gz',
    bytes: sdist,
  },
  ...['1.0.0', '1.1.0'].map((v) => ({
    purl: makePurl('gem', undefined, 'demo', v),
    name: 'demo',
    version: v,
    filename: `demo-${v}.gem`,
    bytes: gem(v),
  })),
  {
    purl: makePurl('cran', undefined, 'demo', '1.0'),
    name: 'demo',
    version: '1.0',
    filename: 'demo_1.0.tar.gz',
    bytes: rPackage,
  },
  {
    purl: makePurl('puppet', 'acme', 'demo', '1.0.0'),
    namespace: 'acme',
    name: 'demo',
    version: '1.0.0',
    filename: 'acme-demo-1.0.0.tar.gz',
    bytes: module,
  },
];

/** seed stores each release as the publish pipeline leaves it: bytes first, then the row, reserved under its release key and completed. */
async function seed(storage: RegistryStorage, seeds: readonly Seed[] = SEEDS): Promise<void> {
  let index = 0;
  for (const s of seeds) {
    const sha256 = createHash('sha256').update(s.bytes).digest('hex');
    await storage.blobs.put(sha256, s.bytes);
    const outcome = await storage.releases.reserve(
      {
        purl: s.purl,
        type: s.purl.slice(4, s.purl.indexOf('/')),
        namespace: s.namespace ?? '',
        name: s.name,
        version: s.version,
        sha256,
        sha512: createHash('sha512').update(s.bytes).digest('hex'),
        size: s.bytes.length,
        native: sha256,
        publishedAt: `2026-12-03T00:00:0${index}.000Z`,
        filename: s.filename,
        account: null,
        authorBundle: null,
        authorKeyId: null,
        authorKeyPem: null,
        authorEntry: null,
        publishEnvelope: '{}',
        publishEntry: new Uint8Array([index]),
        registrySignature: null,
      },
      releaseKeyOf(s.purl).release,
    );
    expect(outcome.kind).toBe('reserved');
    await storage.releases.complete(s.purl, null, index++);
  }
}

/** replica mounts the personalities on one storage handle, as `sigil serve` does. */
async function replica(storage: RegistryStorage, log: MemoryLog): Promise<FastifyInstance> {
  const ctx: RegistryContext = {
    store: untouchable<ReleaseStore>('ctx.store (the SQLite ReleaseStore)'),
    storage,
    log,
    registryKey: registryKey,
    baseUrl: 'http://registry.test',
    authority: untouchable<AuthorKeyAuthority>('ctx.authority'),
    requireAuthorSignature: false,
    now: () => new Date('2026-12-03T12:00:00Z'),
  };
  const app = Fastify();
  const maxUploadBytes = 1024 * 1024;
  await app.register(cargoRoutes, { ctx, maxUploadBytes, prefix: CARGO_PREFIX });
  await app.register(pypiRoutes, { ctx, maxUploadBytes, prefix: PYPI_PREFIX });
  await app.register(gemRoutes, { ctx, maxUploadBytes, prefix: GEM_PREFIX });
  await app.register(cranRoutes, {
    repo: new CranRepository(storage),
    blobs: storage.blobs,
    prefix: '/cran',
  });
  await app.register(puppetRoutes, {
    forge: new PuppetForge(storage, ''),
    blobs: storage.blobs,
    prefix: '/puppet',
  });
  return app;
}

const registryKey = generateKey('ecdsa-p256');
const pgProgram = needsPostgres(import.meta.filename);
const skipPg = skipUnlessPresent(pgProgram);
let cluster: PostgresCluster | undefined;
let s3: S3Server | undefined;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  if (skipPg) return;
  pgProgram.require();
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
}, 120_000);
afterAll(async () => {
  for (const p of pools) await p.end();
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
});

const drivers: {
  name: string;
  skip: boolean;
  /** Artifact bytes in an S3 bucket (which the last test swaps and takes down). */
  bucket: boolean;
  open(): Promise<[RegistryStorage, RegistryStorage]>;
}[] = [
  {
    name: 'memory',
    skip: false,
    bucket: false,
    async open() {
      const m = memoryRegistryStorage();
      return [m, m];
    },
  },
  {
    name: 'PostgreSQL + S3, two replicas',
    skip: skipPg,
    bucket: true,
    async open() {
      const url = await cluster!.createDatabase('reads');
      const [p1, p2] = [openPostgres(url, 4), openPostgres(url, 4)];
      pools.push(p1, p2);
      await migrate(p1);
      const objects = () => new S3Objects(parseObjectsUrl(s3!.url));
      return [scaleRegistryStorage(p1, objects()), scaleRegistryStorage(p2, objects())];
    },
  },
];

describe.each(drivers)('personality reads on $name storage', (d) => {
  let a: FastifyInstance;
  let b: FastifyInstance;
  let sa: RegistryStorage;
  beforeAll(async () => {
    if (d.skip) return;
    let sb: RegistryStorage;
    [sa, sb] = await d.open();
    await seed(sa);
    const log = new MemoryLog({ origin: 'registry.test/log' });
    [a, b] = await Promise.all([replica(sa, log), replica(sb, log)]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it.skipIf(d.skip)(
    'cargo: the index lists both versions; a yank on A is marked on B',
    async () => {
      const line = async () =>
        (await b.inject(`${CARGO_PREFIX}/index/${indexPath('demo')}`)).body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { vers: string; yanked: boolean; cksum: string });
      expect((await line()).map((l) => [l.vers, l.yanked])).toEqual([
        ['1.0.0', false],
        ['1.1.0', false],
      ]);
      const dl = await b.inject(`${CARGO_PREFIX}/api/v1/crates/demo/1.1.0/download`);
      expect(dl.statusCode).toBe(200);
      expect(dl.rawPayload.equals(crate('1.1.0'))).toBe(true);

      const yank = await a.inject({
        method: 'DELETE',
        url: `${CARGO_PREFIX}/api/v1/crates/demo/1.0.0/yank`,
      });
      expect(yank.json()).toEqual({ ok: true });
      expect((await line()).map((l) => [l.vers, l.yanked])).toEqual([
        ['1.0.0', true],
        ['1.1.0', false],
      ]);
      const search = await b.inject(`${CARGO_PREFIX}/api/v1/crates?q=dem`);
      expect(search.json()).toMatchObject({ crates: [{ name: 'demo', max_version: '1.1.0' }] });
    },
  );

  it.skipIf(d.skip)('PyPI: the simple page and the file on B; a yank on A shows on B', async () => {
    const page = async () =>
      (
        await b.inject({
          url: `${PYPI_PREFIX}/simple/demo-pkg/`,
          headers: { accept: 'application/vnd.pypi.simple.v1+json' },
        })
      ).json() as {
        files: { filename: string; yanked?: string | boolean; 'requires-python'?: string }[];
      };
    expect((await page()).files).toMatchObject([
      { filename: 'demo_pkg-1.0.tar.gz', 'requires-python': '>=3.9' },
    ]);
    expect((await page()).files[0]!.yanked).toBe(false);
    const file = await b.inject(`${PYPI_PREFIX}/files/demo-pkg/1.0/demo_pkg-1.0.tar.gz`);
    expect(file.rawPayload.equals(sdist)).toBe(true);
    expect((await b.inject(`${PYPI_PREFIX}/simple/`)).body).toContain('demo-pkg');

    const yank = await a.inject({
      method: 'PUT',
      url: `${PYPI_PREFIX}/yank/demo-pkg/1.0`,
      payload: { reason: 'broken wheel' },
    });
    expect(yank.json()).toMatchObject({ yanked: true, files: ['demo_pkg-1.0.tar.gz'] });
    expect((await page()).files[0]!.yanked).toBe('broken wheel');
  });

  it.skipIf(d.skip)(
    "RubyGems: B's cached /info and /versions drop a version yanked on A",
    async () => {
      const info = async () => (await b.inject(`${GEM_PREFIX}/info/demo`)).body;
      const versions = async () => (await b.inject(`${GEM_PREFIX}/versions`)).body;
      expect(await info()).toMatch(/^---\n1\.0\.0 \|checksum:[0-9a-f]{64}.*\n1\.1\.0 /s);
      expect(await versions()).toMatch(/^demo 1\.0\.0,1\.1\.0 /m);
      const dl = await b.inject(`${GEM_PREFIX}/gems/demo-1.0.0.gem`);
      expect(dl.rawPayload.equals(gem('1.0.0'))).toBe(true);

      const yank = await a.inject({
        method: 'DELETE',
        url: `${GEM_PREFIX}/api/v1/gems/yank`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'gem_name=demo&version=1.0.0',
      });
      expect(yank.body).toBe('Successfully deleted gem: demo (1.0.0)');
      expect(await info()).not.toContain('1.0.0 ');
      expect(await info()).toContain('1.1.0 ');
      expect(await versions()).toMatch(/^demo 1\.1\.0 /m);
      // Still downloadable: lockfiles that pin it keep working.
      expect((await b.inject(`${GEM_PREFIX}/gems/demo-1.0.0.gem`)).statusCode).toBe(200);
    },
  );

  it.skipIf(d.skip)('CRAN and Puppet: the index and the tarball on B', async () => {
    const packages = await b.inject('/cran/src/contrib/PACKAGES');
    expect(packages.body).toContain('Package: demo\nVersion: 1.0\n');
    expect(packages.body).toContain(
      `SHA256: ${createHash('sha256').update(rPackage).digest('hex')}`,
    );
    const tarball = await b.inject('/cran/src/contrib/demo_1.0.tar.gz');
    expect(tarball.rawPayload.equals(rPackage)).toBe(true);

    const releases = await b.inject('/puppet/v3/releases?module=acme-demo');
    expect(releases.json()).toMatchObject({
      results: [
        { version: '1.0.0', file_sha256: createHash('sha256').update(module).digest('hex') },
      ],
    });
    const file = await b.inject('/puppet/v3/files/acme-demo-1.0.0.tar.gz');
    expect(file.rawPayload.equals(module)).toBe(true);
  });

  // Last: it takes the bucket down (memory storage has none: not run there). Crates B never
  // read, so no cache of B answers for the bucket.
  it.skipIf(d.skip || !d.bucket)(
    'a bucket object swapped for other bytes is never served (500 STORAGE_ERROR); the bucket down is 503 + Retry-After',
    async () => {
      const fault = (v: string): Seed => ({
        purl: makePurl('cargo', undefined, 'fault', v),
        name: 'fault',
        version: v,
        filename: `fault-${v}.crate`,
        bytes: crate(v),
      });
      await seed(sa, [fault('1.0.0'), fault('2.0.0')]);
      const raw = new S3Objects(parseObjectsUrl(s3!.url));
      const sha = createHash('sha256').update(crate('1.0.0')).digest('hex');
      await raw.put(ContentStore.keyOf(sha), crate('1.0.1'));
      await raw.close();
      const swapped = await b.inject(`${CARGO_PREFIX}/api/v1/crates/fault/1.0.0/download`);
      expect(swapped.statusCode).toBe(500);
      expect(swapped.json()).toEqual({
        errors: [
          {
            detail: expect.stringMatching(
              /^the registry's storage failed this request \(a stored artifact that does not match its digest is never served\)/,
            ),
          },
        ],
      });

      await s3!.stop();
      try {
        const down = await b.inject(`${CARGO_PREFIX}/api/v1/crates/fault/2.0.0/download`);
        expect(down.statusCode).toBe(503);
        expect(down.headers['retry-after']).toBe('5');
        expect(down.json()).toEqual({
          errors: [
            {
              detail: expect.stringContaining("the registry's storage cannot be reached right now"),
            },
          ],
        });
      } finally {
        await s3!.start();
      }
      const back = await b.inject(`${CARGO_PREFIX}/api/v1/crates/fault/2.0.0/download`);
      expect(back.rawPayload.equals(crate('2.0.0'))).toBe(true);
    },
    60_000,
  );
});
