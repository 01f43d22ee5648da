// Repository indexes (apt, CPAN, Hex, Hackage) ask storage on every request whether their
// releases changed. They count the ecosystem's published releases (release-stamp.ts) instead of
// listing every row, bundles and envelopes included, as they did before issue 19. Figures, with
// SIGIL_BENCH_INDEX_ROWS (default 2,000) Hex releases stored in the embedded registry:
//   - GET /hex/names, warm, p50, beside the same bytes from a bare node:http server (the limit),
//     with the check itself (count) and the listing each request used to make (ofType).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, perOp, row, section } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openRegistry } = await import(dist('registry/server.js'));

const N = Number(process.env.SIGIL_BENCH_INDEX_ROWS ?? 2000);
const RUNS = 40;
const s = section(`repository index check per request (${N.toLocaleString('en')} Hex releases)`);
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-index-'));
const registry = await openRegistry({
  dataDir: join(dir, 'data'),
  host: '127.0.0.1',
  port: 0,
  openWrites: true,
  batchIntervalMs: 2,
});
try {
  const url = await registry.listen();
  const { releases } = registry.storage;
  // Rows the size of real ones (a bundle with its proof, an envelope, two log entries); their
  // blobs are absent, so the index offers none of them: what is timed is the check, not a build.
  for (let i = 0; i < N; i++) {
    const purl = `pkg:hex/bench_${i}@1.0.0`;
    await releases.reserve({
      purl,
      type: 'hex',
      namespace: '',
      name: `bench_${i}`,
      version: '1.0.0',
      sha256: i.toString(16).padStart(64, '0'),
      sha512: 'b'.repeat(128),
      size: 1000,
      native: 'x',
      publishedAt: new Date(1.7e12 + i).toISOString(),
      filename: `bench_${i}-1.0.0.tar`,
      account: 'admin',
      authorBundle: 'x'.repeat(3000),
      authorKeyId: 'k',
      authorKeyPem: 'x'.repeat(200),
      authorEntry: new Uint8Array(2000),
      publishEnvelope: 'x'.repeat(1500),
      publishEntry: new Uint8Array(1500),
      registrySignature: null,
    });
    await releases.complete(purl, 2 * i, 2 * i + 1);
  }
  const time = async (f) => {
    for (let i = 0; i < 3; i++) await f();
    const ms = [];
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      await f();
      ms.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return median(ms);
  };
  let names;
  const sigil = await time(async () => {
    names = Buffer.from(await (await fetch(`${url}/hex/names`)).arrayBuffer());
  });
  const bare = createServer((_req, res) => res.end(names));
  await new Promise((r) => bare.listen(0, '127.0.0.1', r));
  const floor = await time(async () => {
    await (await fetch(`http://127.0.0.1:${bare.address().port}/`)).arrayBuffer();
  });
  await new Promise((r) => bare.close(r));
  const count = await time(() => releases.count('hex'));
  const listing = await time(() => releases.ofType('hex'));
  row(
    'GET /hex/names (warm), wall p50',
    perOp(sigil),
    perOp(floor),
    `limit: the same bytes from a bare node:http server; the check inside it (count) p50 ${perOp(count)}, listing every row as before ${perOp(listing)}`,
  );
} finally {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
  s.end();
}
