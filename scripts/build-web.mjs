#!/usr/bin/env node
// Builds the web UI's browser assets into dist/web/assets: the islands bundle
// (src/web/client, with the pure core/log/ledger code it imports, node:crypto's
// hashes mapped to @noble/hashes and Buffer to the `buffer` package) and the stylesheet.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web/assets`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}src/web/client/islands.ts`],
  outfile: `${out}/islands.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  minify: true,
  sourcemap: true,
  alias: { 'node:crypto': `${root}src/web/client/node-crypto.ts` },
  inject: [`${root}src/web/client/buffer-global.ts`],
  logLevel: 'warning',
  legalComments: 'linked',
});
for (const f of ['style.css', 'favicon.svg'])
  copyFileSync(`${root}src/web/assets/${f}`, `${out}/${f}`);
