// Registry benchmarks (issue 4), each figure beside the machine's own limits
// measured in the same run (`openssl speed ed25519 ecdsap256` and node:crypto):
//   1. publishes per second of 10 KB artifacts from 16 concurrent HTTP clients —
//      token check, author-signature check against the key ledger, countersignature
//      (DSSE publish statement, ECDSA P-256), log append (durable), blob store (fsync'd) —
//      with p50 / p99 latency; goal ≥ 1,000/s, p99 ≤ 250 ms
//   2. batch lookup of 1,000 purls (records with two inclusion proofs each, one checkpoint);
//      goal ≤ 100 ms
//   3. server RSS under load
// The server runs in its own process (`openRegistry` from dist/, as `sigil serve` does),
// so client work (HTTP, JSON) does not count against it; on a 2-core machine they share.
// SIGIL_BENCH_REG_PUBLISHES overrides the number of timed publishes.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { digestBytes } = await import(dist('core/digest.js'));
const { generateKey } = await import(dist('core/keys.js'));
const { signRelease } = await import(dist('core/sign.js'));
const { serializeBundle } = await import(dist('core/bundle.js'));
const { buildKeyEvent } = await import(dist('ledger/event.js'));

const N = Number(process.env.SIGIL_BENCH_REG_PUBLISHES ?? 6000);
const CLIENTS = 16;
const SIZE = 10 * 1024;

const row = (what, value, limit, note) => console.log(`  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);
const fmt = (n, unit, d = 0) => `${n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d })} ${unit}`;
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// ---- machine limits ----------------------------------------------------------
function openssl() {
  try {
    const out = execFileSync('openssl', ['speed', '-seconds', '1', 'ed25519', 'ecdsap256'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const ed = /^\s*253 bits EdDSA \(Ed25519\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)/m.exec(out);
    const ec = /^\s*256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)/m.exec(out);
    return { edSign: ed ? Number(ed[1]) : NaN, edVerify: ed ? Number(ed[2]) : NaN, ecSign: ec ? Number(ec[1]) : NaN, ecVerify: ec ? Number(ec[2]) : NaN };
  } catch {
    return { edSign: NaN, edVerify: NaN, ecSign: NaN, ecVerify: NaN };
  }
}
function rate(fn, seconds = 0.5) {
  let n = 0;
  const t = process.hrtime.bigint();
  while (secs(t) < seconds) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return n / secs(t);
}
const ossl = openssl();
const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const m = Buffer.alloc(300, 7);
const edSig = sign(null, m, ed.privateKey);
const nodeEdVerify = rate(() => verify(null, m, ed.publicKey, edSig));
const nodeEcSign = rate(() => sign('sha256', m, ec.privateKey));

// ---- the server ----------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-reg-'));
const SERVER = `
import { openRegistry } from ${JSON.stringify(dist('registry/server.js'))};
const r = await openRegistry({ dataDir: ${JSON.stringify(dir)}, host: '127.0.0.1', port: 0, origin: 'bench.sigil.test/log', ${process.env.SIGIL_BENCH_REG_INTERVAL ? `batchIntervalMs: ${process.env.SIGIL_BENCH_REG_INTERVAL},` : ''}
  authLimits: { perIp: { burst: 1e9, perMinute: 1e9 }, perAccount: { burst: 1e9, perMinute: 1e9 } } });
const url = await r.listen();
process.stdout.write(JSON.stringify({ url, token: r.adminToken, batchIntervalMs: r.log.batchIntervalMs }) + '\\n');
process.on('SIGTERM', async () => { await r.close(); process.exit(0); });
`;
const child = spawn(process.execPath, [...(process.env.SIGIL_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SIGIL_BENCH_PROF}`] : []), '--input-type=module', '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' } });
const started = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
  });
  child.once('exit', (c) => reject(new Error(`bench server exited (${c})`)));
});
const { url, token } = started;
const cleanup = () => {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
const rssKb = () => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
  } catch {
    return NaN;
  }
};

