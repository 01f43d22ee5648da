// Scale-out benchmark, the publish's storage path (issue 19), run by bench/scaleout.mjs through
// tsx. Each publish does what the pipeline stores, through the storage contracts: reserve the
// release row (ReleaseTables), store the artifact (BlobStore), append the author and publish
// entries to the log, complete the row — on SQLite + files (the embedded default) and on
// PostgreSQL + S3 with one and three replicas, in the same run, beside PostgreSQL's commits/s and
// the S3 server's PUT/s measured the same way. No HTTP, no signature checks: `sigil serve` does not
// run on PostgreSQL + S3 yet, so these are the storage costs a replica adds to each publish (PG
// round trips, S3 PUTs, CPU), the inputs of docs/scale-out.md's capacity figures.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { ed25519NoteSigner, formatVerifierKey } from '../src/log/note-key.js';
import type { TransparencyLog } from '../src/log/service.js';
import type { BlobStore } from '../src/store/registry/blob-store.js';
import type { NewRelease, ReleaseTables } from '../src/store/registry/release-tables.js';
import { SqliteBlobStore } from '../src/store/registry/sqlite-blob-store.js';
import { SqliteReleaseTables } from '../src/store/registry/sqlite-release-tables.js';
import { ContentStore } from '../src/store/scale/objects.js';
import { migrate, openPostgres } from '../src/store/scale/pg.js';
import { PgReleaseTables } from '../src/store/scale/pg-release-tables.js';
import { S3BlobStore } from '../src/store/scale/s3-blob-store.js';
import { parseObjectsUrl, S3Objects } from '../src/store/scale/s3-objects.js';
import { SharedLog } from '../src/store/scale/shared-log.js';
import { SequencedLog } from '../src/store/sequencer.js';
import { SqliteFileStorage } from '../src/store/sqlite-file-storage.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startS3 } from '../test/helpers/s3.js';

