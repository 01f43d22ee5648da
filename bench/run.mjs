// npm run bench: every benchmark, each figure beside the machine's limit measured in the same run.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

console.log(`sigil benchmarks — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
await import('./core.mjs');
if (existsSync(new URL('./log.mjs', import.meta.url))) await import('./log.mjs');
await import('./rekor.mjs');
if (existsSync(new URL('./npm.mjs', import.meta.url))) await import('./npm.mjs');
if (existsSync(new URL('./go.mjs', import.meta.url))) await import('./go.mjs');
if (existsSync(new URL('./registry.mjs', import.meta.url))) await import('./registry.mjs');
if (existsSync(new URL('./lockfile.mjs', import.meta.url))) await import('./lockfile.mjs');
if (existsSync(new URL('./proxy.mjs', import.meta.url))) await import('./proxy.mjs');
