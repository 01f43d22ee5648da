// Huge upstream indexes (issue 17): reading a Debian Packages.xz of 100,000 stanzas (Debian main
// amd64 has about 64,000) the way the apt upstream does — InRelease signature, SHA256 against the
// Release, xz decompression, one entry per stanza — and merging a CPAN 02packages of 250,000
// lines into Sigil's. Beside each, the machine's limit measured the same way in the same run:
// `xz -dc | sha256sum` and `gzip -dc | sort -f` of the same bytes (the least any reader must do),
// wall and CPU seconds. Also the peak RSS the Debian read adds (what the limits bound).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { measure, noise, row, section, timeChild } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { DebUpstream } = await import(dist('registry/upstream/deb.js'));
const { CpanUpstream } = await import(dist('registry/upstream/cpan.js'));
const { UpstreamClient } = await import(dist('registry/upstream/http.js'));
const { clearsign } = await import(dist('registry/personalities/apt/openpgp-key.js'));
const { packagesDetails } = await import(dist('registry/personalities/cpan/repository.js'));
const openpgp = await import('openpgp');

const STANZAS = 100_000;
const LINES = 250_000;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-index-'));
const s = section(
  `Huge upstream indexes: Debian Packages.xz (${STANZAS.toLocaleString('en')} stanzas), CPAN 02packages (${LINES.toLocaleString('en')} lines)`,
);

// ---- the upstream files ----------------------------------------------------------------
const stanzas = [];
for (let i = 0; i < STANZAS; i++)
  stanzas.push(
    `Package: filler-${i}\nVersion: 1.${i}-1\nArchitecture: amd64\nMaintainer: Filler <f@example.com>\nInstalled-Size: ${i % 977}\nDepends: libc6 (>= 2.36)\nFilename: pool/main/f/filler-${i}/filler-${i}_1.${i}-1_amd64.deb\nSize: ${1000 + i}\nSHA256: ${sha256(String(i))}\nDescription: filler package number ${i}\n`,
  );
const packages = Buffer.from(stanzas.join('\n'));
const xz = spawnSync('xz', ['-c', '-T1', '-6'], { input: packages, maxBuffer: 1 << 30 }).stdout;
writeFileSync(join(dir, 'Packages.xz'), xz);
const { privateKey } = await openpgp.generateKey({
  type: 'ecc',
  curve: 'ed25519Legacy',
  userIDs: [{ name: 'bench archive' }],
  format: 'object',
});
const release = `Suite: bench\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sha256(xz)} ${xz.length} main/binary-amd64/Packages.xz\n`;
const inRelease = await clearsign(privateKey, release, new Date());
const lines = [];
for (let i = 0; i < LINES; i++)
  lines.push(
    `Filler::Module${i}::Part${i % 17}`.padEnd(40) +
      ` ${`1.${i % 1000}`.padStart(8)}  A/AU/AU${String(i % 9000).padStart(4, '0')}/Filler-Module${i}-1.${i % 1000}.tar.gz`,
  );
const details = Buffer.from(`File: 02packages.details.txt\n\n${lines.join('\n')}\n`);
const detailsGz = gzipSync(details);
writeFileSync(join(dir, '02packages.details.txt.gz'), detailsGz);

const files = new Map([
  ['/debian/dists/bench/InRelease', Buffer.from(inRelease)],
  ['/debian/dists/bench/main/binary-amd64/Packages.xz', xz],
  ['/cpan/modules/02packages.details.txt.gz', detailsGz],
]);
const server = createServer((req, res) => {
  const b = files.get(req.url);
  if (!b) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': b.length }).end(b);
});
server.keepAliveTimeout = 120_000; // the limits run between the reads: no idle-socket race
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const limits = {
  maxArtifactBytes: 1 << 28,
  maxIndexBytes: 1 << 25,
  maxUncompressedIndexBytes: 1 << 28,
};
const client = () => new UpstreamClient({ timeoutMs: 120_000, concurrency: 4 });

// ---- Debian ------------------------------------------------------------------------------
const debRuns = [];
let rssGrowth = 0;
for (let i = 0; i < 3; i++) {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const up = new DebUpstream({
    url: `${base}/debian`,
    client: client(),
    limits,
    suite: 'bench',
    components: ['main'],
    architectures: ['amd64'],
    keyring: new TextEncoder().encode(privateKey.toPublic().armor()),
    keyringName: 'bench keyring',
    indexTtlMs: 0,
  });
  const m = await measure(() => up.index());
  if (m.value.byPurl.size !== STANZAS) throw new Error(`read ${m.value.byPurl.size} entries`);
  rssGrowth = Math.max(rssGrowth, process.memoryUsage().rss - rss0);
  debRuns.push(m);
}
const debLimit = [0, 1, 2].map(() =>
  timeChild('sh', ['-c', `xz -dc ${join(dir, 'Packages.xz')} | sha256sum`]),
);
const wall = (xs) =>
  noise(
    xs.map((x) => x.wall),
    (v) => `${v.toFixed(2)} s`,
  );
const cpu = (xs) =>
  noise(
    xs.map((x) => x.cpu),
    (v) => `${v.toFixed(2)} s`,
  );
row('Debian index read, wall (min/med/max)', wall(debRuns), wall(debLimit), 'xz -dc | sha256sum');
row('Debian index read, CPU', cpu(debRuns), cpu(debLimit), '');
row(
  'Debian index read, RSS added (max of 3)',
  `${(rssGrowth / 2 ** 20).toFixed(0)} MB`,
  `${(packages.length / 2 ** 20).toFixed(0)} MB text`,
  'bounded by limits.maxUncompressedIndexBytes',
);

// ---- CPAN --------------------------------------------------------------------------------
const cpanRuns = [];
for (let i = 0; i < 3; i++) {
  const up = new CpanUpstream({ url: `${base}/cpan`, client: client(), limits, indexTtlMs: 0 });
  cpanRuns.push(
    await measure(async () => {
      const l = await up.packages();
      return packagesDetails(l, new Date(), base);
    }),
  );
}
const cpanLimit = [0, 1, 2].map(() =>
  timeChild('sh', ['-c', `gzip -dc ${join(dir, '02packages.details.txt.gz')} | sort -f`]),
);
row('CPAN 02packages read + merged, wall', wall(cpanRuns), wall(cpanLimit), 'gzip -dc | sort -f');
row('CPAN 02packages read + merged, CPU', cpu(cpanRuns), cpu(cpanLimit), '');

server.close();
rmSync(dir, { recursive: true, force: true });
s.end();
