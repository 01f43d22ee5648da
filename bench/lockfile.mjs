// Lockfile verification benchmark (issue 6): a generated N-package npm project whose
// packages are all published on a local Sigil registry (the real server, in this
// process), then `sigil verify package-lock.json --server` in a child process, cold (fresh
// config dir) and warm (second run), with its peak RSS — each figure beside the machine's
// limit measured in the same run:
//
//   limit = (signature checks) ÷ (Ed25519 verify/s × cores)     [openssl speed ed25519]
//
// and beside `npm audit signatures` on the same packages (a subset: see below).
//   SIGIL_BENCH_LOCK_PACKAGES  number of packages (default 10000)
//   SIGIL_BENCH_LOCK_NPM       packages checked by npm (default 1000; 0 skips npm)
//   SIGIL_BENCH_LOCK_PROFILE   write CPU profiles of the verifier runs to this directory
//   SIGIL_BENCH_LOCK_THREADS   passed to the verifier as SIGIL_VERIFY_THREADS (default: unset, the
//                              CLI's default); a second warm run always uses one thread per core
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmTarball } from './npm-tarball.mjs';
import { load, noise, opensslSpeed, perOp } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openRegistry } = await import(dist('registry/server.js'));
const { publishRelease } = await import(dist('registry/publish.js'));
const { generateKey } = await import(dist('core/keys.js'));
const { signRelease } = await import(dist('core/sign.js'));
const { buildKeyEvent } = await import(dist('ledger/event.js'));

const N = Number(process.env.SIGIL_BENCH_LOCK_PACKAGES ?? 10_000);
const NPM_N = Math.min(N, Number(process.env.SIGIL_BENCH_LOCK_NPM ?? 1000));
const cores = availableParallelism();
const row = (what, value, limit, note) =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;

const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-lock-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// ---- machine limits (openssl, the same run) -------------------------------------------
// Wall: `openssl speed -elapsed` (median of 3, noise printed); CPU: openssl's own rate per CPU-second.
// Measured again after the verifications (the load changes while the registry publishes).
const speedEd = opensslSpeed('ed25519');
const speedEc = opensslSpeed('ecdsap256');
const ed25519Verify = speedEd.verify.wallRate;
const p256Verify = speedEc.verify.wallRate;
const loadAtStart = load();

// ---- packages -------------------------------------------------------------------------
const tgz = npmTarball;
const pkgName = (i) => `bench-pkg-${i}`;
const packages = [];
for (let i = 0; i < N; i++) {
  const name = pkgName(i);
  const bytes = tgz({
    'package.json': JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
    'index.js': `module.exports = ${i};\n`,
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const sha512 = createHash('sha512').update(bytes).digest();
  packages.push({
    name,
    bytes,
    digests: { sha256, sha512: sha512.toString('hex') },
    integrity: `sha512-${sha512.toString('base64')}`,
  });
}

// ---- publish: every package its own namespace, established by its author's first publish
console.log(
  `\nlockfile verification (${N.toLocaleString('en')} npm packages, each signed by its author, countersigned and logged by a local Sigil registry)`,
);
// The registry's data on tmpfs when there is one: its fsyncs would otherwise pace the serialised
// key events (publishing speed is not what this benchmark measures).
const dataDir = existsSync('/dev/shm')
  ? mkdtempSync('/dev/shm/sigil-bench-lock-')
  : join(dir, 'data');
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const registry = await openRegistry({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  origin: 'bench.sigil.test/log',
  openWrites: true,
  batchIntervalMs: 1,
  batchSize: 4096,
});
const url = await registry.listen();
const ctx = {
  store: registry.store,
  log: registry.log,
  registryKey: registry.registryKey,
  baseUrl: url,
  authority: registry.ledger,
  requireAuthorSignature: false,
  now: () => new Date(),
};
const author = generateKey('ed25519');
const t = process.hrtime.bigint();
let next = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < N) {
      const p = packages[next++];
      const purl = `pkg:npm/${p.name}@1.0.0`;
      const add = buildKeyEvent(
        {
          namespace: `pkg:npm/${p.name}`,
          previous: null,
          action: 'add',
          keys: [author.publicKey],
          reason: 'first publish',
        },
        [author],
      ).envelope;
      await publishRelease(ctx, {
        filename: `${p.name}-1.0.0.tgz`,
        artifact: p.bytes,
        bundle: signRelease({ purl, digests: p.digests, key: author }),
        keyEvents: [add],
      });
    }
  }),
);
console.log(
  `  (published ${N.toLocaleString('en')} releases + ${N.toLocaleString('en')} key events in ${secs(t).toFixed(1)} s; not a figure of this benchmark)`,
);

