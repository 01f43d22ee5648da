// The Hex personality's read path (HexRepository + hexRoutes) on the in-memory storage and on
// PostgreSQL + S3 (two replicas' handles: two pools, two S3 clients), not only on the embedded
// SQLite one. Releases published through `sigil serve` (embedded) are copied row by row, with
// their bytes, into each storage, as another replica would have stored them. Each storage then
// serves names, versions, packages and tarballs byte for byte as the embedded registry did
// (Hex signs with RSA PKCS#1 v1.5, which is deterministic), the real rebar3 installs from it
// with repo_verify on, and a release stored through the second handle is served by the first
// at once. On PostgreSQL + S3, an artifact changed in the bucket is never served.
// PostgreSQL and rebar3 are real programs: skipped loudly locally, a failure under CI=true.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import {
  decodeMessage,
  decodeSigned,
  HexRepository,
  hexRoutes,
} from '../../src/registry/personalities/hex/index.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { scaleRegistryStorage } from '../../src/store/scale/scale-registry-storage.js';
import {
  memoryRegistryStorage,
  type RegistryStorage,
} from '../../src/store/registry/registry-storage.js';
import { runCli } from '../helpers/cli.js';
import { buildHexTarball, rebarGetDeps } from '../helpers/hex.js';
import { needsPostgres, startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { startS3, type S3Server } from '../helpers/s3.js';

const FILE = 'test/personalities/hex-storage-drivers.test.ts';
const rebar3 = needsProgram('rebar3', ['version'], 'apt-get install rebar3', FILE);
const postgres = needsPostgres(FILE);
const skipRebar = skipUnlessPresent(rebar3);
const skipPg = skipUnlessPresent(postgres);

const NAME = 'sigil_shared';
const PATHS = ['names', 'versions', `packages/${NAME}`];
const tarPath = (v: string) => `tarballs/${NAME}-${v}.tar`;
const purlOf = (v: string) => `pkg:hex/${NAME}@${v}`;

let dir: string;
let registry: Registry;
/** What the embedded registry served with 1.0.0 published, then with 1.0.0 and 2.0.0. */
const served: Map<string, Buffer>[] = [];

async function fetchAll(base: string, versions: string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const p of [...PATHS, ...versions.map(tarPath)]) {
    const res = await fetch(`${base}/hex/${p}`);
    expect(res.status, p).toBe(200);
    out.set(p, Buffer.from(await res.arrayBuffer()));
  }
  return out;
}

/** listed: the versions a gzipped, signed /packages/<name> lists. */
function listed(body: Buffer): string[] {
  const pkg = decodeMessage('Package', decodeSigned(gunzipSync(body)).payload) as {
    releases: { version: string }[];
  };
  return pkg.releases.map((r) => r.version);
}

/** copyRelease stores one published release of the embedded registry into `into`: its row, then its bytes. */
async function copyRelease(into: RegistryStorage, purl: string): Promise<void> {
  const row = (await registry.storage.releases.get(purl))!;
  const bytes = (await registry.storage.blobs.read(row.sha256))!;
  const { authorIndex, publishIndex, state: _state, ...rest } = row;
  await into.blobs.put(row.sha256, bytes);
  expect((await into.releases.reserve(rest)).kind).toBe('reserved');
  await into.releases.complete(purl, authorIndex, publishIndex!);
}

/** serveHex mounts the Hex personality over `storage`, signed with the embedded registry's Hex key. */
async function serveHex(storage: RegistryStorage): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  await app.register(hexRoutes, {
    repo: new HexRepository(storage, registry.hexKey.privateKey, { repository: 'sigil' }),
    blobs: storage.blobs,
    publicPem: registry.hexKey.publicPem,
    prefix: '/hex',
  });
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-hex-drivers-'));
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'hex-drivers.test/log',
    openWrites: true,
    batchIntervalMs: 2,
  });
  const url = await registry.listen();
  const key = JSON.parse((await runCli(['keygen', '--out', join(dir, 'keys'), '--json'])).stdout);
  for (const v of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) {
    const tarball = buildHexTarball(dir, NAME, v, `hello ${v} from the embedded registry`);
    const pub = await runCli(['publish', tarball, '--server', url, '--key', key.privateKey], {
      SIGIL_CONFIG_DIR: join(dir, 'config'),
    });
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    if (v < '3') served.push(await fetchAll(url, v === '1.0.0' ? [v] : ['1.0.0', v]));
  }
}, 120_000);

