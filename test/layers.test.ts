// DESIGN.md "Architecture": src/core, src/log and src/ledger are pure — no fs, net, http,
// child_process, no fetch(). This test keeps it so.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { findLayerViolations } from '../scripts/layer-rules.mjs';

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
