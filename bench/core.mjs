// Foundation benchmarks (issue 2). Every figure is printed beside the machine's own
// limit measured in the same run, so the ratio means something on a noisy machine.
//   1. hashing: Sigil's streaming digest vs `openssl dgst` on the same file, at several sizes
//   2. bundle verifications/s on one core vs `openssl speed ed25519` verify/s, and on all cores
//   3. peak RSS of `sigil sign` on a 2 GiB file
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { digestStream } = await import(dist('core/digest.js'));
const { generateKey, formatPrivateKeyFile } = await import(dist('core/keys.js'));
const { signRelease } = await import(dist('core/sign.js'));
const { serializeBundle } = await import(dist('core/bundle.js'));
const { verifyRelease } = await import(dist('core/verify.js'));

const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const rows = [];
const row = (what, value, limit, goal) => {
  rows.push({ what, value, limit, goal });
  console.log(`  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${goal}`);
};
const fmt = (n, unit, d = 2) => `${n.toFixed(d)} ${unit}`;

function writeRandomFile(path, bytes) {
  const fd = openSync(path, 'w');
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let done = 0; done < bytes; done += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
  closeSync(fd);
}
const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
async function timeAsync(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}
const best = async (n, fn) => Math.min(...(await Promise.all([])).concat(await (async () => { const r = []; for (let i = 0; i < n; i++) r.push(await fn()); return r; })()));

// ---- 1. hashing ----------------------------------------------------------
console.log('\nhashing (one streaming pass; GB/s = 1e9 bytes/s; best of 3, file in page cache)');
for (const size of [16 * 2 ** 20, 256 * 2 ** 20, 2 ** 30]) {
  const f = join(dir, `data-${size}`);
  writeRandomFile(f, size);
  const label = size >= 2 ** 30 ? `${size / 2 ** 30} GiB` : `${size / 2 ** 20} MiB`;
  const ossl256 = await best(3, async () => time(() => execFileSync('openssl', ['dgst', '-sha256', f])));
  const ossl512 = await best(3, async () => time(() => execFileSync('openssl', ['dgst', '-sha512', f])));
  const ours256 = await best(3, () => timeAsync(() => digestStream(createReadStream(f, { highWaterMark: 1 << 20 }), ['sha256'])));
  const oursBoth = await best(3, () => timeAsync(() => digestStream(createReadStream(f, { highWaterMark: 1 << 20 }), ['sha256', 'sha512'])));
  row(`sha256 ${label}`, fmt(size / ours256 / 1e9, 'GB/s'), fmt(size / ossl256 / 1e9, 'GB/s'), `${(ossl256 / ours256).toFixed(2)}× openssl dgst (goal ≥ 0.9×)`);
  row(`sha256+sha512 in one pass ${label} (what sign does)`, fmt(size / oursBoth / 1e9, 'GB/s'), fmt(size / (ossl256 + ossl512) / 1e9, 'GB/s'), `${((ossl256 + ossl512) / oursBoth).toFixed(2)}× openssl sha256 then sha512`);
  rmSync(f);
}
console.log('  cost grows linearly with size (the rate is flat across sizes; small files pay process start-up in openssl)');

// ---- 2. verification -----------------------------------------------------
console.log('\nbundle verification (Ed25519, DSSE, in-toto release statement; the artifact digests are given)');
const speed = execFileSync('openssl', ['speed', '-seconds', '3', 'ed25519'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
const m = /Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(speed);
const opensslVerify = m ? Number(m[2]) : NaN;
const key = generateKey('ed25519');
const digests = { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) };
const purl = 'pkg:npm/%40demo/left-pad@1.3.0';
const bundle = serializeBundle(signRelease({ purl, digests, key }));
const input = { bundle, artifact: { name: 'x.tgz', digests, purl }, trustedKeys: [key.publicKey] };
for (let i = 0; i < 2000; i++) verifyRelease(input);
const N = 30000;
const single = N / time(() => {
  for (let i = 0; i < N; i++) if (!verifyRelease(input).ok) throw new Error('bench bundle did not verify');
});
row('bundles verified/s, 1 core', fmt(single, '/s', 0), fmt(opensslVerify, '/s', 0), `${(single / opensslVerify).toFixed(2)}× openssl speed ed25519 verify (goal ≥ 0.8×)`);

const workers = availableParallelism();
const keyPem = formatPrivateKeyFile(key, { unencrypted: true });
const workerUrl = new URL('./verify-worker.mjs', import.meta.url);
const perWorker = Math.ceil((N * 2) / workers);
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: workers }, () =>
    new Promise((resolve, reject) => {
      const w = new Worker(workerUrl, { workerData: { keyPem, bundle, digests, purl, n: perWorker, dist: dist('') } });
      w.on('message', resolve);
      w.on('error', reject);
    }),
  ),
);
const multi = (perWorker * workers) / (Number(process.hrtime.bigint() - start) / 1e9);
row(`bundles verified/s, ${workers} worker threads`, fmt(multi, '/s', 0), fmt(single, '/s', 0), `${(multi / single).toFixed(2)}× one core (goal ≥ 1.8× on 2 cores)`);
console.log('  cost per bundle is constant: the artifact is hashed once beforehand (see hashing), verification touches only the bundle');

// ---- 3. memory -----------------------------------------------------------
console.log('\nmemory');
const big = join(dir, 'big.img');
const fd = openSync(big, 'w');
ftruncateSync(fd, 2 * 2 ** 30);
closeSync(fd);
const keyFile = join(dir, 'k.key');
execFileSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(keyFile)}, ${JSON.stringify(keyPem)}, {mode: 0o600})`]);
const mainJs = fileURLToPath(dist('cli/main.js'));
const script = `const { main } = await import(${JSON.stringify(mainJs)});
const code = await main(['sign', ${JSON.stringify(big)}, '--key', ${JSON.stringify(keyFile)}, '--name', 'big', '--version', '1', '--json']);
process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = code;`;
const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
const baseline = spawnSync(process.execPath, ['-e', "process.stderr.write(String(process.resourceUsage().maxRSS))"], { encoding: 'utf8' });
row('peak RSS, sigil sign of a 2 GiB file', fmt(rss, 'MB', 0), fmt(Number(baseline.stderr) / 1024, 'MB', 0) + ' (bare node)', `goal < 100 MB; memory does not grow with file size`);
if (r.status !== 0) console.log(r.stderr);