afterAll(async () => {
  await registry?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Replicas {
  /** Two handles on one shared storage (for memory, one object twice). */
  readonly a: RegistryStorage;
  readonly b: RegistryStorage;
  /** tamper swaps the stored bytes under sha256 below the driver, or is undefined when it cannot. */
  readonly tamper?: (sha256: string, bytes: Uint8Array) => Promise<void>;
}

const drivers: { name: string; skip: boolean; open(): Promise<Replicas> }[] = [
  {
    name: 'memory',
    skip: false,
    async open() {
      const m = memoryRegistryStorage();
      return { a: m, b: m };
    },
  },
  {
    name: 'PostgreSQL + S3',
    skip: skipPg,
    async open() {
      postgres.require();
      const url = await cluster!.createDatabase('hex_read');
      const p1 = openPostgres(url, 4);
      const p2 = openPostgres(url, 4);
      pools.push(p1, p2);
      await migrate(p1);
      const objects = () => new S3Objects(parseObjectsUrl(s3!.url));
      const raw = objects();
      const a = scaleRegistryStorage(p1, objects());
      const b = scaleRegistryStorage(p2, objects());
      closers.push(
        () => a.close(),
        () => b.close(),
        () => raw.close(),
      );
      return { a, b, tamper: (sha, bytes) => raw.put(ContentStore.keyOf(sha), bytes) };
    },
  },
];

let cluster: PostgresCluster | undefined;
let s3: S3Server | undefined;
const pools: pg.Pool[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (skipPg) return;
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
}, 120_000);

afterAll(async () => {
  for (const c of closers) await c();
  for (const p of pools) await p.end();
  await s3?.destroy();
  await cluster?.destroy();
});

describe.each(drivers)('the Hex read path on $name storage', (d) => {
  let replicas: Replicas;
  let a: { app: FastifyInstance; url: string };
  beforeAll(async () => {
    if (d.skip) return;
    replicas = await d.open();
    a = await serveHex(replicas.a);
  }, 60_000);
  afterAll(async () => {
    await a?.app.close();
  });

  it.skipIf(d.skip)(
    'serves names, versions, the signed package and the tarball byte for byte as the embedded registry',
    async () => {
      // Nothing stored yet: nothing listed, nothing to fetch.
      expect((await fetch(`${a.url}/hex/packages/${NAME}`)).status).toBe(404);
      expect((await fetch(`${a.url}/hex/${tarPath('1.0.0')}`)).status).toBe(404);
      await copyRelease(replicas.a, purlOf('1.0.0'));
      expect(await fetchAll(a.url, ['1.0.0'])).toEqual(served[0]);
    },
  );

  it.skipIf(d.skip)(
    'a release stored through the other handle (replica) is served at once, in the same bytes',
    async () => {
      await copyRelease(replicas.b, purlOf('2.0.0'));
      expect(await fetchAll(a.url, ['1.0.0', '2.0.0'])).toEqual(served[1]);
    },
  );

  it.skipIf(d.skip || skipRebar)(
    'rebar3 get-deps (repo_verify) installs from it: signature and outer checksum checked',
    async () => {
      rebar3.require();
      const r = await rebarGetDeps(
        dir,
        `rebar-${d.name.replace(/\W+/g, '-')}`,
        `${a.url}/hex`,
        registry.hexKey.publicPem,
        { name: NAME, version: '2.0.0' },
      );
      expect(r.status, r.out).toBe(0);
      expect(readFileSync(r.dep, 'utf8')).toContain('hello 2.0.0 from the embedded registry');
    },
    180_000,
  );

  it.skipIf(d.skip || d.name === 'memory')(
    'an artifact changed in the object store is never served: the version is not offered, the others are',
    async () => {
      const row = (await registry.storage.releases.get(purlOf('3.0.0')))!;
      await copyRelease(replicas.b, row.purl); // b has it cached; a reads the bucket
      const forged = Buffer.from(`not ${NAME} 3.0.0`);
      await replicas.tamper!(row.sha256, forged);
      const res = await fetch(`${a.url}/hex/${tarPath('3.0.0')}`);
      expect(res.status).toBe(404);
      expect(Buffer.from(await res.arrayBuffer()).includes(forged)).toBe(false);
      // The signed package lists what can be served: 1.0.0 and 2.0.0, as before.
      const pkg = await fetch(`${a.url}/hex/packages/${NAME}`);
      expect(Buffer.from(await pkg.arrayBuffer())).toEqual(served[1]!.get(`packages/${NAME}`));
    },
  );

  it.skipIf(d.skip || d.name === 'memory')(
    'with the bucket down the index is refused, not served without what it cannot read; complete once it is back',
    { timeout: 60_000 },
    async () => {
      await copyRelease(replicas.b, purlOf('4.0.0')); // a has not read it: its bytes are in the bucket
      await s3!.stop();
      try {
        const down = await fetch(`${a.url}/hex/packages/${NAME}`);
        expect(down.status).toBeGreaterThanOrEqual(500);
      } finally {
        await s3!.start();
      }
      const up = await fetch(`${a.url}/hex/packages/${NAME}`);
      expect(up.status).toBe(200);
      expect(listed(Buffer.from(await up.arrayBuffer()))).toEqual(['1.0.0', '2.0.0', '4.0.0']);
    },
  );
});
