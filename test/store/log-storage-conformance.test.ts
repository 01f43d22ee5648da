// One conformance suite for every LogStorage driver (in the style of x/mod's sumdb/storage/test.go):
// the in-memory double, the embedded SQLite + files default, and PostgreSQL + S3 (a throw-away
// PostgreSQL 15 cluster and s3rver, both real servers started here). Then what only the shared
// driver must show: two integrators racing on one database never commit two roots of one size,
// and migrations run once when replicas start together.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/log/checkpoint.js';
import { recordHash } from '../../src/log/hash.js';
import { ed25519NoteSigner, formatVerifierKey, parseVerifierKey } from '../../src/log/note-key.js';
import { checkConsistency, checkInclusion } from '../../src/log/proof.js';
import {
  type LogStorage,
  MemoryStorage,
  SequencedLog,
  SqliteFileStorage,
  StorageConflictError,
} from '../../src/store/index.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { migrate, openPostgres, SCHEMA_VERSION, schemaVersion } from '../../src/store/scale/pg.js';
import { PgLogStorage } from '../../src/store/scale/pg-log-storage.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const ORIGIN = 'conformance.sigil.test/log';
const seed = randomBytes(32);
const signer = ed25519NoteSigner(ORIGIN, seed);
const vkey = formatVerifierKey(signer);

function rootOf(cp: string): Uint8Array {
  const v = verifyCheckpoint(cp, [parseVerifierKey(vkey)], { origin: ORIGIN });
  if (!v.ok) throw new Error(v.check.reason);
  return v.checkpoint.hash;
}

interface Driver {
  name: string;
  /** open returns a storage over the same backing state on every call with the same `id`. */
  open(id: string): Promise<LogStorage>;
}

const pg = needsPostgres('test/store/log-storage-conformance.test.ts');
const skipPg = skipUnlessPresent(pg);
let cluster: PostgresCluster | undefined;
let s3: S3Server | undefined;
const tmpDirs: string[] = [];
const memories = new Map<string, MemoryStorage>();

