// make-zip.ts builds the same module zips as golang.org/x/mod/zip.CreateFromDir (Debian
// golang-golang-x-mod-dev, built in GOPATH mode — test/go/modzip/main.go): same files, same
// dirhash.HashZip `h1:`, and the same directories refused. Under CI=true a missing `go` fails.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { hash1 } from '../../src/ecosystems/golang/digest.js';
import { makeModuleZip } from '../../src/ecosystems/golang/make-zip.js';
import { readZip } from '../../src/archive/zip.js';

const goProgram = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go golang-golang-x-mod-dev',
  'test/go/modzip.test.ts',
  { mustExitZero: true },
);
let work = '';
let bin = '';

interface Case {
  name: string;
  path: string;
  version: string;
  files: Record<string, string>;
  links?: Record<string, string>;
}

const cases: Case[] = [
  {
    name: 'plain',
    path: 'example.com/plain',
    version: 'v1.0.0',
    files: {
      'go.mod': 'module example.com/plain\n',
      'a.go': 'package plain\n',
      'sub/b.go': 'package sub\n',
      'README.md': '# hi\n',
    },
  },
  {
    name: 'no go.mod',
    path: 'example.com/nomod',
    version: 'v0.1.0',
    files: { 'a.go': 'package nomod\n' },
  },
  {
    name: 'vendor, nested module, VCS dirs, hg archival, symlink',
    path: 'example.com/tricky/v2',
    version: 'v2.3.4-rc.1',
    files: {
      'go.mod': 'module example.com/tricky/v2\n',
      'vendor/modules.txt': '# vendored\n',
      'vendor/top.go': 'package vendor\n',
      'vendor/example.org/dep/dep.go': 'package dep\n',
      'internal/vendor/x.go': 'package vendor\n',
      'internal/vendor/deep/y.go': 'package deep\n',
      'nested/go.mod': 'module example.com/tricky/v2/nested\n',
      'nested/n.go': 'package nested\n',
      '.git/config': '[core]\n',
      '.hg_archival.txt': 'repo: x\n',
      'ünïcode/ä.go': 'package u\n',
      'space name.txt': 'ok\n',
      LICENSE: 'MIT\n',
    },
    links: { 'link.go': 'a.go' },
  },
  {
    name: '+incompatible',
    path: 'example.com/old',
    version: 'v3.0.0+incompatible',
    files: { 'old.go': 'package old\n' },
  },
  {
    name: 'pseudo-version',
    path: 'example.com/pseudo',
    version: 'v0.0.0-20240101000000-abcdefabcdef',
    files: { 'go.mod': 'module example.com/pseudo\n', 'p.go': 'package p\n' },
  },
];

const refused: Case[] = [
  {
    name: 'case-fold collision',
    path: 'example.com/fold',
    version: 'v1.0.0',
    files: { 'go.mod': 'module example.com/fold\n', README: 'a', readme: 'b' },
  },
  {
    name: 'GO.MOD at the root',
    path: 'example.com/gomodcase',
    version: 'v1.0.0',
    files: { 'GO.MOD': 'module example.com/gomodcase\n', 'a.go': 'package a\n' },
  },
  {
    name: 'file name with a backquote',
    path: 'example.com/badname',
    version: 'v1.0.0',
    files: { 'go.mod': 'module example.com/badname\n', 'a`b.go': 'package a\n' },
  },
  {
    name: 'non-canonical version',
    path: 'example.com/v',
    version: 'v1.0',
    files: { 'go.mod': 'module example.com/v\n' },
  },
  {
    name: 'major version mismatch',
    path: 'example.com/major/v2',
    version: 'v1.0.0',
    files: { 'go.mod': 'module example.com/major/v2\n' },
  },
  {
    name: 'invalid module path',
    path: 'Example.com/x',
    version: 'v1.0.0',
    files: { 'go.mod': 'module Example.com/x\n' },
  },
];

function materialise(c: Case, i: number): string {
  const dir = join(work, `case${i}`);
  for (const [name, content] of Object.entries(c.files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  for (const [name, target] of Object.entries(c.links ?? {})) symlinkSync(target, join(dir, name));
  return dir;
}

async function ours(dir: string, c: Case): Promise<{ hash: string; files: string[] }> {
  const zip = makeModuleZip(dir, c.path, c.version);
  const z = await readZip(zip, { file: 'ours.zip', select: () => true });
  const files = z.entries
    .filter((e) => e.type === 'file')
    .map((e) => ({ name: e.rawName, content: z.files.get(e.path)! }));
  return { hash: hash1(files), files: files.map((f) => f.name).sort() };
}

describe.skipIf(skipUnlessPresent(goProgram))(
  'make-zip.ts agrees with golang.org/x/mod/zip.CreateFromDir',
  () => {
    beforeAll(() => {
      goProgram.require();
      work = mkdtempSync(join(tmpdir(), 'sigil-modzip-'));
      bin = join(work, 'modzip');
      execFileSync('go', ['build', '-o', bin, '.'], {
        cwd: join(import.meta.dirname, 'modzip'),
        env: {
          ...process.env,
          GO111MODULE: 'off',
          GOPATH: `${join(work, 'gp')}:/usr/share/gocode`,
          GOCACHE: join(work, 'cache'),
          GOFLAGS: '',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }, 120_000);
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('same files and same h1: hash for valid module directories; same refusals for invalid ones', async () => {
      const all = [...cases, ...refused];
      const dirs = all.map((c, i) => materialise(c, i));
      const go = JSON.parse(
        execFileSync(bin, [], {
          input: JSON.stringify(
            all.map((c, i) => ({ dir: dirs[i], path: c.path, version: c.version })),
          ),
        }).toString('utf8'),
      ) as {
        hash: string;
        files: string[];
        error: string;
      }[];
      for (const [i, c] of cases.entries()) {
        expect(go[i]!.error, c.name).toBe('');
        const mine = await ours(dirs[i]!, c);
        expect(mine.files, c.name).toEqual([...go[i]!.files].sort());
        expect(mine.hash, c.name).toBe(go[i]!.hash);
      }
      for (const [j, c] of refused.entries()) {
        const i = cases.length + j;
        expect(go[i]!.error, `Go refuses ${c.name}`).not.toBe('');
        expect(() => makeModuleZip(dirs[i]!, c.path, c.version), c.name).toThrow(
          /GO_MODULE_INVALID|not canonical|invalid|collision|lowercase|malformed/,
        );
      }
    });
  },
);
