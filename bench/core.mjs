// Foundation benchmarks (issues 2, 14). Every figure is printed beside the machine's own
// limit measured the same way in the same run (bench/limits.mjs): wall against wall
// (`openssl dgst` timed around the process, `openssl speed -elapsed`) and CPU per
// operation against CPU per operation, with the limit's noise (min/median/max of 3 runs).
//   1. hashing: what `sigil sign`/`verify` do to a file (fs.read into two reused
//      buffers, sha256 [+ sha512] in one pass) vs `openssl dgst` on the same file
//   2. bundle verifications/s on one core vs `openssl speed ed25519` verify/s, and on all cores
//   3. peak RSS of `sigil sign` on a 2 GiB file
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { measure, median, noise, opensslSpeed, perOp, row, section, timeChild } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { digestStream } = await import(dist('core/digest.js'));
const { generateKey, formatPrivateKeyFile } = await import(dist('core/keys.js'));
const { signRelease } = await import(dist('core/sign.js'));
const { serializeBundle } = await import(dist('core/bundle.js'));
const { verifyRelease } = await import(dist('core/verify.js'));
const { fileArtifact } = await import(dist('cli/files.js'));

const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const fmt = (n, unit, d = 2) => `${n.toFixed(d)} ${unit}`;

function writeRandomFile(path, bytes) {
  const fd = openSync(path, 'w');
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let done = 0; done < bytes; done += chunk.length)
    writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
  closeSync(fd);
}
const GB = 1e9;

// ---- 1. hashing ----------------------------------------------------------
let s = section(
  'hashing (what sign/verify do: fs.read into two reused 1 MiB buffers, one pass; GB/s = 1e9 bytes/s; file in page cache)\n  each: 3 runs of Sigil and of `openssl dgst`, interleaved; wall = median, CPU = median CPU-s (user+sys, /proc for openssl)',
);
for (const size of [16 * 2 ** 20, 256 * 2 ** 20, 2 ** 30]) {
  const f = join(dir, `data-${size}`);
  writeRandomFile(f, size);
  const label = size >= 2 ** 30 ? `${size / 2 ** 30} GiB` : `${size / 2 ** 20} MiB`;
  const o256 = [];
  const o512 = [];
  const s256 = [];
  const sBoth = [];
  for (let i = 0; i < 3; i++) {
    o256.push(timeChild('openssl', ['dgst', '-sha256', f]));
    s256.push(await measure(() => digestStream(fileArtifact(f).openTransient(), ['sha256'])));
    o512.push(timeChild('openssl', ['dgst', '-sha512', f]));
    sBoth.push(
      await measure(() => digestStream(fileArtifact(f).openTransient(), ['sha256', 'sha512'])),
    );
  }
  const w = (xs) => median(xs.map((x) => x.wall));
  const c = (xs) => median(xs.map((x) => x.cpu));
  const rate = (t) => fmt(size / t / GB, 'GB/s');
  row(
    `sha256 ${label}, wall`,
    rate(w(s256)),
    rate(w(o256)),
    `${(w(o256) / w(s256)).toFixed(2)}× openssl dgst (goal ≥ 0.95×); openssl runs ${noise(
      o256.map((x) => size / x.wall / GB),
      (x) => x.toFixed(2),
    )} GB/s`,
  );
  row(
    `sha256 ${label}, CPU per GiB`,
    `${((c(s256) * 2 ** 30) / size).toFixed(2)} CPU-s`,
    `${((c(o256) * 2 ** 30) / size).toFixed(2)} CPU-s`,
    `${(c(o256) / c(s256)).toFixed(2)}× openssl's CPU (1.00 = as cheap)`,
  );
  row(
    `sha256+sha512 ${label} (what sign does), wall`,
    rate(w(sBoth)),
    rate(w(o256) + w(o512)),
    `${((w(o256) + w(o512)) / w(sBoth)).toFixed(2)}× openssl sha256 then sha512`,
  );
  row(
    `sha256+sha512 ${label}, CPU per GiB`,
    `${((c(sBoth) * 2 ** 30) / size).toFixed(2)} CPU-s`,
    `${(((c(o256) + c(o512)) * 2 ** 30) / size).toFixed(2)} CPU-s`,
    `${((c(o256) + c(o512)) / c(sBoth)).toFixed(2)}× openssl's CPU`,
  );
  rmSync(f);
}
console.log(
  '  cost grows linearly with size (the rate is flat across sizes; small files pay process start-up in openssl)',
);
s.end();

