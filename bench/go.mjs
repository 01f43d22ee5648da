// Go personality benchmark (issue 5): `go mod download` of N modules (default 100) through
// Sigil's module proxy + checksum database, against the same proxy with GOSUMDB=off — the
// cost of verifying every module in Sigil's sumdb (goal ≤ 1.2×). Beside it, the machine's
// floor: the go command's own start-up (`go env GOMODCACHE`) and the proxy alone.
// Every run uses a fresh GOPATH/GOMODCACHE (nothing cached); median of R runs each, interleaved.
// SIGIL_BENCH_GO_MODULES / SIGIL_BENCH_GO_RUNS override N / R. Skipped when `go` is missing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
if (spawnSync('go', ['version']).status !== 0) {
  console.log('\ngo module proxy + sumdb: SKIPPED (the `go` command is missing)');
} else {
  const { openRegistry } = await import(dist('registry/server.js'));
  const { makeModuleZip } = await import(dist('ecosystems/golang/make-zip.js'));
  const N = Number(process.env.SIGIL_BENCH_GO_MODULES ?? 100);
  const R = Number(process.env.SIGIL_BENCH_GO_RUNS ?? 3);
  const work = mkdtempSync(join(tmpdir(), 'sigil-bench-go-'));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const row = (what, value, limit, note) =>
    console.log(
      `  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`,
    );
  const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;

  const reg = await openRegistry({
    dataDir: join(work, 'data'),
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    batchIntervalMs: 2,
    goSumdbName: 'bench.sigil.test/go',
  });
  const url = await reg.listen();
  const mods = [];
  const tPub = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const path = `example.com/bench/m${i}`;
    const dir = join(work, 'src', `m${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'go.mod'), `module ${path}\n\ngo 1.19\n`);
    writeFileSync(
      join(dir, 'm.go'),
      `package m${i}\n\n// V is ${'x'.repeat(2000)}\nconst V = ${i}\n`,
    );
    writeFileSync(join(dir, 'LICENSE'), 'MIT\n'.repeat(200));
    const zip = makeModuleZip(dir, path, 'v1.0.0');
    const r = await fetch(`${url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        filename: 'v1.0.0.zip',
        artifact: zip.toString('base64'),
        bundle: null,
      }),
    });
    if (r.status !== 201) throw new Error(`publish ${path}: ${r.status} ${await r.text()}`);
    mods.push(`${path}@v1.0.0`);
  }
  const pubSecs = secs(tPub);
  const gosumdb = `${reg.go.sumdb.vkey} ${url}/go/sumdb/${reg.go.sumdb.name}`;

  const env = (gopath, sumdb) => {
    const e = { ...process.env };
    for (const k of ['GOPRIVATE', 'GONOSUMDB', 'GONOPROXY', 'GOINSECURE', 'GOFLAGS']) delete e[k];
    return {
      ...e,
      GOENV: 'off',
      GO111MODULE: 'on',
      GOPATH: gopath,
      GOMODCACHE: join(gopath, 'pkg', 'mod'),
      GOCACHE: join(gopath, 'cache'),
      GOPROXY: `${url}/go`,
      GOSUMDB: sumdb,
    };
  };
  // Async: the server answers from this process.
  const run = (args, e) =>
    new Promise((resolve, reject) => {
      const t = process.hrtime.bigint();
      const c = spawn('go', args, { env: e, cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.on('close', (code) =>
        code === 0 ? resolve(secs(t)) : reject(new Error(`go ${args.join(' ')} failed: ${err}`)),
      );
    });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  let k = 0;
  const fresh = () => join(work, `gp${k++}`);
  const startup = [];
  const withDb = [];
  const without = [];
  for (let i = 0; i < R; i++) {
    startup.push(await run(['env', 'GOMODCACHE'], env(fresh(), 'off')));
    without.push(await run(['mod', 'download', ...mods], env(fresh(), 'off')));
    withDb.push(await run(['mod', 'download', ...mods], env(fresh(), gosumdb)));
  }
  const [s, w, o] = [median(startup), median(withDb), median(without)];
  console.log(
    `\ngo module proxy + checksum database (${N} modules, fresh module cache each run, median of ${R}; published in ${pubSecs.toFixed(1)} s)`,
  );
  row(
    'go command start-up (go env)',
    `${(s * 1000).toFixed(0)} ms`,
    '—',
    'the floor of any go invocation',
  );
  row(
    `go mod download ×${N}, GOSUMDB=off`,
    `${(o * 1000).toFixed(0)} ms`,
    `${(((o - s) * 1000) / N).toFixed(1)} ms/mod`,
    'proxy only (.info .mod .zip per module)',
  );
  row(
    `go mod download ×${N}, Sigil sumdb`,
    `${(w * 1000).toFixed(0)} ms`,
    `${(((w - s) * 1000) / N).toFixed(1)} ms/mod`,
    '+ lookup and tiles per module, every note verified',
  );
  row(
    'sumdb overhead (with / without)',
    `${(w / o).toFixed(2)} ×`,
    '1.20 ×',
    w / o <= 1.2 ? 'goal met' : 'GOAL MISSED',
  );
  await reg.close();
}
