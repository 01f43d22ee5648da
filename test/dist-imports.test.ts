// Every compiled module loads in plain Node ESM (not only under vitest's transform):
// a CommonJS dependency imported by name, say, works in tests and breaks the real binary.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist', import.meta.url));

describe('dist/', () => {
  it('every module imports in Node itself', () => {
    expect(existsSync(dist), 'run `npm run build` first (npm test does)').toBe(true);
    const script = `
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const bad = [];
function* walk(d) { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) yield* walk(p); else if (p.endsWith('.js')) yield p; } }
for (const f of walk(${JSON.stringify(dist)})) { try { await import(f); } catch (e) { bad.push(f + ': ' + String(e.message).split('\\n')[0]); } }
process.stdout.write(JSON.stringify(bad));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual([]);
  });
});