// ---- uploads, signed ahead of time (client work is not what is measured) -------
const author = generateKey();
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
function upload(c, i, withKey) {
  const name = `bench-c${c}`;
  const version = `1.0.${i}`;
  const purl = `pkg:generic/${name}@${version}`;
  const bytes = randomBytes(SIZE);
  const bundle = JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key: author })));
  const keyEvents = withKey ? [buildKeyEvent({ namespace: `pkg:generic/${name}`, previous: null, action: 'add', keys: [author.publicKey] }, [author]).envelope] : [];
  return { purl, body: JSON.stringify({ filename: `${name}-${version}.bin`, artifact: bytes.toString('base64'), bundle, keyEvents, type: 'generic', name, version }) };
}
async function post(u) {
  const t = process.hrtime.bigint();
  const res = await fetch(`${url}/api/v1/publish`, { method: 'POST', headers, body: u.body });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`publish ${u.purl}: ${res.status} ${text.slice(0, 300)}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const perClient = Math.ceil(N / CLIENTS);
const WARM = 20;
const queues = Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: perClient + WARM }, (_, i) => upload(c, i, i === 0)));

// Warm-up: each namespace's first publish (with its key event), then a few rounds.
for (let c = 0; c < CLIENTS; c++) await post(queues[c].shift());
await Promise.all(queues.map(async (q) => {
  for (let i = 1; i < WARM; i++) await post(q.shift());
}));

console.log(`\nregistry (sigil serve in its own process, SQLite + files, log batch interval ${started.batchIntervalMs ?? '?'} ms; ${CLIENTS} clients; ${SIZE / 1024} KB artifacts, Ed25519 author signatures)`);
let peakRss = rssKb();
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKb())), 50);
const latencies = [];
const t = process.hrtime.bigint();
await Promise.all(queues.map(async (q) => {
  for (const u of q) latencies.push(await post(u));
}));
const elapsed = secs(t);
clearInterval(sampler);
const publishRate = latencies.length / elapsed;
row('publishes/s, 16 clients over HTTP', fmt(publishRate, '/s'), fmt(ossl.edVerify, 'Ed25519 verify/s'), `goal ≥ 1,000/s; ${latencies.length.toLocaleString('en')} in ${elapsed.toFixed(1)} s (openssl, 1 core)`);
console.log(`  ${''.padEnd(44)} ${''.padStart(16)}   limit ${fmt(ossl.ecSign, 'P-256 sign/s').padStart(16)}   (openssl, 1 core; node:crypto: ${fmt(nodeEdVerify, 'Ed25519 verify/s')}, ${fmt(nodeEcSign, 'P-256 sign/s')})`);
row('publish latency', `p50 ${pct(latencies, 50).toFixed(1)} ms`, '', `p99 ${pct(latencies, 99).toFixed(1)} ms (goal ≤ 250 ms); max ${Math.max(...latencies).toFixed(0)} ms`);
row('server RSS under load', fmt(peakRss / 1024, 'MiB'), '', `peak, sampled every 50 ms; ${fmt(rssKb() / 1024, 'MiB')} after`);

// ---- batch lookup of 1,000 purls ------------------------------------------------
const purls = queues.flat().map((u) => u.purl).slice(0, 1000);
const lookups = [];
for (let i = 0; i < 12; i++) {
  const t2 = process.hrtime.bigint();
  const res = await fetch(`${url}/api/v1/releases/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purls }) });
  const body = await res.json();
  if (res.status !== 200 || Object.values(body.records).filter(Boolean).length !== purls.length) throw new Error(`lookup: ${res.status}`);
  lookups.push(Number(process.hrtime.bigint() - t2) / 1e6);
}
const warmLookups = lookups.slice(2);
row('batch lookup, 1,000 purls (records + proofs)', `p50 ${pct(warmLookups, 50).toFixed(1)} ms`, '', `goal ≤ 100 ms; first ${lookups[0].toFixed(1)} ms, max ${Math.max(...warmLookups).toFixed(1)} ms`);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