beforeAll(async () => {
  if (skipPg) return;
  pg.require();
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
});
afterAll(async () => {
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

const dbs = new Map<string, Promise<string>>();
async function pgStorage(id: string, log = 'main'): Promise<PgLogStorage> {
  let url = dbs.get(id);
  if (!url) dbs.set(id, (url = cluster!.createDatabase(`db_${id}`)));
  const pool = openPostgres(await url, 4);
  await migrate(pool);
  const objects = new S3Objects({ ...parseObjectsUrl(s3!.url), prefix: `${id}/` });
  return new PgLogStorage(pool, new ContentStore(objects), { log, ownsPool: true });
}

const drivers: Driver[] = [
  {
    name: 'memory',
    async open(id) {
      let m = memories.get(id);
      if (!m) memories.set(id, (m = new MemoryStorage()));
      return m;
    },
  },
  {
    name: 'sqlite+files',
    async open(id) {
      const dir = join(tmpdir(), `sigil-conf-${process.pid}-${id}`);
      if (!tmpDirs.includes(dir)) tmpDirs.push(dir);
      return new SqliteFileStorage(dir);
    },
  },
  { name: 'postgresql+s3', open: (id) => pgStorage(id) },
];

let counter = 0;
const freshId = (): string => `t${process.pid}_${++counter}`;

describe.each(drivers)('LogStorage conformance: $name', (driver) => {
  const skip = driver.name === 'postgresql+s3' && skipPg;

  it.skipIf(skip)('starts empty; commit is a compare-and-swap on the committed size', async () => {
    const s = await driver.open(freshId());
    expect(await s.loadState()).toBeUndefined();
    const root = new Uint8Array(32);
    await s.commit({ oldSize: undefined, size: 0, root, checkpoint: 'c0', dedup: [] });
    await expect(
      s.commit({ oldSize: undefined, size: 0, root, checkpoint: 'c0', dedup: [] }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    await expect(
      s.commit({ oldSize: 5, size: 6, root, checkpoint: 'c6', dedup: [] }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    const h = recordHash(enc('x'));
    await s.commit({ oldSize: 0, size: 1, root: h, checkpoint: 'c1', dedup: [[h, 0]] });
    expect(await s.loadState()).toMatchObject({ size: 1, checkpoint: 'c1' });
    expect(await s.lookup([h, recordHash(enc('y'))])).toEqual([0, undefined]);
    await s.close();
  });

  it.skipIf(skip)('stores objects whole, reads them back, and prunes partial tiles', async () => {
    const s = await driver.open(freshId());
    const full = { level: 0, index: 0, width: 256 };
    const partial = { level: 0, index: 0, width: 3 };
    await s.writeTiles([
      { tile: partial, data: new Uint8Array(96).fill(1) },
      { tile: full, data: new Uint8Array(8192).fill(2) },
    ]);
    // PostgreSQL + S3 makes written objects readable at the commit point (the path mapping
    // is part of the commit); the others at once. Either way: readable after commit.
    await s.commit({
      oldSize: undefined,
      size: 256,
      root: new Uint8Array(32),
      checkpoint: 'c',
      dedup: [],
    });
    expect(await s.readTile(full)).toEqual(new Uint8Array(8192).fill(2));
    expect(await s.readTile(partial)).toEqual(new Uint8Array(96).fill(1));
    expect(await s.readTile({ level: 1, index: 0, width: 1 })).toBeUndefined();
    await s.prune([full]);
    expect(await s.readTile(partial)).toBeUndefined();
    expect(await s.readTile(full)).toEqual(new Uint8Array(8192).fill(2));
    await s.close();
  });

  it.skipIf(skip)(
    'carries a real log: appends, dedup, proofs, restart on the same storage',
    async () => {
      const id = freshId();
      const opts = { origin: ORIGIN, signers: [signer], batchSize: 64, batchIntervalMs: 2 };
      const log = await SequencedLog.open(await driver.open(id), opts);
      const rs = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(enc(`e${i}`))));
      expect(new Set(rs.map((r) => r.index)).size).toBe(300);
      const cp1 = await log.latestCheckpoint();
      expect(await log.append(enc('e7'))).toMatchObject({ index: rs[7]!.index, duplicate: true });
      await log.close();
      const again = await SequencedLog.open(await driver.open(id), opts);
      expect(await again.latestCheckpoint()).toBe(cp1);
      expect(await again.append(enc('e9'))).toMatchObject({ index: rs[9]!.index, duplicate: true });
      const more = await again.append(enc('after restart'));
      expect(more.index).toBe(300);
      const root2 = rootOf(more.checkpoint);
      for (const i of [0, 7, 255, 256, 299]) {
        const proof = await again.inclusionProof(i, more.treeSize);
        const entry = (await again.readEntry(i))!;
        expect(checkInclusion(proof, i, more.treeSize, recordHash(entry), root2).status).toBe(
          'pass',
        );
      }
      const cons = await again.consistencyProof(300, 301);
      expect(checkConsistency(cons, 300, 301, rootOf(cp1), root2).status).toBe('pass');
      await again.close();
    },
  );
});

describe.skipIf(skipPg)('PostgreSQL + S3 only', () => {
  it('two integrators racing on one database never commit two roots of one size', async () => {
    const id = freshId();
    const opts = { origin: ORIGIN, signers: [signer], batchSize: 16, batchIntervalMs: 1 };
    const a = await SequencedLog.open(await pgStorage(id), opts);
    const b = await SequencedLog.open(await pgStorage(id), opts);
    // Both loaded size 0 and now append different entries: each builds a tree of the same
    // sizes with different roots; only one may commit each size.
    const results = await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) => a.append(enc(`a${i}`))),
      ...Array.from({ length: 40 }, (_, i) => b.append(enc(`b${i}`))),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const conflicts = results.filter(
      (r) => r.status === 'rejected' && (r.reason as Error) instanceof StorageConflictError,
    );
    expect(ok.length).toBeGreaterThan(0);
    expect(conflicts.length).toBeGreaterThan(0); // the loser was refused, not merged
    expect(ok.length + conflicts.length).toBe(80);
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
    const pool = openPostgres(await dbs.get(id)!, 2);
    const trees = await pool.query<{ size: string; roots: string }>(
      `SELECT size, count(DISTINCT root) AS roots FROM log_tree WHERE log = 'main' GROUP BY size`,
    );
    expect(trees.rows.length).toBeGreaterThan(1);
    expect(trees.rows.every((r) => Number(r.roots) === 1)).toBe(true);
    await pool.end();
    // A fresh integrator loads the winner's tree intact, and every acknowledged entry is in it.
    const c = await SequencedLog.open(await pgStorage(id), opts);
    const size = (await c.latestCheckpoint()).split('\n')[1];
    expect(Number(size)).toBeGreaterThanOrEqual(ok.length);
    for (const r of ok) {
      const v = (r as PromiseFulfilledResult<{ index: number }>).value;
      expect(await c.readEntry(v.index)).toBeDefined();
    }
    await c.close();
  });

  it('the same size committed again with another root is refused even when the CAS would pass', async () => {
    const s = await pgStorage(freshId());
    await s.commit({
      oldSize: undefined,
      size: 0,
      root: new Uint8Array(32),
      checkpoint: 'c0',
      dedup: [],
    });
    await s.commit({
      oldSize: 0,
      size: 5,
      root: new Uint8Array(32).fill(1),
      checkpoint: 'c5',
      dedup: [],
    });
    // Re-signing the same size (key rotation) with the same root is fine…
    await s.commit({
      oldSize: 5,
      size: 5,
      root: new Uint8Array(32).fill(1),
      checkpoint: 'c5b',
      dedup: [],
    });
    // …another root for size 5 never is.
    await expect(
      s.commit({
        oldSize: 5,
        size: 5,
        root: new Uint8Array(32).fill(9),
        checkpoint: 'fork',
        dedup: [],
      }),
    ).rejects.toBeInstanceOf(StorageConflictError);
    expect(await s.loadState()).toMatchObject({ size: 5, checkpoint: 'c5b' });
    await s.close();
  });

  it('replicas starting together apply each migration once', async () => {
    const url = await cluster!.createDatabase(`mig_${freshId()}`);
    const pools = Array.from({ length: 4 }, () => openPostgres(url, 1));
    const applied = await Promise.all(pools.map((p) => migrate(p)));
    expect(applied.flat().sort()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    expect(await schemaVersion(pools[0]!)).toBe(SCHEMA_VERSION);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('an object the store returns with other bytes is refused, never served', async () => {
    const id = freshId();
    const s = await pgStorage(id);
    const tile = { level: 0, index: 0, width: 1 };
    await s.writeTiles([{ tile, data: new Uint8Array(32).fill(7) }]);
    await s.commit({
      oldSize: undefined,
      size: 1,
      root: new Uint8Array(32).fill(7),
      checkpoint: 'c',
      dedup: [],
    });
    // Tamper with the object in the bucket behind the driver's back.
    const raw = new S3Objects({ ...parseObjectsUrl(s3!.url), prefix: `${id}/` });
    const sha = (await import('../../src/store/scale/objects.js')).sha256Hex(
      new Uint8Array(32).fill(7),
    );
    await raw.put(ContentStore.keyOf(sha), new Uint8Array(32).fill(8));
    const fresh = await pgStorage(id); // no cache
    await expect(fresh.readTile(tile)).rejects.toThrow(/does not hash to its name/);
    await Promise.all([s.close(), fresh.close(), raw.close()]);
  });
});
