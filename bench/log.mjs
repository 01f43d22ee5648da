// Transparency log benchmarks (issue 3), each figure beside the machine's own
// limits measured in the same run (SHA-256 and Ed25519 verify rates):
//   1. integration throughput of pre-validated entries into the durable log
//      (SQLite + files, every batch fsync'd, dedup on), 1 M entries by default
//   2. inclusion proofs from that log: p50 / p99 (cold start, then warm)
//   3. storage bytes per entry
// SIGIL_BENCH_LOG_ENTRIES overrides the entry count; SIGIL_BENCH_LOG_BATCH the batch size.
import { generateKeyPairSync, hash as oneShot, randomFillSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openFileLog } = await import(dist('store/index.js'));
const { checkInclusion } = await import(dist('log/proof.js'));
const { recordHash } = await import(dist('log/hash.js'));
const { verifyCheckpoint } = await import(dist('log/checkpoint.js'));
const { parseVerifierKey } = await import(dist('log/note-key.js'));

const N = Number(process.env.SIGIL_BENCH_LOG_ENTRIES ?? 1_000_000);
const BATCH = Number(process.env.SIGIL_BENCH_LOG_BATCH ?? 1024);
const ENTRY = 128; // bytes per entry (a Rekor v2 dsse entry is ~1 KB; a go.sum record ~100 B)

const row = (what, value, limit, note) =>
  console.log(`  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);
const fmt = (n, unit, d = 0) => `${n.toFixed(d)} ${unit}`;
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;

// ---- machine limits --------------------------------------------------------
function rate(fn, seconds = 1) {
  let n = 0;
  const t = process.hrtime.bigint();
  while (secs(t) < seconds) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  return n / secs(t);
}
const node64 = new Uint8Array(65);
const sha256Rate = rate(() => oneShot('sha256', node64, 'buffer'));
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const msg = Buffer.alloc(ENTRY, 7);
const sig = sign(null, msg, privateKey);
const verifyRate = rate(() => verify(null, msg, publicKey, sig));

// ---- 1. integration throughput --------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-log-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
console.log(
  `\ntransparency log (durable: SQLite WAL synchronous=FULL + fsync'd tiles; dedup on; ${N.toLocaleString('en')} entries of ${ENTRY} B; batch ${BATCH})`,
);
let log = await openFileLog(dir, {
  origin: 'bench.sigil.test/log',
  batchSize: BATCH,
  batchIntervalMs: 10,
  maxPending: 64 * BATCH,
});
const CHUNK = 8 * BATCH;
// Entries: a counter and 120 bytes from a random pool (unique by the counter; cheap to make).
const pool = randomFillSync(Buffer.allocUnsafe(1 << 20));
const makeEntry = (i) => {
  const e = Buffer.allocUnsafe(ENTRY);
  e.writeDoubleBE(i, 0);
  const off = (i * 8191) % (pool.length - ENTRY);
  pool.copy(e, 8, off, off + ENTRY - 8);
  return e;
};
let t = process.hrtime.bigint();
const inflight = [];
for (let i = 0; i < N; i += CHUNK) {
  const ps = [];
  for (let j = i; j < Math.min(N, i + CHUNK); j++) ps.push(log.append(makeEntry(j)));
  inflight.push(Promise.all(ps));
  if (inflight.length >= 4) await inflight.shift();
}
await Promise.all(inflight);
const appendSecs = secs(t);
const appendRate = N / appendSecs;
row(
  'integration, durable, dedup on',
  fmt(appendRate, 'entries/s'),
  fmt(sha256Rate, 'sha256/s'),
  `goal ≥ 20,000/s; ${appendSecs.toFixed(1)} s for ${N.toLocaleString('en')}`,
);
console.log(
  `  ${''.padEnd(44)} ${''.padStart(16)}   limit ${fmt(verifyRate, 'verify/s').padStart(16)}   (Ed25519 verify, node:crypto, 1 core: the Rekor path's ceiling)`,
);

// Dedup hits: resubmitting existing entries is a lookup, not an integration.
const dupIdx = Array.from({ length: 20000 }, () => Math.floor(Math.random() * N));
const dupEntries = [];
for (const i of dupIdx) dupEntries.push(await log.readEntry(i));
t = process.hrtime.bigint();
const dups = await Promise.all(dupEntries.map((e) => log.append(e)));
const dupRate = dups.length / secs(t);
if (!dups.every((r, k) => r.duplicate && r.index === dupIdx[k]))
  throw new Error('dedup returned a wrong index');
row(
  'duplicate resubmissions (answered from index)',
  fmt(dupRate, 'entries/s'),
  fmt(sha256Rate, 'sha256/s'),
  'dedup by leaf hash in SQLite',
);
await log.close();

// ---- 2. inclusion proofs ----------------------------------------------------
log = await openFileLog(dir, {}); // reopen: cold tile cache
const cp = await log.latestCheckpoint();
const vcp = verifyCheckpoint(cp, [parseVerifierKey(log.verifierKey)]);
if (!vcp.ok) throw new Error('checkpoint does not verify');
const size = vcp.checkpoint.size;
const root = vcp.checkpoint.hash;
async function proofTimes(k) {
  const times = [];
  for (let q = 0; q < k; q++) {
    const i = Math.floor(Math.random() * size);
    const t0 = process.hrtime.bigint();
    const proof = await log.inclusionProof(i, size);
    times.push(secs(t0) * 1000);
    if (q % 100 === 0) {
      const e = await log.readEntry(i);
      if (checkInclusion(proof, i, size, recordHash(e), root).status !== 'pass')
        throw new Error(`proof ${i} does not verify`);
    }
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(k * 0.5)], p99: times[Math.floor(k * 0.99)] };
}
const cold = await proofTimes(5000);
const warm = await proofTimes(5000);
const shaUs = 1e6 / sha256Rate;
row(
  `inclusion proof, ${size.toLocaleString('en')}-entry log, cold`,
  `p50 ${cold.p50.toFixed(3)} ms`,
  `${shaUs.toFixed(2)} µs/sha256`,
  `p99 ${cold.p99.toFixed(3)} ms (reads the leaf's tile: ≤ 255 hashes)`,
);
row(
  'inclusion proof, warm tile cache',
  `p50 ${warm.p50.toFixed(3)} ms`,
  `${shaUs.toFixed(2)} µs/sha256`,
  `p99 ${warm.p99.toFixed(3)} ms`,
);
await log.close();

