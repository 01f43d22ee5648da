// The layering rules of DESIGN.md ("Architecture"): pure layers do no I/O, and
// imports point only down the layers (README "Layout" draws the same picture).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

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

// Static imports and re-exports (also written over several lines), import() and require().
const importPattern =
  /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** importsOf lists every module specifier a source text imports, with its 1-based line. */
export function importsOf(text) {
  const out = [];
  for (const m of text.matchAll(importPattern)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    const at = m.index + m[0].lastIndexOf(spec);
    out.push({ spec, line: text.slice(0, at).split('\n').length });
  }
  return out;
}
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
      const source = readFileSync(file, 'utf8');
      for (const { spec, line } of importsOf(source)) {
        if (FORBIDDEN_MODULES.includes(spec.replace(/^node:/, ''))) {
          out.push({ file: relative(root, file), line, message: `pure layer imports "${spec}"` });
        }
      }
      const lines = source.split('\n');
      lines.forEach((text, i) => {
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

/**
 * LAYER_IMPORTS: each folder under src/ and the layers it may import (besides
 * itself), as DESIGN.md "Architecture" draws them; docs/architecture.md shows
 * the picture (test/layers.test.ts holds the two equal). Arrows point down
 * only. There is no exceptions list: an import that breaks an arrow is fixed
 * by moving code, not by listing it here. A new folder must be added here
 * with its place in the picture.
 */
export const LAYER_IMPORTS = {
  core: [],
  io: [],
  archive: ['core'],
  log: ['core'],
  ledger: ['core'],
  ecosystems: ['core', 'archive'],
  foreign: ['core', 'archive', 'ecosystems'],
  store: ['core', 'io', 'log', 'ledger'],
  witness: ['core', 'io', 'log', 'store'],
  client: ['core', 'io', 'log', 'ledger', 'ecosystems'],
  registry: ['core', 'io', 'archive', 'ecosystems', 'log', 'ledger', 'foreign', 'store', 'witness'],
  'verify-project': ['core', 'io', 'archive', 'ecosystems', 'log', 'ledger', 'foreign', 'client'],
  monitor: ['core', 'io', 'log', 'ledger', 'client'],
  cli: [
    'core',
    'io',
    'archive',
    'ecosystems',
    'log',
    'ledger',
    'foreign',
    'store',
    'witness',
    'client',
    'registry',
    'verify-project',
    'monitor',
  ],
};

/**
 * FOLDER_LAYER: folders that are part of another layer, not a layer of their own. The web UI
 * is the registry's (DESIGN.md: the registry serves it; it reads the registry's services and
 * the registry mounts its routes).
 */
export const FOLDER_LAYER = { web: 'registry' };

/** Files directly under src/ are the library's entry points: any layer but the CLI. */
const ENTRY_IMPORTS = Object.keys(LAYER_IMPORTS).filter((l) => l !== 'cli');

function* walkSources(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walkSources(p);
    else if (/\.(ts|mts|js|mjs)$/.test(p) && !p.endsWith('.test.ts')) yield p;
  }
}

/** layerOf names the layer of a path under root/src ('' for an entry point), or undefined outside src. */
function layerOf(root, path) {
  const rel = relative(join(root, 'src'), path);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(sep);
  return parts.length === 1 ? '' : (FOLDER_LAYER[parts[0]] ?? parts[0]);
}

/** findDirectionViolations lists every import under root/src that points up or across the layers. */
export function findDirectionViolations(root) {
  const out = [];
  for (const file of walkSources(join(root, 'src'))) {
    const from = layerOf(root, file);
    const where = relative(root, file);
    if (from !== '' && !(from in LAYER_IMPORTS)) {
      out.push({
        file: where,
        line: 1,
        message: `src/${from} is in no layer: add it to LAYER_IMPORTS in scripts/layer-rules.mjs`,
      });
      continue;
    }
    const allowed = from === '' ? ENTRY_IMPORTS : LAYER_IMPORTS[from];
    for (const { spec, line } of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(root, resolve(dirname(file), spec));
      const say = (message) => out.push({ file: where, line, message });
      if (to === undefined)
        say(`imports "${spec}" from outside src/ (test doubles live in test/helpers)`);
      else if (to === '') {
        if (from !== 'cli') say(`imports the library entry point "${spec}"`);
      } else if (to !== from && !allowed.includes(to))
        say(
          `${from === '' ? 'entry point' : `src/${from}`} imports src/${to} ("${spec}"): the arrow points up or across`,
        );
    }
  }
  return out;
}
