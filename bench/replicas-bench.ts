// Scale-out benchmark, whole HTTP publishes (issue 19), run by bench/scaleout.mjs through tsx.
// Real `sigil serve` processes (dist/, so `npm run build` first) take signed multipart publishes
// (as `sigil publish` sends them; 10 KiB artifacts) from concurrent clients in this process:
// the embedded default (SQLite + files), then one and three replicas on PostgreSQL + S3, in the
// same run, beside what the engines do alone measured the same way (PostgreSQL one-row commits/s,
// s3rver PUT/s of the artifact size). Per publish: the CPU of every server process together
// (/proc), PostgreSQL statements (pg_stat_statements: every round trip, BEGIN and COMMIT
// included) and commits (pg_stat_database), and objects written to the bucket (s3rver keeps one
// file per key; keys are content addresses, so this is the PUTs of distinct bytes).
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { serializeBundle } from '../src/core/bundle.js';
import { digestBytes } from '../src/core/digest.js';
import { generateKey } from '../src/core/keys.js';
import { signRelease } from '../src/core/sign.js';
import { buildKeyEvent } from '../src/ledger/event.js';
import { openPostgres } from '../src/store/scale/pg.js';
import { parseObjectsUrl, S3Objects } from '../src/store/scale/s3-objects.js';
import { startPostgres } from '../test/helpers/postgres.js';
import {
  builtServe,
  killReplica,
  type Replica,
  startReplica,
} from '../test/helpers/registry-replica.js';
import { startS3 } from '../test/helpers/s3.js';
// @ts-expect-error -- a plain .mjs module of the bench (procCpu reads /proc/<pid>/stat)
import { procCpu } from './limits.mjs';

