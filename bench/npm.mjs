// npm personality benchmark (issue 5): `npm install` of a 200-package dependency tree
// from `sigil serve` vs from a plain static file server (node:http, precomputed bytes)
// serving the SAME packuments and tarballs — the overhead of Sigil's registry itself.
// Goal: ≤ 1.2×. Beside it, the machine's limits measured in the same run: npm's own
// start-up time, and packument requests/s from both servers over loopback.
// Each install: a fresh project and a fresh npm cache (cold), isolated npm config.
// SIGIL_BENCH_NPM_PACKAGES (default 200) and SIGIL_BENCH_NPM_RUNS (default 3) override.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmTarball } from './npm-tarball.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openRegistry } = await import(dist('registry/server.js'));

const N = Number(process.env.SIGIL_BENCH_NPM_PACKAGES ?? 200);
const RUNS = Number(process.env.SIGIL_BENCH_NPM_RUNS ?? 3);
const row = (what, value, note = '') =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(14)}   ${note}`);
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- packages: pkg-i depends on pkg-(2i+1) and pkg-(2i+2): a binary tree of N ----------
const tgz = npmTarball;
const name = (i) => `bench-npm-${i}`;
const packages = Array.from({ length: N }, (_, i) => {
  const deps = [2 * i + 1, 2 * i + 2].filter((j) => j < N);
  const manifest = {
    name: name(i),
    version: '1.0.0',
    description: `bench package ${i}`,
    license: 'MIT',
    main: 'index.js',
    dependencies: Object.fromEntries(deps.map((j) => [name(j), '^1.0.0'])),
  };
  const tarball = tgz({
    'package.json': JSON.stringify(manifest, null, 2),
    'index.js': `module.exports = ${i};\n`,
    'README.md': `# ${name(i)}\n`,
  });
  return { manifest, tarball };
});

// ---- Sigil ---------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-npm-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const registry = await openRegistry({
  dataDir: join(dir, 'data'),
  host: '127.0.0.1',
  port: 0,
  openWrites: true,
  batchIntervalMs: 2,
});
const sigilUrl = await registry.listen();
let t = process.hrtime.bigint();
for (const { manifest, tarball } of packages) {
  const v = manifest.version;
  const body = {
    _id: manifest.name,
    name: manifest.name,
    'dist-tags': { latest: v },
    versions: {
      [v]: {
        ...manifest,
        _id: `${manifest.name}@${v}`,
        dist: {
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          shasum: createHash('sha1').update(tarball).digest('hex'),
        },
      },
    },
    _attachments: {
      [`${manifest.name}-${v}.tgz`]: {
        content_type: 'application/octet-stream',
        data: tarball.toString('base64'),
        length: tarball.length,
      },
    },
  };
  const r = await fetch(`${sigilUrl}/${manifest.name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`publish ${manifest.name}: ${r.status} ${await r.text()}`);
}
const publishSeconds = secs(t);

// ---- the static server: the same documents, precomputed, served from memory ----------------
const files = new Map(); // path → {type, body} (packuments keyed by accept kind)
const staticServer = createServer((req, res) => {
  const path = req.url.split('?')[0];
  const corgi = (req.headers.accept ?? '').includes('application/vnd.npm.install-v1+json');
  const f = files.get(corgi && files.has(`${path}#corgi`) ? `${path}#corgi` : path);
  if (!f) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return res.end('{"error":"Not found"}');
  }
  res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.length });
  res.end(f.body);
});
await new Promise((r) => staticServer.listen(0, '127.0.0.1', r));
const staticUrl = `http://127.0.0.1:${staticServer.address().port}`;
for (const { manifest } of packages) {
  for (const [suffix, accept, type] of [
    ['', 'application/json', 'application/json'],
    ['#corgi', 'application/vnd.npm.install-v1+json', 'application/vnd.npm.install-v1+json'],
  ]) {
    const text = (
      await (await fetch(`${sigilUrl}/${manifest.name}`, { headers: { accept } })).text()
    ).replaceAll(sigilUrl, staticUrl);
    files.set(`/${manifest.name}${suffix}`, { type, body: Buffer.from(text) });
  }
  const file = `/${manifest.name}/-/${manifest.name}-1.0.0.tgz`;
  files.set(file, {
    type: 'application/octet-stream',
    body: Buffer.from(await (await fetch(`${sigilUrl}${file}`)).arrayBuffer()),
  });
}