// ---- projects ---------------------------------------------------------------------------
function project(n) {
  const p = join(dir, `p${n}`);
  mkdirSync(p, { recursive: true });
  const pk = { '': { name: 'app', version: '1.0.0', dependencies: {} } };
  for (const x of packages.slice(0, n)) {
    pk[''].dependencies[x.name] = '1.0.0';
    pk[`node_modules/${x.name}`] = {
      version: '1.0.0',
      resolved: `${url}/${x.name}/-/${x.name}-1.0.0.tgz`,
      integrity: x.integrity,
    };
  }
  writeFileSync(
    join(p, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', dependencies: pk[''].dependencies }),
  );
  writeFileSync(
    join(p, 'package-lock.json'),
    JSON.stringify(
      { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: pk },
      null,
      2,
    ),
  );
  return p;
}

// One verification in a child process (the server stays in this one): wall time, peak RSS, the report's counts.
const mainJs = fileURLToPath(dist('cli/main.js'));
function sigilVerify(lock, configDir, threads = process.env.SIGIL_BENCH_LOCK_THREADS) {
  const script = `const { main } = await import(${JSON.stringify(mainJs)});
let out = ''; const t = process.hrtime.bigint();
const code = await main(['verify', ${JSON.stringify(lock)}, '--server', ${JSON.stringify(url)}, '--json'], { out: (s) => void (out += s), err: (s) => process.stderr.write(s), stderrIsTTY: false, env: process.env });
const wall = Number(process.hrtime.bigint() - t) / 1e9; const cu = process.cpuUsage(); const r = JSON.parse(out);
process.stdout.write(JSON.stringify({ code, wall, cpu: (cu.user + cu.system) / 1e6, rss: process.resourceUsage().maxRSS, counts: r.counts, checks: r.dependencies.flatMap((d) => d.checks.map((c) => c.code)) }));`;
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      SIGIL_CONFIG_DIR: configDir,
      ...(threads !== undefined ? { SIGIL_VERIFY_THREADS: String(threads) } : {}),
    };
    const c = spawn(
      process.execPath,
      [
        ...(process.env.SIGIL_BENCH_LOCK_PROFILE
          ? ['--cpu-prof', '--cpu-prof-dir', process.env.SIGIL_BENCH_LOCK_PROFILE]
          : []),
        '--input-type=module',
        '-e',
        script,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const t0 = process.hrtime.bigint();
    c.on('close', (code) => {
      if (code !== 0) return reject(new Error(`verify failed (${code}): ${err.slice(0, 2000)}`));
      resolve({ ...JSON.parse(out), process: secs(t0) });
    });
  });
}

// Signature checks one verification makes: per package the author's (Ed25519), the registry's
// countersignature and npm registry signature (ECDSA P-256), and the namespace's `add` key event
// in ledger replay (Ed25519); plus one checkpoint signature.
function signatureChecks(r) {
  const count = (code) => r.checks.filter((c) => c === code).length;
  const ed = count('AUTHOR_SIGNATURE_VALID') + count('KEY_AUTHORISED') + 1;
  const ec = count('COUNTERSIGNATURE_VALID') + count('REGISTRY_SIGNATURE_VALID');
  return { ed, ec, total: ed + ec };
}