// ---- 2. verification -----------------------------------------------------
s = section(
  'bundle verification (Ed25519, DSSE, in-toto release statement; the artifact digests are given)',
);
const key = generateKey('ed25519');
const digests = { sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) };
const purl = 'pkg:npm/%40demo/left-pad@1.3.0';
const bundle = serializeBundle(signRelease({ purl, digests, key }));
const input = { bundle, artifact: { name: 'x.tgz', digests, purl }, trustedKeys: [key.publicKey] };
for (let i = 0; i < 2000; i++) verifyRelease(input);
const N = 10000;
const verifyLoop = () => {
  for (let i = 0; i < N; i++)
    if (!verifyRelease(input).ok) throw new Error('bench bundle did not verify');
};
// Sigil and openssl interleaved, three times each: both see the same load.
const ours = [];
const ossl = [];
for (let i = 0; i < 3; i++) {
  ours.push(await measure(verifyLoop));
  ossl.push(opensslSpeed('ed25519', 1).verify);
}
const oursWall = median(ours.map((r) => N / r.wall));
const oursCpu = median(ours.map((r) => r.cpu / N));
const osslWall = median(ossl.map((o) => o.wallRate));
const osslCpu = median(ossl.map((o) => o.cpuPerOp));
row(
  'bundles verified/s, 1 core, wall',
  fmt(oursWall, '/s', 0),
  fmt(osslWall, '/s', 0),
  `${(oursWall / osslWall).toFixed(2)}× openssl speed -elapsed ed25519 verify (goal ≥ 0.85×); openssl ${noise(ossl.flatMap((o) => o.wall))}/s; Sigil ${noise(ours.map((r) => N / r.wall))}/s`,
);
row(
  'CPU per bundle verified',
  perOp(oursCpu),
  perOp(osslCpu),
  `${(osslCpu / oursCpu).toFixed(2)}× openssl's CPU per verify (openssl speed without -elapsed: user CPU)`,
);
const single = oursWall;

const workers = availableParallelism();
const keyPem = formatPrivateKeyFile(key, { unencrypted: true });
const workerUrl = new URL('./verify-worker.mjs', import.meta.url);
const perWorker = Math.ceil((N * 3) / workers);
const start = process.hrtime.bigint();
await Promise.all(
  Array.from(
    { length: workers },
    () =>
      new Promise((resolve, reject) => {
        const w = new Worker(workerUrl, {
          workerData: { keyPem, bundle, digests, purl, n: perWorker, dist: dist('') },
        });
        w.on('message', resolve);
        w.on('error', reject);
      }),
  ),
);
const multi = (perWorker * workers) / (Number(process.hrtime.bigint() - start) / 1e9);
row(
  `bundles verified/s, ${workers} worker threads`,
  fmt(multi, '/s', 0),
  fmt(single, '/s', 0),
  `${(multi / single).toFixed(2)}× one core (goal ≥ 1.8× on 2 cores; a loaded machine has fewer free cores)`,
);
console.log(
  '  cost per bundle is constant: the artifact is hashed once beforehand (see hashing), verification touches only the bundle',
);
s.end();

// ---- 3. memory -----------------------------------------------------------
s = section('memory');
const big = join(dir, 'big.img');
const fd = openSync(big, 'w');
ftruncateSync(fd, 2 * 2 ** 30);
closeSync(fd);
const keyFile = join(dir, 'k.key');
execFileSync(process.execPath, [
  '-e',
  `require('fs').writeFileSync(${JSON.stringify(keyFile)}, ${JSON.stringify(keyPem)}, {mode: 0o600})`,
]);
const mainJs = fileURLToPath(dist('cli/main.js'));
const script = `const { main } = await import(${JSON.stringify(mainJs)});
const code = await main(['sign', ${JSON.stringify(big)}, '--key', ${JSON.stringify(keyFile)}, '--name', 'big', '--version', '1', '--json']);
process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = code;`;
const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
const baseline = spawnSync(
  process.execPath,
  ['-e', 'process.stderr.write(String(process.resourceUsage().maxRSS))'],
  { encoding: 'utf8' },
);
row(
  'peak RSS, sigil sign of a 2 GiB file',
  fmt(rss, 'MB', 0),
  fmt(Number(baseline.stderr) / 1024, 'MB', 0) + ' (bare node)',
  `goal < 100 MB; memory does not grow with file size`,
);
if (r.status !== 0) console.log(r.stderr);
s.end();
