// Package-client personalities benchmark (issue 16): install of a 50-package dependency tree
// with the real pip, cargo, bundler and composer from `sigil serve`, vs the SAME responses from
// a plain static file server (node:http from memory; filled once from Sigil, URLs rewritten,
// before any timing). Goal: ≤ 1.2×. Beside it, each index endpoint's requests/s from both.
// A client that is missing is skipped (and said so). Each install is cold: fresh client
// state (pip --target + no cache, CARGO_HOME, BUNDLE_PATH, COMPOSER_HOME + cache).
// SIGIL_BENCH_PERSONALITY_PACKAGES (default 50), SIGIL_BENCH_PERSONALITY_RUNS (default 3),
// SIGIL_BENCH_PERSONALITY_CLIENTS (default "pip,cargo,bundler,composer").
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { tarArchive } from './npm-tarball.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openRegistry } = await import(dist('registry/server.js'));

const N = Number(process.env.SIGIL_BENCH_PERSONALITY_PACKAGES ?? 50);
const RUNS = Number(process.env.SIGIL_BENCH_PERSONALITY_RUNS ?? 3);
const row = (what, value, note = '') =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(14)}   ${note}`);
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kids = (i) => [2 * i + 1, 2 * i + 2].filter((j) => j < N);

/** zip writes a stored (uncompressed) zip. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const n = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---- the packages, per ecosystem: package i depends on 2i+1 and 2i+2 -------------------------
const py = (i) => `bench-py-${i}`;
const wheel = (i) => {
  const mod = `bench_py_${i}`;
  const di = `${mod}-1.0.0.dist-info`;
  const meta = `Metadata-Version: 2.1\nName: ${py(i)}\nVersion: 1.0.0\n${kids(i)
    .map((j) => `Requires-Dist: ${py(j)}>=1.0\n`)
    .join('')}\n`;
  return {
    filename: `${mod}-1.0.0-py3-none-any.whl`,
    bytes: zip({
      [`${mod}/__init__.py`]: `X = ${i}\n`,
      [`${di}/METADATA`]: meta,
      [`${di}/WHEEL`]:
        'Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
      [`${di}/RECORD`]: '',
    }),
  };
};
const rs = (i) => `bench-rs-${i}`;
const crate = (i) => ({
  filename: `${rs(i)}-1.0.0.crate`,
  bytes: tarArchive({
    [`${rs(i)}-1.0.0/Cargo.toml`]: `[package]\nname = "${rs(i)}"\nversion = "1.0.0"\nedition = "2021"\n\n[dependencies]\n${kids(
      i,
    )
      .map((j) => `${rs(j)} = { version = "1.0", registry-index = "REGISTRY" }\n`)
      .join('')}`,
    [`${rs(i)}-1.0.0/src/lib.rs`]: `pub const X: u32 = ${i};\n`,
  }),
});
const rb = (i) => `bench-rb-${i}`;
const gemFile = (i) => {
  const deps = kids(i)
    .map(
      (j) =>
        `- !ruby/object:Gem::Dependency\n  name: ${rb(j)}\n  requirement: !ruby/object:Gem::Requirement\n    requirements:\n    - - ">="\n      - !ruby/object:Gem::Version\n        version: '1.0'\n  type: :runtime\n  prerelease: false\n`,
    )
    .join('');
  const yaml = `--- !ruby/object:Gem::Specification\nname: ${rb(i)}\nversion: !ruby/object:Gem::Version\n  version: 1.0.0\nplatform: ruby\nauthors:\n- bench\nsummary: bench\nspecification_version: 4\nrubygems_version: 3.3.15\nfiles:\n- lib/${rb(i)}.rb\nrequire_paths:\n- lib\ndependencies:${deps ? `\n${deps}` : ' []\n'}`;
  return {
    filename: `${rb(i)}-1.0.0.gem`,
    bytes: tarArchive(
      {
        'metadata.gz': gzipSync(yaml),
        'data.tar.gz': tarArchive({ [`lib/${rb(i)}.rb`]: `X = ${i}\n` }),
      },
      false,
    ),
  };
};
const php = (i) => `bench/php-${i}`;
const composerDist = (i) => ({
  filename: `php-${i}.zip`,
  bytes: zip({
    'composer.json': JSON.stringify({
      name: php(i),
      type: 'library',
      require: Object.fromEntries(kids(i).map((j) => [php(j), '^1.0'])),
    }),
    'src/X.php': '<?php\n',
  }),
});

// ---- Sigil -----------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-personalities-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const registry = await openRegistry({
  dataDir: join(dir, 'data'),
  host: '127.0.0.1',
  port: 0,
  openWrites: true,
  batchIntervalMs: 2,
});
const sigilUrl = await registry.listen();
const publish = async (file, extra = {}) => {
  const r = await fetch(`${sigilUrl}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      filename: file.filename,
      artifact: file.bytes.toString('base64'),
      bundle: null,
      ...extra,
    }),
  });
  if (r.status !== 201) throw new Error(`publish ${file.filename}: ${r.status} ${await r.text()}`);
};
const t = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  await publish(wheel(i));
  const c = crate(i);
  await publish({
    ...c,
    bytes: tarArchive({
      [`${rs(i)}-1.0.0/Cargo.toml`]: `[package]\nname = "${rs(i)}"\nversion = "1.0.0"\nedition = "2021"\n\n[dependencies]\n${kids(
        i,
      )
        .map(
          (j) =>
            `${rs(j)} = { version = "1.0", registry-index = "sparse+${sigilUrl}/cargo/index/" }\n`,
        )
        .join('')}`,
      [`${rs(i)}-1.0.0/src/lib.rs`]: `pub const X: u32 = ${i};\n`,
    }),
  });
  await publish(gemFile(i));
  await publish(composerDist(i), { type: 'composer', version: '1.0.0' });
}
const publishSeconds = secs(t);