const results = {};
for (const n of [...new Set([Math.min(1000, N), N])]) {
  const lock = join(project(n), 'package-lock.json');
  const configDir = join(dir, `config-${n}`);
  const cold = await sigilVerify(lock, configDir);
  const warm = await sigilVerify(lock, configDir);
  // The same warm run with one check thread per core (SIGIL_VERIFY_THREADS), right after: what threads buy.
  const one = await sigilVerify(lock, configDir, cores);
  if (cold.counts.verified !== n || warm.counts.verified !== n || one.counts.verified !== n)
    throw new Error(`expected ${n} verified, got ${JSON.stringify(warm.counts)}`);
  results[n] = { cold, warm, one, sigs: signatureChecks(warm) };
}

const speedEd2 = opensslSpeed('ed25519');
const speedEc2 = opensslSpeed('ecdsap256');
console.log(`  load average at start: ${loadAtStart}; at end: ${load()}`);
console.log(
  `  machine: ${cores} cores; openssl speed -elapsed (wall, per core, before / after, each the median of 3): Ed25519 ${Math.round(ed25519Verify).toLocaleString('en')} / ${Math.round(speedEd2.verify.wallRate).toLocaleString('en')} verify/s (runs ${noise([...speedEd.verify.wall, ...speedEd2.verify.wall])}), ECDSA P-256 ${Math.round(p256Verify).toLocaleString('en')} / ${Math.round(speedEc2.verify.wallRate).toLocaleString('en')} verify/s (runs ${noise([...speedEc.verify.wall, ...speedEc2.verify.wall])})`,
);
const edCpu = (speedEd.verify.cpuPerOp + speedEd2.verify.cpuPerOp) / 2;
const ecCpu = (speedEc.verify.cpuPerOp + speedEc2.verify.cpuPerOp) / 2;
console.log(
  `  openssl CPU per verify (user CPU, without -elapsed): Ed25519 ${perOp(edCpu)}, ECDSA P-256 ${perOp(ecCpu)}`,
);
for (const [n, r] of Object.entries(results)) {
  const limit = r.sigs.total / (ed25519Verify * cores);
  const mixed = r.sigs.ed / (ed25519Verify * cores) + r.sigs.ec / (p256Verify * cores);
  const cpuLimit = r.sigs.ed * edCpu + r.sigs.ec * ecCpu;
  const label = Number(n).toLocaleString('en');
  console.log(
    `  ${label} packages: ${r.sigs.total.toLocaleString('en')} signature checks (${r.sigs.ed.toLocaleString('en')} Ed25519 + ${r.sigs.ec.toLocaleString('en')} ECDSA P-256)`,
  );
  row(
    `sigil verify ${label}, cold, wall`,
    `${r.cold.wall.toFixed(2)} s`,
    `${limit.toFixed(2)} s`,
    `${(r.cold.wall / limit).toFixed(2)}× the limit (process incl. start-up ${r.cold.process.toFixed(2)} s)`,
  );
  row(
    `sigil verify ${label}, warm, wall`,
    `${r.warm.wall.toFixed(2)} s`,
    `${limit.toFixed(2)} s`,
    `${(r.warm.wall / limit).toFixed(2)}× the limit (goal ≤ 2×); ${(r.warm.wall / mixed).toFixed(2)}× the mixed Ed25519+P-256 limit ${mixed.toFixed(2)} s`,
  );
  row(
    `sigil verify ${label}, warm, ${cores} check threads, wall`,
    `${r.one.wall.toFixed(2)} s`,
    `${limit.toFixed(2)} s`,
    `${(r.one.wall / limit).toFixed(2)}× the limit; ${(r.warm.wall / r.one.wall).toFixed(2)}× faster than the default run; CPU ${perOp(r.one.cpu / Number(n))} per dependency, ${(r.one.cpu / cpuLimit).toFixed(2)}× openssl's; RSS ${(r.one.rss / 1024).toFixed(0)} MB`,
  );
  row(
    `sigil verify ${label}, warm, CPU per dependency`,
    perOp(r.warm.cpu / Number(n)),
    perOp(cpuLimit / Number(n)),
    `${(r.warm.cpu / cpuLimit).toFixed(2)}× the CPU of its signature checks in openssl (${r.warm.cpu.toFixed(2)} CPU-s in all)`,
  );
  row(
    `peak RSS, ${label}`,
    `${(Math.max(r.cold.rss, r.warm.rss) / 1024).toFixed(0)} MB`,
    Number(n) >= 10_000 ? '300 MB' : '150 MB',
    Number(n) >= 10_000 ? 'goal < 300 MB at 10k' : 'goal < 150 MB at 1k',
  );
}
const ns = Object.keys(results)
  .map(Number)
  .sort((a, b) => a - b);
