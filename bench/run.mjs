// npm run bench: every benchmark, each figure beside the machine's limit measured in the same run.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

console.log(
  `sigil benchmarks — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  'every figure beside its limit measured the same way in the same run: wall against wall, CPU per operation against CPU per operation (bench/limits.mjs; docs/performance.md)',
);
const started = Date.now();
await import('./core.mjs');
await import('./startup.mjs');
if (existsSync(new URL('./log.mjs', import.meta.url))) await import('./log.mjs');
await import('./rekor.mjs');
if (existsSync(new URL('./npm.mjs', import.meta.url))) await import('./npm.mjs');
if (existsSync(new URL('./go.mjs', import.meta.url))) await import('./go.mjs');
if (existsSync(new URL('./personalities.mjs', import.meta.url)))
  await import('./personalities.mjs');
if (existsSync(new URL('./registry.mjs', import.meta.url))) await import('./registry.mjs');
if (existsSync(new URL('./auth.mjs', import.meta.url))) await import('./auth.mjs');
if (existsSync(new URL('./lockfile.mjs', import.meta.url))) await import('./lockfile.mjs');
if (existsSync(new URL('./proxy.mjs', import.meta.url))) await import('./proxy.mjs');
if (existsSync(new URL('./upstream-index.mjs', import.meta.url)))
  await import('./upstream-index.mjs');
if (existsSync(new URL('./repository-index.mjs', import.meta.url)))
  await import('./repository-index.mjs');
if (existsSync(new URL('./witness.mjs', import.meta.url))) await import('./witness.mjs');
if (existsSync(new URL('./scaleout.mjs', import.meta.url))) await import('./scaleout.mjs');
console.log(
  `\nall benchmarks: ${((Date.now() - started) / 60000).toFixed(1)} min; load average at the end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
