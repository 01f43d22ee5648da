// Backup and restore of the scale-out log (docs/scale-out.md): dump PostgreSQL with pg_dump,
// copy the bucket object by object, restore both into NEW ones (another database, another
// s3rver bucket), and open the log there: it audits clean from its tiles, every entry is
// readable at its index, and it keeps growing consistently from the restored tree.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/log/checkpoint.js';
import { ed25519NoteSigner, formatVerifierKey, parseVerifierKey } from '../../src/log/note-key.js';
import { checkConsistency } from '../../src/log/proof.js';
import { auditLog } from '../../src/store/audit.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { migrate, openPostgres, requireSchema } from '../../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { SharedLog } from '../../src/store/scale/shared-log.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { copyBucket, type S3Server, startS3 } from '../helpers/s3.js';

const ORIGIN = 'restore.sigil.test/log';
const signer = ed25519NoteSigner(ORIGIN, randomBytes(32));
const vkey = formatVerifierKey(signer);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const pgProgram = needsPostgres('test/store/scaleout-restore.test.ts');
let cluster: PostgresCluster;
let s3a: S3Server;
let s3b: S3Server;

beforeAll(async () => {
  if (skipUnlessPresent(pgProgram)) return;
  pgProgram.require();
  [cluster, s3a, s3b] = await Promise.all([startPostgres(), startS3('live'), startS3('restored')]);
});
afterAll(async () => {
  await Promise.all([cluster?.destroy(), s3a?.destroy(), s3b?.destroy()]);
});

async function open(url: string, s3url: string) {
  const pool = openPostgres(url, 4);
  const log = await SharedLog.open({
    origin: ORIGIN,
    signers: [signer],
    verifierKey: vkey,
    pool,
    content: new ContentStore(new S3Objects(parseObjectsUrl(s3url))),
    databaseUrl: url,
    batchIntervalMs: 5,
    pollMs: 10,
    electionMs: 100,
  });
  return { log, pool };
}

describe.skipIf(skipUnlessPresent(pgProgram))('scale-out backup and restore', () => {
  it('pg_dump + bucket copy restore into new engines: audits clean, every entry readable, keeps growing', async () => {
    const liveUrl = await cluster.createDatabase('live');
    const p = openPostgres(liveUrl, 1);
    await migrate(p);
    await p.end();
    const live = await open(liveUrl, s3a.url);
    const acked = await Promise.all(
      Array.from({ length: 300 }, (_, i) => live.log.append(enc(`release ${i}`))),
    );
    const cpBefore = await live.log.latestCheckpoint();
    await live.log.close();
    await live.pool.end();

    // Backup: PostgreSQL first, then the bucket (objects are immutable and only ever added,
    // so a bucket copied after the dump holds every object the dump's tree names).
    const dump = join(cluster.dir, 'sigil.dump');
    await cluster.bin('pg_dump', ['-Fc', '-f', dump, 'live']);
    const objects = await copyBucket(s3a, s3b);
    expect(objects).toBeGreaterThan(3);

    // Restore into a new database and a new bucket.
    const newUrl = await cluster.createDatabase('restored');
    await cluster.bin('pg_restore', ['-d', 'restored', '--no-owner', dump]);
    const np = openPostgres(newUrl, 1);
    await requireSchema(np); // the dump carries the schema version
    await np.end();
    const restored = await open(newUrl, s3b.url);
    expect(await restored.log.latestCheckpoint()).toBe(cpBefore);
    const audit = await auditLog(
      async (path) =>
        path === 'checkpoint'
          ? enc(await restored.log.latestCheckpoint())
          : restored.log.readTile(path),
      { verifiers: [parseVerifierKey(vkey)], origin: ORIGIN },
    );
    expect(audit.entries).toBe(300);
    for (const [i, r] of acked.entries())
      expect(new TextDecoder().decode(await restored.log.readEntry(r.index))).toBe(`release ${i}`);
    // It keeps going from the restored tree, consistently.
    const next = await restored.log.append(enc('after restore'));
    expect(next.index).toBe(300);
    const v1 = verifyCheckpoint(cpBefore, [parseVerifierKey(vkey)], { origin: ORIGIN });
    const v2 = verifyCheckpoint(next.checkpoint, [parseVerifierKey(vkey)], { origin: ORIGIN });
    if (!v1.ok || !v2.ok) throw new Error('checkpoint');
    const proof = await restored.log.consistencyProof(300, next.treeSize);
    expect(
      checkConsistency(proof, 300, next.treeSize, v1.checkpoint.hash, v2.checkpoint.hash).status,
    ).toBe('pass');
    await restored.log.close();
    await restored.pool.end();
  }, 120_000);
});
