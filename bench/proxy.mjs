// Proxy benchmark (issue 12): `npm install` of a real tree (this repository's own dependencies,
// real tarballs from npm's cache) through `sigil serve --upstream npm=<static upstream>` vs
// straight from that static upstream — cold (fresh Sigil: every version fetched, checked and
// logged on the way) and warm (Sigil has logged everything; npm's cache is fresh every time).
// Goals: warm ≤ 1.2×, cold ≤ 2×. Beside them, in the same run: observed records per second in
// the cold burst, the log's own append rate and the machine's P-256 signing rate; then
// `sigil verify package-lock.json` of the installed tree (all observed): time and peak RSS.
// SIGIL_BENCH_PROXY_RUNS (default 3) repeats each install, interleaved.
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openRegistry } = await import(dist('registry/server.js'));
const { parseProxyConfig } = await import(dist('registry/upstream/config.js'));
const { computeNpmTarballFacts } = await import(dist('registry/personalities/npm/facts.js'));

const RUNS = Number(process.env.SIGIL_BENCH_PROXY_RUNS ?? 3);
const row = (what, value, note = '') =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(14)}   ${note}`);
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ROOT = new URL('..', import.meta.url).pathname;

// ---- the real tarballs (npm's content-addressed cache) -----------------------------------
const cache = process.env.npm_config_cache ?? join(homedir(), '.npm');
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
const byName = new Map();
for (const [path, v] of Object.entries(lock.packages)) {
  if (!path || v.link || !v.integrity || !v.version) continue;
  const name = path.slice(path.lastIndexOf('node_modules/') + 13);
  const hex = Buffer.from(v.integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
  const file = join(
    cache,
    '_cacache',
    'content-v2',
    'sha512',
    hex.slice(0, 2),
    hex.slice(2, 4),
    hex.slice(4),
  );
  if (!existsSync(file)) continue;
  const list = byName.get(name) ?? [];
  if (!list.some((x) => x.version === v.version))
    list.push({ version: v.version, bytes: readFileSync(file) });
  byName.set(name, list);
}
console.log(
  `\nproxy: npm install through sigil serve --upstream npm=… (${[...byName.values()].flat().length} real tarballs from npm's cache)`,
);
if (byName.size < 50) {
  console.log(
    "  skipped: npm's cache holds too few of this repository's tarballs (run `npm ci` first)",
  );
} else {
  // ---- static upstream: packuments built once, precomputed bytes -----------------------
  const packuments = new Map();
  const tarballs = new Map();
  let upstreamUrl = '';
  const up = createServer((req, res) => {
    const path = decodeURIComponent(req.url.split('?')[0]);
    const t = tarballs.get(path);
    if (t) return void res.writeHead(200, { 'content-length': t.length }).end(t);
    const p = packuments.get(path.slice(1));
    if (!p) return void res.writeHead(404).end('{}');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(p.replaceAll('@@BASE@@', upstreamUrl));
  });
  await new Promise((r) => up.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${up.address().port}`;
  for (const [name, list] of byName) {
    const versions = {};
    const time = {};
    for (const { version, bytes } of list) {
      const facts = await computeNpmTarballFacts(`${name}-${version}.tgz`, bytes);
      const path = `/${name}/-/${name.split('/').pop()}-${version}.tgz`;
      tarballs.set(path, bytes);
      versions[version] = {
        ...facts.manifest,
        name,
        version,
        dist: {
          tarball: `@@BASE@@${path}`,
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          shasum: facts.sha1,
        },
      };
      time[version] = '2020-01-01T00:00:00.000Z';
    }
    const latest = list[list.length - 1].version;
    packuments.set(name, JSON.stringify({ name, 'dist-tags': { latest }, versions, time }));
  }

  const work = mkdtempSync(join(tmpdir(), 'sigil-bench-proxy-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const npm = (registry, tag) =>
    new Promise((resolve, reject) => {
      const d = join(work, `${tag}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(d);
      writeFileSync(
        join(d, 'package.json'),
        JSON.stringify({
          name: 'bench-proxy',
          version: '1.0.0',
          private: true,
          dependencies: deps,
        }),
      );
      writeFileSync(
        join(d, '.npmrc'),
        `registry=${registry}/\naudit=false\nfund=false\nupdate-notifier=false\n`,
      );
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)),
      );
      const t = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const timeFile = join(d, '.time');
      const child = spawn(
        '/usr/bin/time',
        [
          '-f',
          '%U %S',
          '-o',
          timeFile,
          'npm',
          'install',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--omit=optional',
        ],
        {
          cwd: d,
          env: {
            ...env,
            NPM_CONFIG_USERCONFIG: join(d, '.npmrc'),
            NPM_CONFIG_CACHE: join(d, '.cache'),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let err = '';
      child.stderr.on('data', (x) => (err += x));
      child.on('close', (code) => {
        const s = secs(t);
        const c = process.cpuUsage(cpu0);
        if (code !== 0)
          return reject(new Error(`npm install (${tag}) exited ${code}: ${err.slice(-800)}`));
        const [u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
        // serverCpu: this process (the static upstream, and Sigil when it is the registry).
        resolve({
          s,
          dir: d,
          npmCpu: Number(u) + Number(sy),
          serverCpu: (c.user + c.system) / 1e6,
        });
      });
    });
  const spread = (xs) =>
    `min ${Math.min(...xs).toFixed(2)} / median ${median(xs).toFixed(2)} / max ${Math.max(...xs).toFixed(2)} s`;

  try {
    // Interleaved (direct, cold, warm) per run, so that the load of this shared machine drifts
    // over all three alike; the ratios are taken per run, then their median.
    const direct = [];
    const cold = [];
    const warm = [];
    let installed = 0;
    let lastProject = '';
    let registry;
    let url;
    let observedPerSecond = 0;
    const load0 = loadavg();
    for (let i = 0; i < RUNS; i++) {
      const r = await npm(upstreamUrl, 'direct');
      direct.push(r);
      installed =
        Object.keys(JSON.parse(readFileSync(join(r.dir, 'package-lock.json'), 'utf8')).packages)
          .length - 1;
      if (registry) await registry.close();
      registry = await openRegistry({
        dataDir: join(work, `data-${i}`),
        host: '127.0.0.1',
        port: 0,
        openWrites: true,
        proxy: parseProxyConfig({ upstreams: { npm: upstreamUrl } }, 'bench'),
      });
      url = await registry.listen();
      const c = await npm(url, 'cold');
      cold.push(c);
      observedPerSecond = registry.proxy.observe.fetches / c.s;
      const w = await npm(url, 'warm');
      warm.push(w);
      lastProject = w.dir;
    }
    const walls = (xs) => xs.map((x) => x.s);
    const ratio = (xs) => median(xs.map((x, i) => x.s / direct[i].s));
    const load = `load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`;
    row('packages installed', String(installed), `${RUNS} run(s) of each, interleaved; ${load}`);
    row(
      'npm install straight from the upstream',
      `${median(walls(direct)).toFixed(2)} s`,
      `${spread(walls(direct))}, cold npm cache`,
    );
    const coldRatio = ratio(cold);
    const warmRatio = ratio(warm);
    row(
      'npm install through Sigil, cold (all logged)',
      `${median(walls(cold)).toFixed(2)} s`,
      `${coldRatio.toFixed(2)}× direct (goal ≤ 2×: ${coldRatio <= 2 ? 'met' : 'NOT met'}); ${spread(walls(cold))}`,
    );
    row(
      'npm install through Sigil, warm',
      `${median(walls(warm)).toFixed(2)} s`,
      `${warmRatio.toFixed(2)}× direct (goal ≤ 1.2×: ${warmRatio <= 1.2 ? 'met' : 'NOT met'}); ${spread(walls(warm))}`,
    );
    // What dominates: CPU seconds of npm itself vs of the server side (this process: the static
    // upstream alone for "direct", Sigil plus the upstream for cold/warm).
    for (const [what, xs] of [
      ['direct', direct],
      ['cold', cold],
      ['warm', warm],
    ])
      row(
        `  CPU, ${what}: npm / server`,
        `${median(xs.map((x) => x.npmCpu)).toFixed(2)} / ${median(xs.map((x) => x.serverCpu)).toFixed(2)} s`,
        what === 'direct'
          ? 'the 2 cores are shared by npm, the server and whatever else runs'
          : `Sigil adds ${(median(xs.map((x) => x.serverCpu)) - median(direct.map((x) => x.serverCpu))).toFixed(2)} CPU-s, ${(((median(xs.map((x) => x.serverCpu)) - median(direct.map((x) => x.serverCpu))) / installed) * 1000).toFixed(1)} ms per package`,
      );
    row(
      'observed records logged in the cold burst',
      `${observedPerSecond.toFixed(0)} /s`,
      `${registry.proxy.observe.fetches} records`,
    );

    // The machine's limits, same run: the log's append rate and P-256 signing.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let n = 0;
    let t = process.hrtime.bigint();
    while (secs(t) < 1) {
      sign('sha256', randomBytes(64), privateKey);
      n++;
    }
    row(
      'P-256 signatures (node:crypto, one core)',
      `${(n / secs(t)).toFixed(0)} /s`,
      'two per observed record (statement, npm signature)',
    );
    t = process.hrtime.bigint();
    const appends = 2000;
    await Promise.all(Array.from({ length: appends }, () => registry.log.append(randomBytes(600))));
    row(
      'log appends (600-byte entries, batched)',
      `${(appends / secs(t)).toFixed(0)} /s`,
      'the log alone, same data folder',
    );

    // sigil verify of the installed tree's lockfile (every dependency observed).
    const vt = process.hrtime.bigint();
    const v = await new Promise((resolve) => {
      const child = spawn(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          process.execPath,
          join(ROOT, 'bin/sigil.js'),
          'verify',
          join(lastProject, 'package-lock.json'),
          '--server',
          url,
          '--json',
        ],
        {
          env: { ...process.env, SIGIL_CONFIG_DIR: join(work, 'cfg') },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (x) => (out += x));
      child.stderr.on('data', (x) => (err += x));
      child.on('close', (code) =>
        resolve({ code, out, rssKb: Number(err.trim().split('\n').pop()) }),
      );
    });
    const report = JSON.parse(v.out);
    row(
      'sigil verify package-lock.json',
      `${secs(vt).toFixed(2)} s`,
      `exit ${v.code}, ${report.kinds?.observed ?? '?'} observed of ${report.dependencies.length}, peak RSS ${(v.rssKb / 1024).toFixed(0)} MB`,
    );
    await registry.close();
  } finally {
    up.close();
  }
}
