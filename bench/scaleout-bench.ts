// Scale-out benchmark (issue 19), run by bench/scaleout.mjs through tsx (it reuses the tests'
// throw-away PostgreSQL cluster and s3rver helpers). Each figure beside the engine's own limit
// measured the same way in the same run:
//   - the S3 server's PUT/s (1 KiB objects, 32 in flight) — the ceiling of S3-backed integration;
//   - PostgreSQL commits/s (one-row INSERT, 32 in flight) — the ceiling of queueing;
//   - log appends/s and p99 on PostgreSQL + S3 with one and three replicas, beside the embedded
//     SQLite + files log in the same run;
//   - per-entry costs for docs/scale-out.md: S3 PUTs, PostgreSQL round trips, bytes stored.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { ed25519NoteSigner, formatVerifierKey } from '../src/log/note-key.js';
import { SequencedLog } from '../src/store/sequencer.js';
import { SqliteFileStorage } from '../src/store/sqlite-file-storage.js';
import { ContentStore } from '../src/store/scale/objects.js';
import { migrate, openPostgres } from '../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../src/store/scale/s3-objects.js';
import { SharedLog } from '../src/store/scale/shared-log.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startS3 } from '../test/helpers/s3.js';

const N = Number(process.env.SIGIL_BENCH_SCALEOUT_ENTRIES ?? 3000);
const IN_FLIGHT = 256;
const progress = (m: string) =>
  process.env.SIGIL_BENCH_VERBOSE && console.error(`[${new Date().toISOString()}] ${m}`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const noise = (xs: number[]) =>
  `${Math.min(...xs).toFixed(0)} / ${median(xs).toFixed(0)} / ${Math.max(...xs).toFixed(0)}`;
const row = (what: string, value: string, limit: string, note: string) =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(18)}   limit ${limit.padStart(18)}   ${note}`);

async function pooled<T>(n: number, inFlight: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await f(i);
      }
    }),
  );
  return out;
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

console.log(
  `\nscale-out: PostgreSQL 15 + S3 (s3rver 3.7, its own process) vs SQLite + files (issue 19)\n  load average at start: ${load()}`,
);
const [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
try {
  // ---- limits -------------------------------------------------------------
  const objects = new S3Objects(parseObjectsUrl(s3.url));
  const putRates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const body = randomBytes(1024);
    const t = performance.now();
    await pooled(300, 32, (i) => objects.put(`limit/${r}/${i}`, body));
    putRates.push(300 / ((performance.now() - t) / 1000));
  }
  const url = await cluster.createDatabase('bench');
  const admin = openPostgres(url, 32);
  await migrate(admin);
  await admin.query('CREATE TABLE bench_commit (id BIGSERIAL PRIMARY KEY, v BYTEA)');
  const commitRates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    await pooled(1000, 32, () =>
      admin.query('INSERT INTO bench_commit (v) VALUES ($1)', [randomBytes(128)]),
    );
    commitRates.push(1000 / ((performance.now() - t) / 1000));
  }
  progress('limits done');
  const medPut = median(putRates);
  const medCommit = median(commitRates);

  const origin = 'bench.sigil.test/log';
  const signer = ed25519NoteSigner(origin, randomBytes(32));
  const vkey = formatVerifierKey(signer);
  const entry = (tag: string, i: number) => {
    const b = Buffer.alloc(128);
    b.write(`${tag} ${i} `);
    randomBytes(64).copy(b, 64);
    return new Uint8Array(b);
  };

  // ---- SQLite + files (the embedded default), same entries, same client concurrency --------
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-sqlite-'));
  const sqlite = await SequencedLog.open(new SqliteFileStorage(dir), {
    origin,
    signers: [signer],
    batchIntervalMs: 5,
  });
  let t = performance.now();
  const lat0: number[] = [];
  await pooled(N, IN_FLIGHT, async (i) => {
    const s = performance.now();
    await sqlite.append(entry('sqlite', i));
    lat0.push(performance.now() - s);
  });
  progress('sqlite done');
  const sqliteRate = N / ((performance.now() - t) / 1000);
  await sqlite.close();
  const sqliteBytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  rmSync(dir, { recursive: true, force: true });

  // ---- PostgreSQL + S3: one replica, then three -------------------------------------------
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
  const results: {
    putBytes: number;
    pgBytes: number;
    replicas: number;
    rate: number;
    p99: number;
    puts: number;
    queries: number;
    cpu: number;
  }[] = [];
  for (const [k, replicas] of [1, 3].entries()) {
    const db = await cluster.createDatabase(`bench_${replicas}`);
    const setup = openPostgres(db, 1);
    await migrate(setup);
    await setup.end();
    const reps: { log: SharedLog; pool: pg.Pool; content: ContentStore; counter: { n: number } }[] =
      [];
    for (let r = 0; r < replicas; r++) {
      const pool = openPostgres(db, 8);
      const counter = countQueries(pool);
      const content = new ContentStore(
        new S3Objects({ ...parseObjectsUrl(s3.url), prefix: `bench${k}/` }),
      );
      const log = await SharedLog.open({
        origin,
        signers: [signer],
        verifierKey: vkey,
        pool,
        content,
        databaseUrl: db,
        batchIntervalMs: 5,
        pollMs: 10,
      });
      reps.push({ log, pool, content, counter });
    }
    progress(`${replicas} replicas open`);
    await new Promise((r) => setTimeout(r, 700)); // an integrator is elected
    const q0 = reps.reduce((a, r) => a + r.counter.n, 0);
    const cpu0 = process.cpuUsage();
    const lat: number[] = [];
    t = performance.now();
    await pooled(N, IN_FLIGHT, async (i) => {
      const s = performance.now();
      await reps[i % replicas]!.log.append(entry(`pg${replicas}`, i));
      lat.push(performance.now() - s);
    });
    progress(`${replicas} replicas appended`);
    const wall = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const queries = reps.reduce((a, r) => a + r.counter.n, 0) - q0;
    const puts = reps.reduce((a, r) => a + r.content.counters.puts, 0);
    const putBytes = reps.reduce((a, r) => a + r.content.counters.putBytes, 0);
    const pgBytes = Number(
      (
        await reps[0]!.pool.query<{ b: string }>(
          `SELECT sum(pg_total_relation_size(c)) AS b FROM unnest(ARRAY['log_state','log_tree','log_dedup','log_object','log_queue']::regclass[]) AS c`,
        )
      ).rows[0]!.b,
    );
    results.push({
      replicas,
      putBytes,
      pgBytes,
      rate: N / wall,
      p99: p99(lat),
      puts,
      queries,
      cpu: (cpu.user + cpu.system) / 1e6,
    });
    for (const r of reps) await r.log.close();
    for (const r of reps) await r.pool.end();
  }
  await admin.end();
  await objects.close();

  console.log(
    `  ${N} entries of 128 bytes, ${IN_FLIGHT} appends in flight, durable before each answer`,
  );
  row(
    'S3 server PUT/s (1 KiB, 32 in flight; min/med/max)',
    noise(putRates),
    '—',
    'the ceiling of S3-backed integration',
  );
  row(
    'PostgreSQL commits/s (32 in flight; min/med/max)',
    noise(commitRates),
    '—',
    'the ceiling of queueing appends',
  );
  row(
    'SQLite + files: appends/s',
    sqliteRate.toFixed(0),
    '—',
    `p99 ${p99(lat0).toFixed(0)} ms; ${(sqliteBytes / N).toFixed(0)} bytes/entry on disk`,
  );
  for (const r of results) {
    row(
      `PostgreSQL + S3, ${r.replicas} replica${r.replicas > 1 ? 's' : ''}: appends/s`,
      r.rate.toFixed(0),
      `${medCommit.toFixed(0)} commits/s`,
      `${(r.rate / medCommit).toFixed(2)}× PG commits; p99 ${r.p99.toFixed(0)} ms; vs SQLite ${(r.rate / sqliteRate).toFixed(2)}×`,
    );
    row(
      `  per entry (${r.replicas}r): S3 PUTs, PG round trips, CPU`,
      `${(r.puts / N).toFixed(3)} / ${(r.queries / N).toFixed(2)} / ${((r.cpu / N) * 1e3).toFixed(2)} ms`,
      `${medPut.toFixed(0)} PUT/s`,
      `S3 ceiling at this PUT rate: ${(medPut / (r.puts / N)).toFixed(0)} entries/s; CPU = all replicas, this process`,
    );
  }
  for (const r of results)
    row(
      `  stored bytes per entry (${r.replicas}r): PG + S3 payload`,
      `${(r.pgBytes / N).toFixed(0)} + ${(r.putBytes / N).toFixed(0)}`,
      '—',
      'PG log tables with indexes; S3 = bytes PUT (superseded partial tiles included)',
    );
} finally {
  await Promise.all([cluster.destroy(), s3.destroy()]);
  console.log(`  load average at end:   ${load()}`);
}