// ---- npm, isolated ----------------------------------------------------------------
function npmEnv(home) {
  mkdirSync(home, { recursive: true });
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_config_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  writeFileSync(join(home, '.npmrc'), 'update-notifier=false\nfund=false\naudit=false\n');
  return {
    ...env,
    NPM_CONFIG_USERCONFIG: join(home, '.npmrc'),
    NPM_CONFIG_GLOBALCONFIG: join(home, 'none'),
    NPM_CONFIG_CACHE: join(home, 'cache'),
  };
}
function run(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const c = spawn('npm', args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm ${args.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}
let runId = 0;
async function install(url) {
  const home = join(dir, `run-${runId++}`);
  const project = join(home, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'bench-project',
      version: '0.0.0',
      private: true,
      dependencies: { [name(0)]: '^1.0.0' },
    }),
  );
  const t0 = process.hrtime.bigint();
  await run(
    ['install', '--registry', `${url}/`, '--no-audit', '--no-fund', '--ignore-scripts'],
    project,
    npmEnv(home),
  );
  const s = secs(t0);
  rmSync(home, { recursive: true, force: true });
  return s;
}

// Requests/s for one packument (the corgi npm install asks for), 20 concurrent like npm.
async function packumentRate(url, seconds = 1) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (secs(t0) < seconds) {
      const r = await fetch(`${url}/${name(n++ % N)}`, {
        headers: { accept: 'application/vnd.npm.install-v1+json' },
      });
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  return n / secs(t0);
}

console.log(
  `\nnpm personality (${N} packages in a binary dependency tree, npm install cold: fresh project + fresh cache; median of ${RUNS}; load avg ${loadavg()[0].toFixed(2)} on ${cpus().length} cores)`,
);
t = process.hrtime.bigint();
await run(['--version'], dir, npmEnv(join(dir, 'v')));
row('npm start-up (npm --version)', `${secs(t).toFixed(2)} s`, 'limit: npm itself');
row(
  `npm publish pipeline (${N} PUTs, countersign + log)`,
  `${(N / publishSeconds).toFixed(0)} /s`,
  '',
);
const staticRate = await packumentRate(staticUrl);
const sigilRate = await packumentRate(sigilUrl);
row(
  'packument GETs/s, static server (limit)',
  `${staticRate.toFixed(0)} /s`,
  'node:http from memory, loopback, 20 concurrent',
);
row(
  'packument GETs/s, sigil serve',
  `${sigilRate.toFixed(0)} /s`,
  `${(staticRate / sigilRate).toFixed(2)}× slower than the static server`,
);
await install(staticUrl); // warm-up: disk cache, npm's own module loading
const staticTimes = [];
const sigilTimes = [];
for (let i = 0; i < RUNS; i++) {
  // Alternate, so drift in machine load hits both alike.
  staticTimes.push(await install(staticUrl));
  sigilTimes.push(await install(sigilUrl));
}
const s = median(staticTimes);
const g = median(sigilTimes);
row(
  'npm install from static file server (limit)',
  `${s.toFixed(2)} s`,
  `runs ${staticTimes.map((x) => x.toFixed(2)).join(' / ')}`,
);
row(
  'npm install from sigil serve',
  `${g.toFixed(2)} s`,
  `runs ${sigilTimes.map((x) => x.toFixed(2)).join(' / ')}`,
);
row(
  'ratio sigil / static',
  `${(g / s).toFixed(2)}×`,
  `goal ≤ 1.20× ${g / s <= 1.2 ? '(met)' : '(NOT met)'}`,
);

await registry.close();
await new Promise((r) => staticServer.close(r));
