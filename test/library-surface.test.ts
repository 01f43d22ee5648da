// The library surface (issue 15 item 4): `import 'sigil'` is for verifiers and loads no native
// module and no HTTP framework; server parts are under 'sigil/server'; both are deliberate
// lists (no test doubles). Checked in a real Node process that imports the built package by
// name (package.json "exports"), tracing every module it loads (scripts/trace-imports.mjs)
// and every native addon it opens (process.dlopen).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRACE = join(ROOT, 'scripts/trace-imports.mjs');

/** load imports `specifier` in a fresh node (cwd = the package, so 'sigil' resolves to itself). */
function load(specifier: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-surface-'));
  const trace = join(dir, 'trace.txt');
  writeFileSync(trace, '');
  const script = `
const opened = [];
const dlopen = process.dlopen;
process.dlopen = function (module, file, ...rest) { opened.push(file); return dlopen.call(this, module, file, ...rest); };
const m = await import(${JSON.stringify(specifier)});
console.log(JSON.stringify({ opened, exports: Object.keys(m).sort() }));
`;
  const r = spawnSync(process.execPath, ['--import', TRACE, '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, SIGIL_TRACE_IMPORTS: trace },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const { opened, exports } = JSON.parse(r.stdout) as { opened: string[]; exports: string[] };
  const modules = [...new Set(readFileSync(trace, 'utf8').split('\n').filter(Boolean))]
    .filter((u) => !/^(cjs:)?node:/.test(u))
    .map((u) =>
      u
        .replace(/^cjs:/, '')
        .replace(/^file:\/\//, '')
        .replace(ROOT, ''),
    );
  return { opened, exports, modules };
}

const HTTP_FRAMEWORKS = /^node_modules\/(fastify|@fastify|light-my-request|find-my-way|avvio)\//;

describe("import 'sigil'", () => {
  const r = load('sigil');

  it('opens no native module and loads no HTTP framework, store, registry or CLI code', () => {
    expect(r.opened).toEqual([]);
    expect(
      r.modules.filter((m) => m.endsWith('.node') || /better-sqlite3|bindings/.test(m)),
    ).toEqual([]);
    expect(r.modules.filter((m) => HTTP_FRAMEWORKS.test(m))).toEqual([]);
    expect(
      r.modules.filter((m) => /^dist\/(store|registry|witness|cli|monitor)\//.test(m)),
    ).toEqual([]);
    expect(r.modules).toContain('dist/index.js');
  });

  it('exports the verifier API and no test doubles', () => {
    for (const name of ['verifyRelease', 'signRelease', 'generateKey', 'digestBytes', 'LogClient'])
      expect(r.exports).toContain(name);
    expect(r.exports.filter((n) => /^Memory|^memoryCheckpoint|Fake|Stub/.test(n))).toEqual([]);
    expect(r.exports.length).toBeLessThan(80);
  });

  it('works: sign and verify a release through the package', () => {
    const script = `
import { digestBytes, generateKey, serializeBundle, signRelease, verifyRelease } from 'sigil';
const key = generateKey();
const bytes = Buffer.from('release bytes');
const bundle = serializeBundle(signRelease({ purl: 'pkg:generic/tool@1.0.0', digests: digestBytes(bytes), key }));
const check = (b) => verifyRelease({ bundle, artifact: { name: 'tool', digests: digestBytes(b) }, trustedKeys: [key.publicKey] }).ok;
const good = check(bytes);
const bad = check(Buffer.from('other'));
console.log(JSON.stringify([good, bad]));
`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual([true, false]);
  });
});

describe("import 'sigil/server'", () => {
  it('holds the server parts (and is where SQLite and fastify are loaded)', () => {
    const r = load('sigil/server');
    for (const name of ['openRegistry', 'openFileLog', 'createLogServer', 'createWitnessServer'])
      expect(r.exports).toContain(name);
    expect(r.modules.some((m) => HTTP_FRAMEWORKS.test(m))).toBe(true);
  });
});
