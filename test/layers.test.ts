// DESIGN.md "Architecture": src/core, src/log and src/ledger are pure — no fs, net, http,
// child_process, no fetch() — and imports point only down the layers drawn in README "Layout"
// (scripts/layer-rules.mjs LAYER_IMPORTS, with no exceptions list). This test keeps it so.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import * as rules from '../scripts/layer-rules.mjs';

const { findLayerViolations, findDirectionViolations, LAYER_IMPORTS } = rules as {
  findLayerViolations(root: string): { file: string; line: number; message: string }[];
  findDirectionViolations(root: string): { file: string; line: number; message: string }[];
  LAYER_IMPORTS: Record<string, string[]>;
};

describe('pure layers', () => {
  it('import no I/O modules and call no fetch()', () => {
    expect(findLayerViolations(process.cwd())).toEqual([]);
  });

  it('the rule catches an fs import, a node:net import and a fetch() call', () => {
    const root = mkdtempSync(join(tmpdir(), 'sigil-layers-'));
    mkdirSync(join(root, 'src/core'), { recursive: true });
    mkdirSync(join(root, 'src/log'), { recursive: true });
    writeFileSync(join(root, 'src/core/bad.ts'), "import { readFileSync } from 'fs';\n");
    writeFileSync(
      join(root, 'src/log/bad.ts'),
      "import * as net from 'node:net';\nconst r = await fetch('http://x');\n",
    );
    const found = findLayerViolations(root) as { file: string; message: string }[];
    expect(found.map((v) => `${v.file}: ${v.message}`).sort()).toEqual([
      'src/core/bad.ts: pure layer imports "fs"',
      'src/log/bad.ts: pure layer calls fetch()',
      'src/log/bad.ts: pure layer imports "node:net"',
    ]);
  });
});

describe('layer arrows', () => {
  it('every import under src/ points down the layers', () => {
    expect(findDirectionViolations(process.cwd())).toEqual([]);
  });

  it('the layers form no cycle, and the rules carry no exceptions list', () => {
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (layer: string, path: string[]): void => {
      expect(visiting.has(layer), `cycle ${[...path, layer].join(' → ')}`).toBe(false);
      if (done.has(layer)) return;
      visiting.add(layer);
      for (const below of LAYER_IMPORTS[layer] ?? []) {
        expect(LAYER_IMPORTS, `${layer} names unknown layer ${below}`).toHaveProperty([below]);
        visit(below, [...path, layer]);
      }
      visiting.delete(layer);
      done.add(layer);
    };
    for (const layer of Object.keys(LAYER_IMPORTS)) visit(layer, []);
    expect(Object.keys(rules).sort()).toEqual([
      'FOLDER_LAYER',
      'LAYER_IMPORTS',
      'PURE_LAYERS',
      'findDirectionViolations',
      'findLayerViolations',
      'importsOf',
    ]);
  });

  it('docs/architecture.md and README "Layout" show the same arrows as the rules', () => {
    const doc = readFileSync('docs/architecture.md', 'utf8');
    const table = doc.slice(doc.indexOf('layer            may import'));
    const shown: Record<string, string[]> = {};
    for (const line of table.slice(0, table.indexOf('```')).split('\n').slice(1)) {
      const m = /^(\S+)\s{2,}(.*)$/.exec(line);
      if (m) shown[m[1]!] = m[2]!.startsWith('(') ? [] : m[2]!.split(', ');
    }
    expect(shown).toEqual(LAYER_IMPORTS);
    const readme = readFileSync('README.md', 'utf8');
    for (const layer of Object.keys(LAYER_IMPORTS)) expect(readme).toContain(`src/${layer}/`);
    expect(doc).toContain('`src/web` is part of the registry layer');
    expect(readme).toContain('docs/architecture.md');
  });

  it('the rule catches an upward import, a multi-line re-export, an unknown folder and a test double', () => {
    const root = mkdtempSync(join(tmpdir(), 'sigil-arrows-'));
    for (const d of ['src/core', 'src/client', 'src/registry', 'src/gadgets', 'src/cli'])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'src/core/up.ts'), "import { x } from '../client/y.js';\n");
    writeFileSync(
      join(root, 'src/client/across.ts'),
      "// fine: import type { A } from '../core/a.js';\nexport {\n  a,\n  b,\n} from '../registry/log.js';\nconst m = await import('../../test/helpers/double.js');\n",
    );
    writeFileSync(join(root, 'src/gadgets/new.ts'), "import { x } from '../core/x.js';\n");
    writeFileSync(join(root, 'src/registry/ok.ts'), "import type { A } from '../core/a.js';\n");
    writeFileSync(join(root, 'src/cli/ok.ts'), "import { run } from '../registry/ok.js';\n");
    writeFileSync(join(root, 'src/index.ts'), "export * from './cli/main.js';\n");
    const found = findDirectionViolations(root).map((v) => `${v.file}:${v.line}: ${v.message}`);
    expect(found.sort()).toEqual([
      'src/client/across.ts:5: src/client imports src/registry ("../registry/log.js"): the arrow points up or across',
      'src/client/across.ts:6: imports "../../test/helpers/double.js" from outside src/ (test doubles live in test/helpers)',
      'src/core/up.ts:1: src/core imports src/client ("../client/y.js"): the arrow points up or across',
      'src/gadgets/new.ts:1: src/gadgets is in no layer: add it to LAYER_IMPORTS in scripts/layer-rules.mjs',
      'src/index.ts:1: entry point imports src/cli ("./cli/main.js"): the arrow points up or across',
    ]);
  });
});
