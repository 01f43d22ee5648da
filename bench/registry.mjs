// Registry benchmarks (issue 4, issue 14 P5), each figure beside the machine's own limits
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
// SIGIL_BENCH_REG_PUBLISHES overrides the number of timed publishes. Uploads are multipart with
// the raw bytes, as `sigil publish` sends them; then SIGIL_BENCH_REG_OTHER_FORM publishes (default
// a quarter as many) in the other form (JSON, artifact in base64) on the same server, to compare.
// SIGIL_BENCH_REG_FORM=json swaps the two.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, createServer, request } from 'node:http';
import { load, noise, opensslSpeed, perOp, procCpu } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { digestBytes } = await import(dist('core/digest.js'));
const { generateKey } = await import(dist('core/keys.js'));
const { signRelease } = await import(dist('core/sign.js'));
const { serializeBundle } = await import(dist('core/bundle.js'));
const { buildKeyEvent } = await import(dist('ledger/event.js'));

const N = Number(process.env.SIGIL_BENCH_REG_PUBLISHES ?? 6000);
const CLIENTS = 16;
const SIZE = 10 * 1024;

const row = (what, value, limit, note) =>
  console.log(`  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);
const fmt = (n, unit, d = 0) =>
  `${n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d })} ${unit}`;
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// ---- machine limits ----------------------------------------------------------
// Wall: `openssl speed -elapsed` (median of 3); CPU: openssl's own rate per CPU-second (bench/limits.mjs).
function openssl() {
  const ed = opensslSpeed('ed25519');
  const ec = opensslSpeed('ecdsap256');
  return {
    edSign: ed.sign.wallRate,
    edVerify: ed.verify.wallRate,
    ecSign: ec.sign.wallRate,
    ecVerify: ec.verify.wallRate,
    edVerifyRuns: ed.verify.wall,
    cpuPerPublish: ed.verify.cpuPerOp + ec.sign.cpuPerOp,
  };
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
const child = spawn(
  process.execPath,
  [
    ...(process.env.SIGIL_BENCH_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SIGIL_BENCH_PROF}`]
      : []),
    '--input-type=module',
    '-e',
    SERVER,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' } },
);
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
const headers = { authorization: `Bearer ${token}` };
const FORM = process.env.SIGIL_BENCH_REG_FORM === 'json' ? 'json' : 'multipart';
const BOUNDARY = 'sigil-bench-boundary';
function upload(c, i, withKey, form = FORM, prefix = 'bench-c') {
  const name = `${prefix}${c}`;
  const version = `1.0.${i}`;
  const purl = `pkg:generic/${name}@${version}`;
  const bytes = randomBytes(SIZE);
  const bundle = JSON.parse(
    serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key: author })),
  );
  const keyEvents = withKey
    ? [
        buildKeyEvent(
          {
            namespace: `pkg:generic/${name}`,
            previous: null,
            action: 'add',
            keys: [author.publicKey],
          },
          [author],
        ).envelope,
      ]
    : [];
  const fields = {
    filename: `${name}-${version}.bin`,
    bundle,
    keyEvents,
    type: 'generic',
    name,
    version,
  };
  // What `sigil publish` sends: multipart/form-data with the raw bytes; SIGIL_BENCH_REG_FORM=json
  // sends the older JSON form (artifact in base64) to compare.
  if (form === 'json')
    return {
      purl,
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify({ ...fields, artifact: bytes.toString('base64') })),
    };
  const part = (n, value, file) =>
    Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${n}"${file ? `; filename="${file}"\r\nContent-Type: application/octet-stream` : ''}\r\n\r\n`,
      ),
      Buffer.isBuffer(value) ? value : Buffer.from(value),
      Buffer.from('\r\n'),
    ]);
  return {
    purl,
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    body: Buffer.concat([
      part('artifact', bytes, fields.filename),
      ...Object.entries(fields)
        .filter(([k, v]) => k !== 'keyEvents' || v.length > 0)
        .map(([k, v]) => part(k, typeof v === 'string' ? v : JSON.stringify(v))),
      Buffer.from(`--${BOUNDARY}--\r\n`),
    ]),
  };
}
// A keep-alive node:http client: fetch's client costs as much CPU as the server on a 2-core machine.
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
const { hostname, port } = new URL(url);
function httpPost(path, body, contentType = 'application/json') {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname,
        port,
        path,
        method: 'POST',
        headers: {
          ...headers,
          'content-type': contentType,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
async function post(u) {
  const t = process.hrtime.bigint();
  const res = await httpPost('/api/v1/publish', u.body, u.contentType);
  if (res.status !== 201)
    throw new Error(`publish ${u.purl}: ${res.status} ${res.text.slice(0, 300)}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const perClient = Math.ceil(N / CLIENTS);
const WARM = 20;
const queues = Array.from({ length: CLIENTS }, (_, c) =>
  Array.from({ length: perClient + WARM }, (_, i) => upload(c, i, i === 0)),
);

// Warm-up: each namespace's first publish (with its key event), then a few rounds.
for (let c = 0; c < CLIENTS; c++) await post(queues[c].shift());
await Promise.all(
  queues.map(async (q) => {
    for (let i = 1; i < WARM; i++) await post(q.shift());
  }),
);

console.log(
  `\nregistry (sigil serve in its own process, SQLite + files, log batch interval ${started.batchIntervalMs ?? '?'} ms; ${CLIENTS} clients; ${SIZE / 1024} KB artifacts as ${FORM === 'json' ? 'JSON (base64)' : 'multipart (raw bytes)'}, Ed25519 author signatures)`,
);
console.log(`  load average at start: ${load()}`);
let peakRss = rssKb();
const cpu0 = procCpu(child.pid);
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKb())), 50);
const latencies = [];
const t = process.hrtime.bigint();
await Promise.all(
  queues.map(async (q) => {
    for (const u of q) latencies.push(await post(u));
  }),
);
const elapsed = secs(t);
const serverCpu = procCpu(child.pid) - cpu0;
clearInterval(sampler);
const publishRate = latencies.length / elapsed;
row(
  'publishes/s, 16 clients over HTTP',
  fmt(publishRate, '/s'),
  fmt(ossl.edVerify, 'Ed25519 verify/s'),
  `goal ≥ 1,000/s; ${latencies.length.toLocaleString('en')} in ${elapsed.toFixed(1)} s (openssl speed -elapsed, 1 core, runs ${noise(ossl.edVerifyRuns)})`,
);
console.log(
  `  ${''.padEnd(44)} ${''.padStart(16)}   limit ${fmt(ossl.ecSign, 'P-256 sign/s').padStart(16)}   (openssl, 1 core; node:crypto: ${fmt(nodeEdVerify, 'Ed25519 verify/s')}, ${fmt(nodeEcSign, 'P-256 sign/s')})`,
);
row(
  'server CPU per publish',
  perOp(serverCpu / latencies.length),
  perOp(ossl.cpuPerPublish),
  `goal ≤ 1.0 ms; ${serverCpu.toFixed(2)} CPU-s in all (/proc), ${(serverCpu / elapsed).toFixed(2)} of a core busy; limit: openssl CPU of one Ed25519 verify + one P-256 sign`,
);
row(
  'publish latency',
  `p50 ${pct(latencies, 50).toFixed(1)} ms`,
  '',
  `p99 ${pct(latencies, 99).toFixed(1)} ms (goal ≤ 250 ms); max ${Math.max(...latencies).toFixed(0)} ms`,
);
row(
  'server RSS under load',
  fmt(peakRss / 1024, 'MiB'),
  '',
  `peak, sampled every 50 ms; ${fmt(rssKb() / 1024, 'MiB')} after`,
);

// ---- the other upload form, same server, right after ----------------------------
const OTHER = FORM === 'json' ? 'multipart' : 'json';
const otherN = Number(process.env.SIGIL_BENCH_REG_OTHER_FORM ?? Math.round(N / 4));
if (otherN > 0) {
  const otherQueues = Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: Math.ceil(otherN / CLIENTS) + 1 }, (__, i) =>
      upload(c, i, i === 0, OTHER, 'bench-o'),
    ),
  );
  for (const q of otherQueues) await post(q.shift()); // each namespace's first publish (its key)
  const cpu1 = procCpu(child.pid);
  const otherLatencies = [];
  const t1 = process.hrtime.bigint();
  await Promise.all(
    otherQueues.map(async (q) => {
      for (const u of q) otherLatencies.push(await post(u));
    }),
  );
  const otherElapsed = secs(t1);
  const otherCpu = procCpu(child.pid) - cpu1;
  row(
    `the same as ${OTHER === 'json' ? 'JSON (base64)' : 'multipart (raw)'}: CPU per publish`,
    perOp(otherCpu / otherLatencies.length),
    perOp(ossl.cpuPerPublish),
    `${fmt(otherLatencies.length / otherElapsed, '/s')}, p99 ${pct(otherLatencies, 99).toFixed(1)} ms; ${otherLatencies.length.toLocaleString('en')} publishes after the ones above, same server`,
  );
}

// ---- batch lookup of 1,000 purls ------------------------------------------------
// The limit beside a lookup: the same request answered with the same bytes by a bare node:http
// server that does nothing else (the transfer and this client's reading of it), wall p50.
async function staticAnswerFloor(requestBody, answer, runs = 10) {
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(answer),
      });
      res.end(answer);
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const floorPort = srv.address().port;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const req = request(
        {
          hostname: '127.0.0.1',
          port: floorPort,
          path: '/',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(requestBody),
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        },
      );
      req.on('error', reject);
      req.end(requestBody);
    });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await new Promise((resolve) => srv.close(resolve));
  return pct(times, 50);
}
const purls = queues
  .flat()
  .map((u) => u.purl)
  .slice(0, 1000);
const lookups = [];
const lookupCpu = [];
let lastLookupAnswer = '';
for (let i = 0; i < 12; i++) {
  const c2 = procCpu(child.pid);
  const t2 = process.hrtime.bigint();
  const res = await httpPost('/api/v1/releases/lookup', JSON.stringify({ purls }));
  lookups.push(Number(process.hrtime.bigint() - t2) / 1e6);
  lookupCpu.push((procCpu(child.pid) - c2) * 1000);
  const body = JSON.parse(res.text);
  if (res.status !== 200 || Object.values(body.records).filter(Boolean).length !== purls.length)
    throw new Error(`lookup: ${res.status}`);
  lastLookupAnswer = res.text;
}
const lookupFloor = await staticAnswerFloor(JSON.stringify({ purls }), lastLookupAnswer);
const warmLookups = lookups.slice(2);
row(
  'batch lookup, 1,000 purls (records + proofs)',
  `p50 ${pct(warmLookups, 50).toFixed(1)} ms`,
  `${lookupFloor.toFixed(1)} ms`,
  `goal ≤ 100 ms; first ${lookups[0].toFixed(1)} ms, max ${Math.max(...warmLookups).toFixed(1)} ms; server CPU p50 ${pct(lookupCpu.slice(2), 50).toFixed(0)} ms per lookup (/proc, 10 ms ticks)`,
);
// The same lookup just after a publish moved the checkpoint: every record gets new proofs
// (rows and row texts are reused; proofs are cached per checkpoint, not across).
const movedLookups = [];
const movedCpu = [];
for (let i = 0; i < 8; i++) {
  await post(upload(CLIENTS + 1, i, i === 0));
  const c2 = procCpu(child.pid);
  const t2 = process.hrtime.bigint();
  const res = await httpPost('/api/v1/releases/lookup', JSON.stringify({ purls }));
  movedLookups.push(Number(process.hrtime.bigint() - t2) / 1e6);
  movedCpu.push((procCpu(child.pid) - c2) * 1000);
  if (res.status !== 200) throw new Error(`lookup: ${res.status}`);
}
row(
  'batch lookup after a publish (new checkpoint)',
  `p50 ${pct(movedLookups, 50).toFixed(1)} ms`,
  `${lookupFloor.toFixed(1)} ms`,
  `goal ≤ 100 ms; max ${Math.max(...movedLookups).toFixed(1)} ms; server CPU p50 ${pct(movedCpu, 50).toFixed(0)} ms per lookup (/proc, 10 ms ticks)`,
);
console.log(`  load average at end:   ${load()}`);
agent.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