// ---- the static server: every response Sigil gave once, from memory, URLs rewritten -------------
const files = new Map();
let staticUrl = '';
const staticServer = createServer(async (req, res) => {
  const key = `${req.url} ${req.headers.accept ?? ''}`;
  let f = files.get(key);
  if (!f) {
    // Filled during the warm-up run only (never timed): the same bytes Sigil answers.
    const r = await fetch(`${sigilUrl}${req.url}`, {
      headers: req.headers.accept ? { accept: req.headers.accept } : {},
    });
    let body = Buffer.from(await r.arrayBuffer());
    const type = r.headers.get('content-type') ?? 'application/octet-stream';
    if (/json|text|html/.test(type))
      body = Buffer.from(body.toString('utf8').replaceAll(sigilUrl, staticUrl));
    f = { status: r.status, type, body };
    files.set(key, f);
  }
  res.writeHead(f.status, { 'content-type': f.type, 'content-length': f.body.length });
  res.end(f.body);
});
await new Promise((r) => staticServer.listen(0, '127.0.0.1', r));
staticUrl = `http://127.0.0.1:${staticServer.address().port}`;

// ---- clients -----------------------------------------------------------------------------------
function run(cmd, args, cwd, env) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err.slice(-2000)}`)),
    );
  });
}
let runId = 0;
const CARGO = existsSync(join(homedir(), '.cargo', 'bin', 'cargo'))
  ? join(homedir(), '.cargo', 'bin', 'cargo')
  : 'cargo';
const have = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const venv = join(dir, 'venv');
const clients = [
  {
    name: 'pip',
    present:
      have('/usr/bin/python3', ['-m', 'venv', venv]) &&
      have(join(venv, 'bin', 'pip'), ['--version']),
    index: (url) => `${url}/pypi/simple/${py(0)}/`,
    install: (url, home) =>
      run(
        join(venv, 'bin', 'pip'),
        [
          'install',
          '--no-cache-dir',
          '--disable-pip-version-check',
          '--target',
          join(home, 'site'),
          '--index-url',
          `${url}/pypi/simple/`,
          py(0),
        ],
        home,
        { PIP_CONFIG_FILE: '/dev/null' },
      ),
  },
  {
    name: 'cargo',
    present: have(CARGO, ['--version']),
    index: (url) => `${url}/cargo/index/be/nc/${rs(0)}`,
    install: async (url, home) => {
      mkdirSync(join(home, 'app', 'src'), { recursive: true });
      writeFileSync(
        join(home, 'config.toml'),
        `[registries.sigil]\nindex = "sparse+${url}/cargo/index/"\n`,
      );
      writeFileSync(
        join(home, 'app', 'Cargo.toml'),
        `[package]\nname = "app"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\n${rs(0)} = { version = "1", registry = "sigil" }\n`,
      );
      writeFileSync(join(home, 'app', 'src', 'main.rs'), 'fn main() {}\n');
      await run(CARGO, ['generate-lockfile'], join(home, 'app'), { CARGO_HOME: home });
      await run(CARGO, ['fetch'], join(home, 'app'), { CARGO_HOME: home });
    },
  },
  {
    name: 'bundler',
    present: have('bundle', ['--version']),
    index: (url) => `${url}/rubygems/info/${rb(0)}`,
    install: async (url, home) => {
      writeFileSync(join(home, 'Gemfile'), `source "${url}/rubygems/"\ngem "${rb(0)}"\n`);
      await run('bundle', ['install', '--quiet'], home, {
        HOME: home,
        GEM_HOME: join(home, 'gems'),
        BUNDLE_PATH: join(home, 'gems'),
        BUNDLE_APP_CONFIG: join(home, '.bundle'),
        BUNDLE_USER_HOME: join(home, '.bundle-user'),
      });
    },
  },
  {
    name: 'composer',
    present: have('composer', ['--version']),
    index: (url) => `${url}/composer/p2/${php(0)}.json`,
    install: async (url, home) => {
      writeFileSync(
        join(home, 'composer.json'),
        JSON.stringify({
          repositories: [{ type: 'composer', url: `${url}/composer` }, { 'packagist.org': false }],
          require: { [php(0)]: '^1.0' },
          config: { 'secure-http': false },
        }),
      );
      await run('composer', ['install', '--no-interaction', '--no-progress', '--quiet'], home, {
        COMPOSER_HOME: join(home, '.composer'),
        COMPOSER_CACHE_DIR: join(home, '.composer-cache'),
        COMPOSER_ALLOW_SUPERUSER: '1',
      });
    },
  },
];

async function timed(client, url) {
  const home = join(dir, `run-${runId++}`);
  mkdirSync(home, { recursive: true });
  const t0 = process.hrtime.bigint();
  await client.install(url, home);
  const s = secs(t0);
  rmSync(home, { recursive: true, force: true });
  return s;
}

async function rate(url, seconds = 1) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (secs(t0) < seconds) {
      n++;
      await (await fetch(url)).arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return n / secs(t0);
}

console.log(
  `\npackage-client personalities (${N} packages per ecosystem in a binary dependency tree; cold installs; median of ${RUNS}; load avg ${loadavg()[0].toFixed(2)} on ${cpus().length} cores)`,
);
row(
  `sigil publish pipeline (${4 * N} uploads, 4 ecosystems)`,
  `${((4 * N) / publishSeconds).toFixed(0)} /s`,
  '',
);
const only = (process.env.SIGIL_BENCH_PERSONALITY_CLIENTS ?? 'pip,cargo,bundler,composer').split(
  ',',
);
for (const client of clients.filter((c) => only.includes(c.name))) {
  if (!client.present) {
    row(`${client.name}`, 'skipped', 'client not installed');
    continue;
  }
  await timed(client, staticUrl); // warm-up: fills the static server, warms the client's own code
  const staticRate = await rate(client.index(staticUrl));
  const sigilRate = await rate(client.index(sigilUrl));
  row(
    `${client.name}: index GETs/s, static server (limit)`,
    `${staticRate.toFixed(0)} /s`,
    '16 concurrent, loopback',
  );
  row(
    `${client.name}: index GETs/s, sigil serve`,
    `${sigilRate.toFixed(0)} /s`,
    `${(staticRate / sigilRate).toFixed(2)}× slower than the static server`,
  );
  const st = [];
  const sg = [];
  for (let i = 0; i < RUNS; i++) {
    st.push(await timed(client, staticUrl));
    sg.push(await timed(client, sigilUrl));
  }
  const s = median(st);
  const g = median(sg);
  row(
    `${client.name}: install from static server (limit)`,
    `${s.toFixed(2)} s`,
    `runs ${st.map((x) => x.toFixed(2)).join(' / ')}`,
  );
  row(
    `${client.name}: install from sigil serve`,
    `${g.toFixed(2)} s`,
    `runs ${sg.map((x) => x.toFixed(2)).join(' / ')}`,
  );
  row(
    `${client.name}: ratio sigil / static`,
    `${(g / s).toFixed(2)}×`,
    `goal ≤ 1.20× ${g / s <= 1.2 ? '(met)' : '(NOT met)'}`,
  );
}
await registry.close();
await new Promise((r) => staticServer.close(r));