// ---- 3. storage ----------------------------------------------------------------
function du(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((s, n) => s + du(join(p, n)), 0);
}
const tiles = ['0', '1', '2', '3'].reduce((s, l) => {
  try {
    return s + du(join(dir, 'public/tile', l));
  } catch {
    return s;
  }
}, 0);
const bundles = du(join(dir, 'public/tile/entries'));
const db = readdirSync(dir)
  .filter((n) => n.startsWith('log.db'))
  .reduce((s, n) => s + du(join(dir, n)), 0);
const total = du(dir);
row(
  'storage per entry',
  fmt(total / size, 'B', 1),
  fmt(ENTRY, 'B entry'),
  `bundles ${(bundles / size).toFixed(1)} + hash tiles ${(tiles / size).toFixed(1)} + SQLite dedup/index ${(db / size).toFixed(1)} B`,
);

// ---- 4. the default configuration (batch 256 / 100 ms), for comparison -------------------
{
  const M = Math.min(N, 100_000);
  const d2 = mkdtempSync(join(tmpdir(), 'sigil-bench-log-default-'));
  const l2 = await openFileLog(d2, { origin: 'bench.sigil.test/log' });
  const t2 = process.hrtime.bigint();
  const inflight2 = [];
  for (let i = 0; i < M; i += 4096) {
    const ps = [];
    for (let j = i; j < Math.min(M, i + 4096); j++) ps.push(l2.append(makeEntry(j)));
    inflight2.push(Promise.all(ps));
    if (inflight2.length >= 1) await inflight2.shift();
  }
  await Promise.all(inflight2);
  const r2 = M / secs(t2);
  await l2.close();
  rmSync(d2, { recursive: true, force: true });
  row(
    `integration, default batch 256 (${M.toLocaleString('en')})`,
    fmt(r2, 'entries/s'),
    fmt(sha256Rate, 'sha256/s'),
    'sigil log serve defaults',
  );
}
