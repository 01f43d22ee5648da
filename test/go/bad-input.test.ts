// Bad input for the Go personality: malformed module paths and versions on the proxy and
// sumdb endpoints (400; unknown → 404, which the go command reads as "not found"), and
// module zips the go command would refuse, refused at publish with a clear error.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../src/ecosystems/golang/make-zip.js';
import {
  checkModuleVersion,
  checkPath,
  compareSemver,
  escapePath,
  unescapePath,
} from '../../src/ecosystems/golang/module.js';
import { checkModuleZip, MAX_ZIP_FILE } from '../../src/ecosystems/golang/zip-rules.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { makeZip } from '../ecosystems/helpers.js';

let dir = '';
let reg: Registry;
let url = '';
const NAME = 'sigil.test/go';

async function publishZip(
  zip: Buffer,
  filename = 'v1.0.0.zip',
): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const r = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename, artifact: zip.toString('base64'), bundle: null }),
  });
  return {
    status: r.status,
    body: (await r.json()) as { error?: { code: string; message: string } },
  };
}

const mod = (path: string, version: string, files: Record<string, string | Buffer>) =>
  writeZip(
    Object.entries(files).map(([n, d]) => ({
      name: `${path}@${version}/${n}`,
      data: Buffer.from(d),
    })),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-go-bad-'));
  reg = await openRegistry({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    batchIntervalMs: 2,
    goSumdbName: NAME,
  });
  url = await reg.listen();
  const ok = await publishZip(
    mod('example.com/good', 'v1.0.0', {
      'go.mod': 'module example.com/good\n',
      'g.go': 'package good\n',
    }),
  );
  expect(ok.status).toBe(201);
});
afterAll(async () => {
  await reg?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('module paths and versions (x/mod/module)', () => {
  it('checks paths like module.CheckPath and escapes like EscapePath', () => {
    expect(checkPath('github.com/Azure/azure-sdk')).toBeUndefined();
    expect(checkPath('gopkg.in/yaml.v2')).toBeUndefined();
    for (const bad of [
      '',
      'nodot/x',
      'Example.com/x',
      'example.com/x/v1',
      'example.com/x/v0',
      'example.com//x',
      'example.com/x/',
      'example.com/.x',
      'example.com/x~1',
      'example.com/con',
      '-example.com',
      'example.com/x@y',
      'example.com/ü',
    ]) {
      expect(checkPath(bad), bad).toBeDefined();
    }
    expect(escapePath('github.com/Azure/X')).toBe('github.com/!azure/!x');
    expect(unescapePath('github.com/!azure/!x')).toEqual({ path: 'github.com/Azure/X' });
    expect(unescapePath('github.com/Azure')).toHaveProperty('error');
    expect(unescapePath('github.com/!!a')).toHaveProperty('error');
  });
  it('checks versions like module.Check with canonical semver, +incompatible and pseudo-versions', () => {
    expect(checkModuleVersion('example.com/m', 'v1.2.3')).toBeUndefined();
    expect(checkModuleVersion('example.com/m/v2', 'v2.0.0-rc.1')).toBeUndefined();
    expect(checkModuleVersion('example.com/m', 'v2.0.0+incompatible')).toBeUndefined();
    expect(
      checkModuleVersion('example.com/m', 'v0.0.0-20240101000000-abcdefabcdef'),
    ).toBeUndefined();
    expect(checkModuleVersion('gopkg.in/yaml.v2', 'v2.4.0')).toBeUndefined();
    expect(checkModuleVersion('example.com/m', 'v1.2')).toMatch(
      /not canonical \(should be v1.2.0\)/,
    );
    expect(checkModuleVersion('example.com/m', 'v1.2.3+build')).toMatch(/not canonical/);
    expect(checkModuleVersion('example.com/m', '1.2.3')).toMatch(/not a semantic version/);
    expect(checkModuleVersion('example.com/m', 'v2.0.0')).toMatch(/should be v0 or v1, not v2/);
    expect(checkModuleVersion('example.com/m/v2', 'v1.0.0')).toMatch(/should be v2, not v1/);
    expect(checkModuleVersion('example.com/m', 'v1.0.0+incompatible')).toMatch(/incompatible/);
    expect(checkModuleVersion('example.com/m', 'v1.0.0-01')).toMatch(/not a semantic version/);
    expect(
      ['v1.0.0', 'v1.0.0-rc.2', 'v1.0.0-rc.10', 'v0.9.0', 'v1.10.0'].sort(compareSemver),
    ).toEqual(['v0.9.0', 'v1.0.0-rc.2', 'v1.0.0-rc.10', 'v1.0.0', 'v1.10.0']);
  });
  it('applies the zip size limits on declared sizes (500 MiB total, 16 MiB go.mod / LICENSE)', () => {
    const p = 'example.com/big@v1.0.0/';
    expect(checkModuleZip('example.com/big', 'v1.0.0', MAX_ZIP_FILE + 1, [])[0]!.reason).toMatch(
      /module zip file is too large/,
    );
    const big = checkModuleZip('example.com/big', 'v1.0.0', 1000, [
      { name: `${p}a`, size: 300 << 20, type: 'file' },
      { name: `${p}b`, size: 300 << 20, type: 'file' },
    ]);
    expect(big.map((x) => x.reason)).toEqual([
      `total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`,
    ]);
  });
});

describe('proxy and sumdb endpoints refuse malformed paths and versions', () => {
  const cases: [string, number, RegExp][] = [
    ['/go/example.com/good/@v/list', 200, /^v1\.0\.0\n$/],
    ['/go/example.com/good/@v/v1.0.0.info', 200, /"Version":"v1.0.0"/],
    ['/go/example.com/good/@latest', 200, /"Version":"v1.0.0"/],
    ['/go/Example.com/good/@v/list', 400, /invalid escaped module path/],
    ['/go/nodot/@v/list', 400, /missing dot in first path element/],
    ['/go/example.com/good/v1/@v/list', 400, /invalid version/],
    ['/go/example.com/good/@v/!!x.info', 400, /invalid escaped version/],
    ['/go/example.com/good/@v/v1.0.zip', 400, /not canonical/],
    ['/go/example.com/good/@v/master.info', 404, /unknown revision/],
    ['/go/example.com/good/@v/v2.0.0.mod', 400, /should be v0 or v1/],
    ['/go/example.com/good/@v/v1.0.1.zip', 404, /not found/],
    ['/go/example.com/missing/@v/list', 404, /not found/],
    ['/go/example.com/missing/@latest', 404, /not found/],
    ['/go/example.com/good/@v/v1.0.0.tar', 404, /not a module proxy path/],
    [`/go/sumdb/${NAME}/supported`, 200, /^$/],
    [
      `/go/sumdb/${NAME}/lookup/example.com/good@v1.0.0`,
      200,
      /^0\nexample\.com\/good v1\.0\.0 h1:.*\nexample\.com\/good v1\.0\.0\/go\.mod h1:.*\n\ngo\.sum database tree\n1\n/,
    ],
    [`/go/sumdb/${NAME}/lookup/example.com/good@v1.0`, 400, /not canonical/],
    [`/go/sumdb/${NAME}/lookup/Example.com/good@v1.0.0`, 400, /invalid escaped module path/],
    [`/go/sumdb/${NAME}/lookup/example.com/good`, 400, /malformed lookup/],
    [`/go/sumdb/${NAME}/lookup/example.com/nope@v1.0.0`, 404, /not found/],
    [`/go/sumdb/${NAME}/tile/4/0/000`, 404, /not found/],
    [`/go/sumdb/${NAME}/tile/8/0/001`, 404, /not found/],
    [
      `/go/sumdb/other.example/lookup/example.com/good@v1.0.0`,
      404,
      /checksum database is sigil.test\/go/,
    ],
  ];
  it.each(cases)('GET %s → %i', async (path, status, body) => {
    const r = await fetch(`${url}${path}`);
    expect(r.status).toBe(status);
    expect(await r.text()).toMatch(body);
  });
  it('the second lookup answers the same record id; data tiles hold the record text', async () => {
    const a = await (await fetch(`${url}/go/sumdb/${NAME}/lookup/example.com/good@v1.0.0`)).text();
    const b = await (await fetch(`${url}/go/sumdb/${NAME}/lookup/example.com/good@v1.0.0`)).text();
    expect(a.split('\n\n')[0]).toBe(b.split('\n\n')[0]);
    const data = await (await fetch(`${url}/go/sumdb/${NAME}/tile/8/data/000.p/1`)).text();
    expect(data).toBe(`${a.split('\n\n')[0]!.split('\n').slice(1).join('\n')}\n`);
    // The hash tile is the engine's RFC 6962 leaf hash of the record, as sumdb/tlog RecordHash computes it.
    const hashes = Buffer.from(
      await (await fetch(`${url}/go/sumdb/${NAME}/tile/8/0/000.p/1`)).arrayBuffer(),
    );
    expect(hashes).toEqual(
      createHash('sha256')
        .update(Buffer.from([0]))
        .update(data)
        .digest(),
    );
  });
});

describe('publish refuses module zips the go command would refuse', () => {
  const refuse: [string, () => Buffer, RegExp][] = [
    [
      'a file outside the module prefix',
      () =>
        writeZip([
          { name: 'example.com/m@v1.0.0/go.mod', data: Buffer.from('module example.com/m\n') },
          { name: 'example.com/other@v1.0.0/x.go', data: Buffer.from('package x\n') },
        ]),
      /outside example\.com\/m@v1\.0\.0\//,
    ],
    [
      'duplicate files',
      () =>
        makeZip([
          { name: 'example.com/m@v1.0.0/go.mod', data: 'module example.com/m\n' },
          { name: 'example.com/m@v1.0.0/a.go', data: 'package a\n' },
          { name: 'example.com/m@v1.0.0/a.go', data: 'package b\n' },
        ]),
      /a\.go/,
    ],
    [
      'case-fold collision',
      () =>
        mod('example.com/m', 'v1.0.0', {
          'go.mod': 'module example.com/m\n',
          README: 'a',
          readme: 'b',
        }),
      /case-insensitive file name collision/,
    ],
    [
      'go.mod not matching the module path',
      () => mod('example.com/m', 'v1.0.0', { 'go.mod': 'module example.com/somethingelse\n' }),
      /go\.mod declares module example\.com\/somethingelse/,
    ],
    [
      'go.mod in a subdirectory',
      () =>
        mod('example.com/m', 'v1.0.0', {
          'go.mod': 'module example.com/m\n',
          'sub/go.mod': 'module example.com/m/sub\n',
        }),
      /go\.mod file not in module root directory/,
    ],
    [
      'non-canonical version',
      () => mod('example.com/m', 'v1.0', { 'go.mod': 'module example.com/m\n' }),
      /not canonical/,
    ],
    [
      'major version not matching the path',
      () => mod('example.com/m/v3', 'v2.0.0', { 'go.mod': 'module example.com/m/v3\n' }),
      /should be v3, not v2/,
    ],
    [
      'invalid module path',
      () => mod('example.com/x~1', 'v1.0.0', { 'go.mod': 'module example.com/x~1\n' }),
      /trailing tilde and digits/,
    ],
    [
      'a symlink',
      () =>
        makeZip([
          { name: 'example.com/m@v1.0.0/go.mod', data: 'module example.com/m\n' },
          { name: 'example.com/m@v1.0.0/l', data: 'go.mod', mode: 0o120777 },
        ]),
      /symbolic link|symlink/,
    ],
    [
      'go.mod over 16 MiB',
      () =>
        mod('example.com/m', 'v1.0.0', {
          'go.mod': `module example.com/m\n${'/'.repeat(16 << 20)}\n`,
        }),
      /go\.mod file too large \(max size is 16777216 bytes\)/,
    ],
    [
      'LICENSE over 16 MiB',
      () =>
        mod('example.com/m', 'v1.0.0', {
          'go.mod': 'module example.com/m\n',
          LICENSE: 'x'.repeat((16 << 20) + 1),
        }),
      /LICENSE file too large/,
    ],
    [
      'more than 500 MiB of declared content (zip bomb)',
      () => {
        // One deflated 1-byte entry whose central directory claims 600 MiB: refused before inflating.
        const z = mod('example.com/m', 'v1.0.0', { 'go.mod': 'module example.com/m\n', big: 'x' });
        const cd = z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        z.writeUInt32LE(600 << 20, cd + 24);
        return z;
      },
      /more than 524288000 uncompressed bytes/,
    ],
  ];
  it.each(refuse)('%s → 400 with the reason', async (_name, make, reason) => {
    const r = await publishZip(make());
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('ARTIFACT_INVALID');
    expect(r.body.error?.message).toMatch(reason);
  });
});