const N = Number(process.env.SIGIL_BENCH_SCALEOUT_PUBLISHES ?? 1000);
const IN_FLIGHT = 64;
const ARTIFACT_BYTES = 16 * 1024; // a typical small npm tarball
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
const row = (what: string, value: string, limit: string, note: string) =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(18)}   limit ${limit.padStart(18)}   ${note}`);

async function pooled(n: number, inFlight: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await f(next++);
    }),
  );
}

/** countQueries counts the statements a pool's clients send (PostgreSQL round trips). */
function countQueries(pool: pg.Pool): { n: number } {
  const c = { n: 0 };
  pool.on('connect', (client) => {
    const q = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      c.n++;
      return q(...a);
    };
  });
  return c;
}

interface Replica {
  tables: ReleaseTables;
  blobs: BlobStore;
  log: TransparencyLog;
}

const artifacts = Array.from({ length: N }, (_, i) => {
  const bytes = randomBytes(ARTIFACT_BYTES);
  bytes.write(`publish ${i}`);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
});

function release(tag: string, i: number): NewRelease {
  const entry = (kind: string) => {
    const b = randomBytes(700); // about the size of a dsse log entry with one signature
    b.write(`${tag} ${kind} ${i}`);
    return new Uint8Array(b);
  };
  return {
    purl: `pkg:npm/bench-${tag}@1.0.${i}`,
    type: 'npm',
    namespace: '',
    name: `bench-${tag}`,
    version: `1.0.${i}`,
    sha256: artifacts[i]!.sha256,
    sha512: 'b'.repeat(128),
    size: ARTIFACT_BYTES,
    native: '{}',
    publishedAt: new Date().toISOString(),
    filename: `bench-${i}.tgz`,
    account: 'bench',
    authorBundle: '{"mediaType":"…"}',
    authorKeyId: 'k',
    authorKeyPem: null,
    authorEntry: entry('author'),
    publishEnvelope: '{"payload":"…"}',
    publishEntry: entry('publish'),
    registrySignature: null,
  };
}

/** publishAll runs the storage path of N publishes spread over the replicas; returns rate and latencies. */
async function publishAll(tag: string, replicas: Replica[]) {
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  await pooled(N, IN_FLIGHT, async (i) => {
    const r = replicas[i % replicas.length]!;
    const s = performance.now();
    const rel = release(tag, i);
    const reserved = await r.tables.reserve(rel, `npm:bench-${tag}@1.0.${i}`);
    if (reserved.kind !== 'reserved') throw new Error(`bench: ${rel.purl} ${reserved.kind}`);
    await r.blobs.put(artifacts[i]!.sha256, artifacts[i]!.bytes);
    const [a, p] = await Promise.all([
      r.log.append(rel.authorEntry!),
      r.log.append(rel.publishEntry),
    ]);
    await r.tables.complete(rel.purl, a.index, p.index);
    lat.push(performance.now() - s);
  });
  const wall = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Every acknowledged publish readable, with its bytes, from every replica (a sample of 50).
  for (const r of replicas)
    for (let i = 0; i < N; i += Math.ceil(N / 50)) {
      const got = await r.tables.get(`pkg:npm/bench-${tag}@1.0.${i}`);
      const bytes = await r.blobs.read(artifacts[i]!.sha256);
      if (got?.state !== 'published' || !bytes) throw new Error(`bench: publish ${i} not readable`);
    }
  return { rate: N / wall, p99: p99(lat), cpuMs: (cpu.user + cpu.system) / 1e3 / N };
}

console.log(
  `\nscale-out publish storage path: reserve + artifact + 2 log entries + complete, through the contracts (issue 19)\n  load average at start: ${load()}`,
);
const [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
try {
  const origin = 'bench.sigil.test/log';
  const signer = ed25519NoteSigner(origin, randomBytes(32));
  const verifierKey = formatVerifierKey(signer);

  // ---- limits, the same way: PG one-row commits/s, S3 PUT/s of the artifact size ----------
  const url = await cluster.createDatabase('bench_limits');
  const admin = openPostgres(url, 32);
  await admin.query('CREATE TABLE bench_commit (id BIGSERIAL PRIMARY KEY, v BYTEA)');
  const commits: number[] = [];
  const puts: number[] = [];
  const objects = new S3Objects(parseObjectsUrl(s3.url));
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    await pooled(1000, IN_FLIGHT, async () => {
      await admin.query('INSERT INTO bench_commit (v) VALUES ($1)', [randomBytes(128)]);
    });
    commits.push(1000 / ((performance.now() - t) / 1000));
    t = performance.now();
    await pooled(200, IN_FLIGHT, (i) => objects.put(`limit/${r}/${i}`, artifacts[i]!.bytes));
    puts.push(200 / ((performance.now() - t) / 1000));
  }
  await admin.end();
  await objects.close();

  // ---- SQLite + files --------------------------------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-publish-'));
  const tables = new SqliteReleaseTables(dir);
  const log = await SequencedLog.open(new SqliteFileStorage(join(dir, 'log')), {
    origin,
    signers: [signer],
    batchIntervalMs: 0,
  });
  const sqlite = await publishAll('sqlite', [
    { tables, blobs: new SqliteBlobStore(tables.releases, dir), log },
  ]);
  await log.close();
  await tables.close();
  rmSync(dir, { recursive: true, force: true });

  // ---- PostgreSQL + S3, one replica then three -------------------------------------------
  const scaled: {
    replicas: number;
    rate: number;
    p99: number;
    cpuMs: number;
    queries: number;
    puts: number;
  }[] = [];
  for (const replicas of [1, 3]) {
    const db = await cluster.createDatabase(`bench_publish_${replicas}`);
    const setup = openPostgres(db, 1);
    await migrate(setup);
    await setup.end();
    const reps: (Replica & {
      pool: pg.Pool;
      counter: { n: number };
      content: ContentStore;
      logContent: ContentStore;
    })[] = [];
    for (let r = 0; r < replicas; r++) {
      const pool = openPostgres(db, 8);
      const counter = countQueries(pool);
      const logContent = new ContentStore(
        new S3Objects({ ...parseObjectsUrl(s3.url), prefix: `p${replicas}/` }),
      );
      const blobs = new S3BlobStore(
        new S3Objects({ ...parseObjectsUrl(s3.url), prefix: `p${replicas}/` }),
      );
      const shared = await SharedLog.open({
        origin,
        signers: [signer],
        verifierKey,
        pool,
        content: logContent,
        databaseUrl: db,
        batchIntervalMs: 5,
        pollMs: 10,
      });
      reps.push({
        tables: new PgReleaseTables(pool),
        blobs,
        log: shared,
        pool,
        counter,
        content: blobs.content,
        logContent,
      });
    }
    await new Promise((r) => setTimeout(r, 700)); // an integrator is elected
    const q0 = reps.reduce((a, r) => a + r.counter.n, 0);
    const res = await publishAll(`pg${replicas}`, reps);
    const queries = reps.reduce((a, r) => a + r.counter.n, 0) - q0;
    const putCount = reps.reduce(
      (a, r) => a + r.content.counters.puts + r.logContent.counters.puts,
      0,
    );
    scaled.push({ replicas, ...res, queries: queries / N, puts: putCount / N });
    for (const r of reps) await (r.log as SharedLog).close();
    for (const r of reps) {
      await r.blobs.close();
      await r.pool.end();
    }
  }

  const medCommit = median(commits);
  const medPut = median(puts);
  console.log(
    `  ${N} publishes (${ARTIFACT_BYTES / 1024} KiB artifact, 2 log entries of 700 B), ${IN_FLIGHT} in flight`,
  );
  row(
    'PostgreSQL commits/s (one row, 64 in flight, med)',
    medCommit.toFixed(0),
    '—',
    'a limit, measured here',
  );
  row(
    `S3 server PUT/s (${ARTIFACT_BYTES / 1024} KiB, 64 in flight, med)`,
    medPut.toFixed(0),
    '—',
    'a limit, measured here',
  );
  row(
    'SQLite + files: publishes/s (storage path)',
    sqlite.rate.toFixed(0),
    '—',
    `p99 ${sqlite.p99.toFixed(0)} ms; CPU ${sqlite.cpuMs.toFixed(2)} ms/publish`,
  );
  for (const r of scaled) {
    row(
      `PostgreSQL + S3, ${r.replicas} replica${r.replicas > 1 ? 's' : ''}: publishes/s`,
      r.rate.toFixed(0),
      `${medCommit.toFixed(0)} commits/s`,
      `p99 ${r.p99.toFixed(0)} ms; vs SQLite ${(r.rate / sqlite.rate).toFixed(2)}×`,
    );
    row(
      `  per publish (${r.replicas}r): PG round trips, S3 PUTs, CPU`,
      `${r.queries.toFixed(1)} / ${r.puts.toFixed(2)} / ${r.cpuMs.toFixed(2)} ms`,
      `${medPut.toFixed(0)} PUT/s`,
      `S3 ceiling at this PUT rate: ${(medPut / r.puts).toFixed(0)} publishes/s; CPU of all replicas (one process)`,
    );
  }
} finally {
  await Promise.all([cluster.destroy(), s3.destroy()]);
  console.log(`  load average at end:   ${load()}`);
}