if (ns.length === 2) {
  const [a, b] = ns.map((n) => results[n]);
  const per = (r, n) => (r.warm.wall / n) * 1000;
  console.log(
    `  growth: warm ${per(a, ns[0]).toFixed(3)} ms/package at ${ns[0].toLocaleString('en')}, ${per(b, ns[1]).toFixed(3)} ms/package at ${ns[1].toLocaleString('en')}; marginal ${(((b.warm.wall - a.warm.wall) / (ns[1] - ns[0])) * 1000).toFixed(3)} ms/package (cost grows linearly when these agree); CPU ${((a.warm.cpu / ns[0]) * 1000).toFixed(3)} / ${((b.warm.cpu / ns[1]) * 1000).toFixed(3)} ms/package`,
  );
}

// ---- npm audit signatures on the same packages -------------------------------------------
// The registry has no npm personality (`GET /<name>` packuments) on this branch, so npm is
// pointed at a tiny static packument server of our own that serves the same tarballs, the
// registry signatures from the Sigil records, and proxies /-/npm/v1/keys to the Sigil server.
// npm needs an installed tree: node_modules/<name>/package.json is written directly (what
// `npm install` would leave; audit signatures reads only the tree and the packuments).
if (NPM_N > 0) {
  const lookup = await (
    await fetch(`${url}/api/v1/releases/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        purls: packages.slice(0, NPM_N).map((p) => `pkg:npm/${p.name}@1.0.0`),
      }),
    })
  ).json();
  const npmKeys = await (await fetch(`${url}/-/npm/v1/keys`)).text();
  const byName = new Map(packages.slice(0, NPM_N).map((p) => [p.name, p]));
  let packuments = 0;
  const srv = createServer((req, res) => {
    const path = decodeURIComponent(req.url.split('?')[0]);
    if (path === '/-/npm/v1/keys')
      return res.writeHead(200, { 'content-type': 'application/json' }).end(npmKeys);
    const tar = /^\/([^/]+)\/-\/[^/]+\.tgz$/.exec(path);
    if (tar && byName.has(tar[1]))
      return res
        .writeHead(200, { 'content-type': 'application/octet-stream' })
        .end(byName.get(tar[1]).bytes);
    const p = byName.get(path.slice(1));
    if (!p) return res.writeHead(404).end('{}');
    packuments++;
    const rec = lookup.records[`pkg:npm/${p.name}@1.0.0`];
    const time = rec.publishedAt ?? new Date().toISOString();
    const shasum = createHash('sha1').update(p.bytes).digest('hex');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        _id: p.name,
        name: p.name,
        'dist-tags': { latest: '1.0.0' },
        time: { created: time, modified: time, '1.0.0': time },
        versions: {
          '1.0.0': {
            name: p.name,
            version: '1.0.0',
            main: 'index.js',
            dist: {
              tarball: `${npmUrl}/${p.name}/-/${p.name}-1.0.0.tgz`,
              shasum,
              integrity: p.integrity,
              signatures: [rec.registrySignature],
            },
          },
        },
      }),
    );
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const npmUrl = `http://127.0.0.1:${srv.address().port}`;
  const p = join(dir, `npm-${NPM_N}`);
  const pk = { '': { name: 'app', version: '1.0.0', dependencies: {} } };
  for (const x of packages.slice(0, NPM_N)) {
    pk[''].dependencies[x.name] = '1.0.0';
    pk[`node_modules/${x.name}`] = {
      version: '1.0.0',
      resolved: `${npmUrl}/${x.name}/-/${x.name}-1.0.0.tgz`,
      integrity: x.integrity,
    };
    mkdirSync(join(p, 'node_modules', x.name), { recursive: true });
    writeFileSync(
      join(p, 'node_modules', x.name, 'package.json'),
      JSON.stringify({ name: x.name, version: '1.0.0', main: 'index.js' }),
    );
    writeFileSync(join(p, 'node_modules', x.name, 'index.js'), 'module.exports = 0;\n');
  }
  writeFileSync(
    join(p, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', dependencies: pk[''].dependencies }),
  );
  const lockText = JSON.stringify(
    { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: pk },
    null,
    2,
  );
  writeFileSync(join(p, 'package-lock.json'), lockText);
  writeFileSync(join(p, 'node_modules', '.package-lock.json'), lockText);
  writeFileSync(join(dir, 'npmrc'), 'update-notifier=false\naudit=false\nfund=false\n');
  // npm fetches the registry keys through TUF (sigstore's CDN) first; with no network that fails and
  // npm falls back to /-/npm/v1/keys. The shim makes the failure immediate, as in research/npm-audit-bench.md.
  writeFileSync(
    join(dir, 'no-tuf.cjs'),
    "const M = require('module'); const load = M._load; M._load = function (r, ...a) { if (r === '@sigstore/tuf') return { initTUF: async () => ({ getTarget: async () => { throw Object.assign(new Error('TUF disabled by the benchmark'), { code: 'TUF_FIND_TARGET_ERROR' }); } }) }; return load.call(this, r, ...a); };\n",
  );
  const npmEnv = {
    ...process.env,
    NPM_CONFIG_USERCONFIG: join(dir, 'npmrc'),
    NPM_CONFIG_CACHE: join(dir, 'npm-cache'),
    NODE_OPTIONS: `--require ${join(dir, 'no-tuf.cjs')}`,
  };
  const runNpm = () =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const c = spawn('npm', ['audit', 'signatures', '--registry', `${npmUrl}/`], {
        cwd: p,
        env: npmEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (out += d));
      c.on('close', (code) =>
        code === 0
          ? resolve({ wall: secs(t0), out })
          : reject(new Error(`npm audit signatures failed (${code}): ${out.slice(0, 2000)}`)),
      );
    });
  const first = await runNpm();
  if (!new RegExp(`${NPM_N} packages have verified registry signatures`).test(first.out))
    throw new Error(`npm did not verify ${NPM_N} packages: ${first.out.slice(0, 1000)}`);
  const second = await runNpm();
  srv.close();
  const npmWall = Math.min(first.wall, second.wall);
  const npmPer = (npmWall / NPM_N) * 1000;
  const sig =
    results[Math.min(1000, N)] && NPM_N === Math.min(1000, N) ? results[NPM_N] : undefined;
  const sigilPer = (results[N].warm.wall / N) * 1000;
  console.log(
    `  npm audit signatures, ${NPM_N.toLocaleString('en')} packages (static packument server; ${packuments} packuments served; npm checks only the registry signature): ${npmWall.toFixed(2)} s, ${npmPer.toFixed(2)} ms/package`,
  );
  if (sig)
    row(
      `sigil vs npm, same ${NPM_N.toLocaleString('en')} packages (warm)`,
      `${sig.warm.wall.toFixed(2)} s`,
      `${npmWall.toFixed(2)} s`,
      `${(npmWall / sig.warm.wall).toFixed(1)}× faster than npm (goal ≥ 20×)`,
    );
  row(
    `sigil per package at ${N.toLocaleString('en')} vs npm`,
    `${sigilPer.toFixed(3)} ms`,
    `${npmPer.toFixed(2)} ms`,
    `${(npmPer / sigilPer).toFixed(1)}× faster per package (goal ≥ 20×)`,
  );
}
await registry.close();
