// Rekor v2 add-entry over HTTP (issue 3): `sigil log serve` in its own process, many
// concurrent clients POSTing dsse CreateEntryRequests (each signature checked before
// admission, durable before the answer), beside the machine's Ed25519 verify rate and
// sha256 rate measured in the same run.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.SIGIL_BENCH_REKOR_ENTRIES ?? 20000);
const CLIENTS = Number(process.env.SIGIL_BENCH_REKOR_CLIENTS ?? 64);
const BIN = fileURLToPath(new URL('../bin/sigil.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-rekor-'));

function opensslVerifyRate() {
  const out = execFileSync('openssl', ['speed', '-seconds', '2', 'ed25519'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const m = /Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(out);
  return m ? Number(m[2]) : NaN;
}
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

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const row = (what, value, limit, goal) => console.log(`  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(18)}   ${goal}`);

// Requests: N distinct DSSE envelopes signed by one Ed25519 key (what a signer would send).
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const pae = (type, body) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
const bodies = [];
for (let i = 0; i < N; i++) {
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: `pkg:generic/bench@${i}`, digest: { sha256: createHash('sha256').update(String(i)).digest('hex') } }] }));
  const type = 'application/vnd.in-toto+json';
  const sig = sign(null, pae(type, payload), privateKey).toString('base64');
  bodies.push(JSON.stringify({ dsseRequestV002: { envelope: { payload: payload.toString('base64'), payloadType: type, signatures: [{ sig, keyid: '' }] }, verifiers: [{ publicKey: { rawBytes: spki }, keyDetails: 'PKIX_ED25519' }] } }));
}

const interval = process.env.SIGIL_BENCH_REKOR_INTERVAL ?? '100';
const server = spawn(process.execPath, [...(process.env.SIGIL_BENCH_REKOR_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.SIGIL_BENCH_REKOR_PROFILE] : []), BIN, 'log', 'serve', '--data', join(dir, 'log'), '--listen', '127.0.0.1:0', '--origin', 'bench.rekor.test', '--batch-interval', interval, '--open-writes', '--write-rate', '100000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const m = /url: (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`sigil log serve exited (${code})`)));
});

const latencies = [];
let next = 0;
let failed = 0;
const t0 = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (next < N) {
      const body = bodies[next++];
      const s = process.hrtime.bigint();
      const res = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      if (res.status !== 201) failed++;
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }),
);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
server.kill('SIGTERM');
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];

console.log(`\nRekor v2 add-entry over HTTP (sigil log serve in its own process; ${CLIENTS} clients; batch interval ${interval} ms; durable; signature checked before admission)`);
const verify = opensslVerifyRate();
row('entries/s', `${fmt(N / secs)} /s`, `${fmt(verify)} verify/s`, `goal ≥ 5,000/s; ${fmt(N)} in ${fmt(secs, 1)} s; ${failed} not 201 (Ed25519 verify: openssl, 1 core)`);
row('', '', `${fmt(sha256Rate())} sha256/s`, '(1 KiB blocks, node:crypto, 1 core)');
row('latency', `p50 ${fmt(q(0.5), 1)} ms`, '', `p99 ${fmt(q(0.99), 1)} ms (goal ≤ 1,000 ms); max ${fmt(latencies.at(-1), 1)} ms`);
rmSync(dir, { recursive: true, force: true });
