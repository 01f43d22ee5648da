// Rekor v2 add-entry over HTTP (issues 3, 14): `sigil log serve` in its own process
// (batch interval 0: commit whenever the writer is free), many concurrent clients POSTing
// dsse CreateEntryRequests over keep-alive node:http connections (each signature checked
// before admission, durable before the answer), beside the machine's Ed25519 verify rate
// (`openssl speed -elapsed`, and openssl's CPU per verify) measured in the same run; the
// server's CPU per entry from /proc/<pid>/stat. A second limit is the HTTP floor: a bare
// node:http server in its own process that reads each request body and answers a response of
// the same size (no parsing, no verify, no log), driven by the same clients the same way.
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Agent, request } from 'node:http';
import { load, noise, opensslSpeed, perOp, procCpu } from './limits.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.SIGIL_BENCH_REKOR_ENTRIES ?? 20000);
const CLIENTS = Number(process.env.SIGIL_BENCH_REKOR_CLIENTS ?? 64);
const BIN = fileURLToPath(new URL('../bin/sigil.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-rekor-'));

function sha256Rate() {
  const b = Buffer.alloc(1024);
  const t = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - t < 500_000_000n) {
    createHash('sha256').update(b).digest();
    n++;
  }
  return n * 2;
}

const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const row = (what, value, limit, goal) =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(16)}   limit ${limit.padStart(18)}   ${goal}`);

// Requests: N distinct DSSE envelopes signed by one Ed25519 key (what a signer would send).
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const pae = (type, body) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
const bodies = [];
for (let i = 0; i < N; i++) {
  const payload = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        {
          name: `pkg:generic/bench@${i}`,
          digest: { sha256: createHash('sha256').update(String(i)).digest('hex') },
        },
      ],
    }),
  );
  const type = 'application/vnd.in-toto+json';
  const sig = sign(null, pae(type, payload), privateKey).toString('base64');
  bodies.push(
    JSON.stringify({
      dsseRequestV002: {
        envelope: {
          payload: payload.toString('base64'),
          payloadType: type,
          signatures: [{ sig, keyid: '' }],
        },
        verifiers: [{ publicKey: { rawBytes: spki }, keyDetails: 'PKIX_ED25519' }],
      },
    }),
  );
}

const interval = process.env.SIGIL_BENCH_REKOR_INTERVAL ?? '0';
// Parse + verify threads in the server (default: its own, one per core); 0 = on its event loop.
const workers = process.env.SIGIL_BENCH_REKOR_WORKERS;
const loadAtStart = load();
const server = spawn(
  process.execPath,
  [
    ...(process.env.SIGIL_BENCH_REKOR_PROFILE
      ? ['--cpu-prof', '--cpu-prof-dir', process.env.SIGIL_BENCH_REKOR_PROFILE]
      : []),
    BIN,
    'log',
    'serve',
    '--data',
    join(dir, 'log'),
    '--listen',
    '127.0.0.1:0',
    '--origin',
    'bench.rekor.test',
    '--batch-interval',
    interval,
    '--open-writes',
    '--write-rate',
    '100000000',
    ...(workers !== undefined ? ['--verify-workers', workers] : []),
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const m = /url: (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`sigil log serve exited (${code})`)));
});

let agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
let { hostname, port } = new URL(url);
const post = (body) =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname,
        port,
        path: '/api/v2/log/entries',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
/** drive sends every body from CLIENTS concurrent clients; returns the server's CPU-s and the wall seconds. */
async function drive(pid, latencies = []) {
  let next = 0;
  let failed = 0;
  const cpu0 = procCpu(pid);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < N) {
        const body = bodies[next++];
        const s = process.hrtime.bigint();
        if ((await post(body)) !== 201) failed++;
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }),
  );
  const cpu = procCpu(pid) - cpu0;
  return { cpu, secs: Number(process.hrtime.bigint() - t0) / 1e9, failed };
}
const latencies = [];
const { cpu: serverCpu, secs, failed } = await drive(server.pid, latencies);
agent.destroy();
server.kill('SIGTERM');

// The HTTP floor, same clients, same bodies: what any node:http server pays per request.
const floorServer = spawn(
  process.execPath,
  [
    '-e',
    `const reply = Buffer.alloc(${1400}, 'x');
     const s = require('node:http').createServer((req, res) => {
       const chunks = [];
       req.on('data', (c) => chunks.push(c));
       req.on('end', () => { Buffer.concat(chunks); res.writeHead(201, { 'content-type': 'application/json' }); res.end(reply); });
     });
     s.keepAliveTimeout = 60000;
     s.listen(0, '127.0.0.1', () => console.log('url: http://127.0.0.1:' + s.address().port));`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const floorUrl = await new Promise((resolve) => {
  let out = '';
  floorServer.stdout.on('data', (c) => {
    out += c;
    const m = /url: (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
});
agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
({ hostname, port } = new URL(floorUrl));
const floor = await drive(floorServer.pid);
agent.destroy();
floorServer.kill('SIGTERM');
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];

console.log(
  `\nRekor v2 add-entry over HTTP (sigil log serve in its own process; ${CLIENTS} keep-alive node:http clients; batch interval ${interval} ms; verify workers ${workers ?? 'one per core'}; durable; signature checked before admission)`,
);
console.log(`  load average at start: ${loadAtStart}`);
const speed = opensslSpeed('ed25519').verify;
const verify = speed.wallRate;
row(
  'entries/s',
  `${fmt(N / secs)} /s`,
  `${fmt(verify)} verify/s`,
  `goal ≥ 5,000/s; ${fmt(N)} in ${fmt(secs, 1)} s; ${failed} not 201 (Ed25519 verify: openssl speed -elapsed, 1 core, runs ${noise(speed.wall)})`,
);
row(
  'server CPU per entry',
  perOp(serverCpu / N),
  perOp(speed.cpuPerOp),
  `goal ≤ 0.25 ms; ${fmt(serverCpu, 2)} CPU-s in all (/proc); limit: openssl CPU per Ed25519 verify`,
);
row(
  '',
  '',
  perOp(floor.cpu / N),
  `HTTP floor: a bare node:http server reading each body and answering 1.4 KB, same clients (${fmt(N / floor.secs)}/s); Sigil's CPU per entry is ${fmt(serverCpu / N / (floor.cpu / N), 1)}× it`,
);
row('', '', `${fmt(sha256Rate())} sha256/s`, '(1 KiB blocks, node:crypto, 1 core)');
row(
  'latency',
  `p50 ${fmt(q(0.5), 1)} ms`,
  '',
  `p99 ${fmt(q(0.99), 1)} ms (goal ≤ 1,000 ms); max ${fmt(latencies.at(-1), 1)} ms`,
);
console.log(`  load average at end:   ${load()}`);
rmSync(dir, { recursive: true, force: true });
