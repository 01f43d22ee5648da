// SharedLog: one log, three replicas (in this process, each with its own pool) over a real
// PostgreSQL 15 cluster and s3rver. Appends on any replica, one integrator elected by an
// advisory lock, take-over when it goes, 503 + Retry-After while PostgreSQL restarts or the
// object store is down, and nothing acknowledged lost.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/log/checkpoint.js';
import { recordHash } from '../../src/log/hash.js';
import { ed25519NoteSigner, formatVerifierKey, parseVerifierKey } from '../../src/log/note-key.js';
import { checkConsistency, checkInclusion } from '../../src/log/proof.js';
import { PushbackError, type AppendResult } from '../../src/log/service.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { SharedLog } from '../../src/store/scale/shared-log.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const ORIGIN = 'shared.sigil.test/log';
const signer = ed25519NoteSigner(ORIGIN, randomBytes(32));
const vkey = formatVerifierKey(signer);
const rootOf = (cp: string): Uint8Array => {
  const v = verifyCheckpoint(cp, [parseVerifierKey(vkey)], { origin: ORIGIN });
  if (!v.ok) throw new Error(v.check.reason);
  return v.checkpoint.hash;
};

const pg = needsPostgres('test/store/shared-log.test.ts');
let cluster: PostgresCluster;
let s3: S3Server;
let url: string;

beforeAll(async () => {
  if (skipUnlessPresent(pg)) return;
  pg.require();
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
  url = await cluster.createDatabase('shared');
  const pool = openPostgres(url, 1);
  await migrate(pool);
  await pool.end();
});
afterAll(async () => {
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
});

async function replica(): Promise<SharedLog & { ownPool: ReturnType<typeof openPostgres> }> {
  const pool = openPostgres(url, 4);
  const content = new ContentStore(new S3Objects(parseObjectsUrl(s3.url)));
  const log = await SharedLog.open({
    origin: ORIGIN,
    signers: [signer],
    verifierKey: vkey,
    pool,
    content,
    databaseUrl: url,
    batchIntervalMs: 5,
    pollMs: 10,
    electionMs: 100,
    appendTimeoutMs: 8000,
  });
  return Object.assign(log, { ownPool: pool });
}

async function until(f: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(skipUnlessPresent(pg))('SharedLog: three replicas, one log', () => {
  it('appends on every replica, one integrator, proofs from every replica, take-over, outages', async () => {
    const reps = await Promise.all([replica(), replica(), replica()]);
    await until(() => reps.filter((r) => r.isIntegrator).length === 1);
    expect(reps.filter((r) => r.isIntegrator)).toHaveLength(1);

    const acked: { entry: string; r: AppendResult }[] = [];
    const round = async (tag: string, n: number, on: SharedLog[]) => {
      const rs = await Promise.all(
        Array.from({ length: n }, (_, i) => on[i % on.length]!.append(enc(`${tag}-${i}`))),
      );
      rs.forEach((r, i) => acked.push({ entry: `${tag}-${i}`, r }));
    };
    await round('a', 120, reps);
    expect(new Set(acked.map((a) => a.r.index)).size).toBe(120);
    // A duplicate on another replica gets the same index.
    expect(await reps[2]!.append(enc('a-5'))).toMatchObject({
      index: acked[5]!.r.index,
      duplicate: true,
    });

    // The integrator goes away: another replica takes over within seconds.
    const first = reps.find((r) => r.isIntegrator)!;
    await first.close();
    await first.ownPool.end();
    const rest = reps.filter((r) => r !== first);
    const t0 = Date.now();
    await round('b', 60, rest);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(rest.filter((r) => r.isIntegrator)).toHaveLength(1);

    // PostgreSQL restarts: appends answer pushback (503 + Retry-After), then work again.
    const before = await rest[0]!.latestCheckpoint();
    await cluster.stop();
    const during = await rest[0]!.append(enc('during outage')).then(
      () => 'ok',
      (e: unknown) => e,
    );
    expect(during).toBeInstanceOf(PushbackError);
    // Reads of the committed tree go on from what this replica has cached.
    expect(await rest[0]!.latestCheckpoint()).toBe(before);
    await cluster.start();
    await until(
      async () =>
        rest[0]!.append(enc('after restart')).then(
          (r) => (acked.push({ entry: 'after restart', r }), true),
          () => false,
        ),
      20_000,
    );

    // The object store is down: appends fail cleanly (nothing acknowledged), then recover.
    await s3.stop();
    const noS3 = await rest[1]!.append(enc('no objects')).then(
      () => 'acknowledged',
      (e: unknown) => e,
    );
    expect(noS3).toBeInstanceOf(PushbackError);
    await s3.start();
    await until(
      async () =>
        rest[1]!.append(enc('objects back')).then(
          (r) => (acked.push({ entry: 'objects back', r }), true),
          () => false,
        ),
      20_000,
    );

    // Every acknowledged entry is at its index, provably, from every remaining replica.
    const cp = await rest[1]!.latestCheckpoint();
    const size = Number(cp.split('\n')[1]);
    const root = rootOf(cp);
    for (const rep of rest) {
      for (const { entry, r } of acked) {
        expect(new TextDecoder().decode(await rep.readEntry(r.index))).toBe(entry);
        const proof = await rep.inclusionProof(r.index, size);
        expect(checkInclusion(proof, r.index, size, recordHash(enc(entry)), root).status).toBe(
          'pass',
        );
        const cons = await rep.consistencyProof(r.treeSize, size);
        expect(checkConsistency(cons, r.treeSize, size, rootOf(r.checkpoint), root).status).toBe(
          'pass',
        );
      }
    }
    for (const r of rest) {
      await r.close();
      await r.ownPool.end();
    }
  }, 120_000);
});