const N = Number(process.env['SIGIL_BENCH_REPLICA_PUBLISHES'] ?? 600);
const CLIENTS = 16;
const SIZE = 10 * 1024;
const ORIGIN = 'bench.replicas.test/log';
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const row = (what: string, value: string, limit: string, note: string) =>
  console.log(`  ${what.padEnd(46)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);

async function pooled(n: number, inFlight: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await f(next++);
    }),
  );
}

const author = generateKey();
/** uploads builds N signed uploads ahead of the timed run (signing is the client's work). */
function uploads(tag: string) {
  return Array.from({ length: N }, (_, i) => {
    const purl = `pkg:generic/bench-${tag}-c${i % CLIENTS}@1.0.${i}`;
    const bytes = randomBytes(SIZE);
    bytes.write(purl);
    const bundle = serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key: author }));
    return { purl, bytes, bundle };
  });
}

async function publish(
  url: string,
  token: string,
  u: { purl: string; bytes: Buffer; bundle: string },
  keyEvents: unknown[] = [],
): Promise<number> {
  const form = new FormData();
  form.append('artifact', new Blob([u.bytes]), 'a.bin');
  form.append('bundle', u.bundle);
  if (keyEvents.length > 0) form.append('keyEvents', JSON.stringify(keyEvents));
  const [, name, version] = /^pkg:generic\/([^@]+)@(.+)$/.exec(u.purl)!;
  form.append('type', 'generic');
  form.append('name', name!);
  form.append('version', version!);
  const res = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  await res.arrayBuffer();
  return res.status;
}

interface Setup {
  readonly replicas: Replica[];
  readonly urls: string[];
  readonly token: string;
}

/** run publishes N uploads through the replicas (round robin) with CLIENTS in flight. */
async function run(tag: string, s: Setup) {
  const all = uploads(tag);
  // Each client's namespace gets its author key first (not timed).
  for (let c = 0; c < CLIENTS; c++) {
    const ns = `pkg:generic/bench-${tag}-c${c}`;
    const add = buildKeyEvent(
      { namespace: ns, previous: null, action: 'add', keys: [author.publicKey] },
      [author],
    ).envelope;
    const purl = `${ns}@0.0.0`;
    const bytes = randomBytes(SIZE);
    const warm = {
      purl,
      bytes,
      bundle: serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key: author })),
    };
    const st = await publish(s.urls[c % s.urls.length]!, s.token, warm, [add]);
    if (st !== 201) throw new Error(`bench: warm-up publish answered ${st}`);
  }
  const pids = s.replicas.map((r) => r.child.pid!);
  const cpu0 = pids.map((p) => procCpu(p) as number);
  const lat: number[] = [];
  const failed = new Map<number, number>();
  const t = performance.now();
  await pooled(N, CLIENTS, async (i) => {
    const t0 = performance.now();
    const st = await publish(s.urls[i % s.urls.length]!, s.token, all[i]!);
    lat.push(performance.now() - t0);
    if (st !== 201) failed.set(st, (failed.get(st) ?? 0) + 1);
  });
  const wall = (performance.now() - t) / 1000;
  const cpu = pids.reduce((a, p, k) => a + ((procCpu(p) as number) - cpu0[k]!), 0);
  if (failed.size > 0) throw new Error(`bench: publishes failed ${JSON.stringify([...failed])}`);
  return { rate: N / wall, p50: pct(lat, 50), p99: pct(lat, 99), cpuMs: (cpu * 1000) / N };
}

function objectFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) n += objectFiles(p);
    else if (e.endsWith('._S3rver_object')) n++;
  }
  return n;
}

if (!builtServe()) throw new Error('dist/ is missing: run `npm run build` first');
console.log(
  `\nscale-out: HTTP publishes through real sigil serve processes (issue 19)\n  load average at start: ${load()}`,
);
const [cluster, s3] = await Promise.all([
  startPostgres(['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all']),
  startS3('bench'),
]);
const root = mkdtempSync(join(tmpdir(), 'sigil-bench-replicas-'));
const started: Replica[] = [];
try {
  // ---- limits, the same way: PG one-row commits/s, S3 PUT/s of the artifact size ----------
  const limitsDb = await cluster.createDatabase('bench_limits');
  const admin = openPostgres(limitsDb, CLIENTS);
  await admin.query('CREATE TABLE bench_commit (id BIGSERIAL PRIMARY KEY, v BYTEA)');
  const objects = new S3Objects(parseObjectsUrl(s3.url));
  const commits: number[] = [];
  const puts: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    await pooled(1000, CLIENTS, async () => {
      await admin.query('INSERT INTO bench_commit (v) VALUES ($1)', [randomBytes(128)]);
    });
    commits.push(1000 / ((performance.now() - t) / 1000));
    t = performance.now();
    await pooled(200, CLIENTS, (i) => objects.put(`limit/${r}/${i}`, randomBytes(SIZE)));
    puts.push(200 / ((performance.now() - t) / 1000));
  }
  await admin.end();
  await objects.close();

  // ---- the embedded default ----------------------------------------------------------------
  const embedded = startReplica({ data: join(root, 'embedded'), origin: ORIGIN });
  started.push(embedded);
  const e = await embedded.ready;
  const emb = await run('embedded', {
    replicas: [embedded],
    urls: [e.url],
    token: e.adminToken!,
  });
  await killReplica(embedded, 'SIGTERM');

  // ---- PostgreSQL + S3, one replica then three ---------------------------------------------
  const scaled: ({
    replicas: number;
    statements: number;
    commits: number;
    objects: number;
  } & Awaited<ReturnType<typeof run>>)[] = [];
  for (const count of [1, 3]) {
    const database = await cluster.createDatabase(`bench_replicas_${count}`);
    const objectsUrl = `s3://bench/r${count}?endpoint=${encodeURIComponent(s3.endpoint)}`;
    const data = (i: number) => join(root, `r${count}-${i}`);
    const first = startReplica({
      data: data(0),
      database,
      objects: objectsUrl,
      origin: ORIGIN,
      migrate: true,
    });
    const token = (await first.ready).adminToken!;
    await killReplica(first, 'SIGTERM');
    for (let i = 1; i < count; i++) cpSync(data(0), data(i), { recursive: true });
    const replicas = Array.from({ length: count }, (_, i) =>
      startReplica({ data: data(i), database, objects: objectsUrl, origin: ORIGIN }),
    );
    started.push(...replicas);
    const urls = (await Promise.all(replicas.map((r) => r.ready))).map((x) => x.url);
    await new Promise((r) => setTimeout(r, 700)); // an integrator is elected
    const db = new pg.Client({ connectionString: database });
    await db.connect();
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const stats = async () => {
      const st = await db.query<{ n: string }>(
        'SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements',
      );
      const cm = await db.query<{ n: string }>(
        'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
      );
      return { statements: Number(st.rows[0]!.n), commits: Number(cm.rows[0]!.n) };
    };
    // Counted from after the warm-up: run() publishes the key events first, untimed.
    const files0 = objectFiles(s3.dir);
    await db.query('SELECT pg_stat_statements_reset()');
    const before = await stats();
    const res = await run(`r${count}`, { replicas, urls, token });
    const after = await stats();
    const files = objectFiles(s3.dir) - files0;
    // The warm-up's CLIENTS publishes are inside the counters: divide by all publishes.
    const total = N + CLIENTS;
    scaled.push({
      replicas: count,
      ...res,
      statements: (after.statements - before.statements) / total,
      commits: (after.commits - before.commits) / total,
      objects: files / total,
    });
    await db.end();
    await Promise.all(replicas.map((r) => killReplica(r, 'SIGTERM')));
  }

  const medCommit = median(commits);
  const medPut = median(puts);
  console.log(`  ${N} publishes of ${SIZE / 1024} KiB, ${CLIENTS} clients, multipart, signed`);
  row(
    'PostgreSQL commits/s (one row, 16 in flight)',
    medCommit.toFixed(0),
    '—',
    `min/med/max ${commits.map((x) => x.toFixed(0)).join(' / ')}`,
  );
  row(
    `s3rver PUT/s (${SIZE / 1024} KiB, 16 in flight)`,
    medPut.toFixed(0),
    '—',
    `min/med/max ${puts.map((x) => x.toFixed(0)).join(' / ')}`,
  );
  row(
    'embedded (SQLite + files): publishes/s',
    emb.rate.toFixed(0),
    '—',
    `p50 ${emb.p50.toFixed(0)} ms, p99 ${emb.p99.toFixed(0)} ms; server CPU ${emb.cpuMs.toFixed(2)} ms/publish`,
  );
  for (const r of scaled) {
    row(
      `PostgreSQL + S3, ${r.replicas} replica${r.replicas > 1 ? 's' : ''}: publishes/s`,
      r.rate.toFixed(0),
      `${medCommit.toFixed(0)} commits/s`,
      `p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms; ${(r.rate / emb.rate).toFixed(2)}× embedded`,
    );
    row(
      `  per publish (${r.replicas}r): CPU of all replicas`,
      `${r.cpuMs.toFixed(2)} ms`,
      `${emb.cpuMs.toFixed(2)} ms`,
      'the limit column: the embedded server, same publishes',
    );
    row(
      `  per publish (${r.replicas}r): PG statements / commits`,
      `${r.statements.toFixed(1)} / ${r.commits.toFixed(1)}`,
      `${medCommit.toFixed(0)} commits/s`,
      `PostgreSQL ceiling at this commit count: ${(medCommit / r.commits).toFixed(0)} publishes/s`,
    );
    row(
      `  per publish (${r.replicas}r): objects written`,
      r.objects.toFixed(2),
      `${medPut.toFixed(0)} PUT/s`,
      `s3rver ceiling at this PUT count: ${(medPut / r.objects).toFixed(0)} publishes/s`,
    );
  }
} finally {
  await Promise.all(started.map((r) => killReplica(r)));
  await Promise.all([cluster.destroy(), s3.destroy()]);
  rmSync(root, { recursive: true, force: true });
  console.log(`  load average at end:   ${load()}`);
}
