// The layering rule of DESIGN.md ("Architecture"): pure layers do no I/O.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const PURE_LAYERS = ['src/core', 'src/log', 'src/ledger'];
const FORBIDDEN_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'dgram',
  'tls',
  'worker_threads',
];

const importPattern =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
const fetchPattern = /(^|[^.\w])fetch\s*\(/;

function* walk(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('__tests__')) yield p;
  }
}

/** findLayerViolations lists every I/O import or fetch() call in a pure layer under root. */
export function findLayerViolations(root) {
  const out = [];
  for (const layer of PURE_LAYERS) {
    for (const file of walk(join(root, layer))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((text, i) => {
        for (const m of text.matchAll(importPattern)) {
          const spec = (m[1] ?? m[2] ?? m[3]).replace(/^node:/, '');
          if (FORBIDDEN_MODULES.includes(spec)) {
            out.push({
              file: relative(root, file),
              line: i + 1,
              message: `pure layer imports "${m[1] ?? m[2] ?? m[3]}"`,
            });
          }
        }
        if (
          fetchPattern.test(text) &&
          !text.trim().startsWith('//') &&
          !text.trim().startsWith('*')
        ) {
          out.push({
            file: relative(root, file),
            line: i + 1,
            message: 'pure layer calls fetch()',
          });
        }
      });
    }
  }
  return out;
}
