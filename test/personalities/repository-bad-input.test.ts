// Issue 17's bad-input list, over HTTP, for the four signed-repository personalities (apt, CPAN,
// Hex, Hackage): uploads whose metadata disagrees with the archive (control fields, META,
// metadata.config, .cabal) or is malformed, the same version again with other bytes, an oversized
// upload, and path traversal in each served layout. Each is a clear error (status, code, a message
// naming the file or field, no stack trace), and nothing is stored. No real client is needed: the
// archives are built here (ar/tar writers), the answers are read over HTTP.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTarGz } from '../ecosystems/helpers.js';
import { buildHexTarball } from '../helpers/hex.js';
import { startRegistry, type Answer, type TestRegistry } from '../helpers/registry-http.js';

/** ar archive (the .deb container): global header, then 60-byte member headers, 2-byte aligned. */
function ar(members: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const m of members) {
    const h = `${m.name}/`.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6);
    parts.push(Buffer.from(`${h}${'100644'.padEnd(8)}${String(m.data.length).padEnd(10)}\`\n`));
    parts.push(m.data);
    if (m.data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

function deb(control: string, body = 'hello'): Buffer {
  return ar([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: makeTarGz([{ name: './control', data: control }]) },
    { name: 'data.tar.gz', data: makeTarGz([{ name: './usr/share/doc/x/README', data: body }]) },
  ]);
}
const control = (name: string, version: string) =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Ada <ada@example.com>\nDescription: bad input\n checked.\n`;

function cpanDist(fileName: string, meta: unknown, body = 'hello'): Buffer {
  const top = fileName.replace(/\.tar\.gz$/, '');
  return makeTarGz([
    { name: `${top}/META.json`, data: typeof meta === 'string' ? meta : JSON.stringify(meta) },
    { name: `${top}/Makefile.PL`, data: 'use ExtUtils::MakeMaker; WriteMakefile();\n' },
    { name: `${top}/lib/Bad/Input.pm`, data: `package Bad::Input; sub x { '${body}' } 1;\n` },
  ]);
}
const meta = (name: string, version: string) => ({
  name,
  version,
  abstract: 'bad input',
  license: ['perl_5'],
  'meta-spec': { version: 2 },
  author: ['Ada'],
  release_status: 'stable',
});

function sdist(top: string, cabal: string, body = 'hello'): Buffer {
  return makeTarGz([
    { name: `${top}/${top.replace(/-[0-9.]+$/, '')}.cabal`, data: cabal },
    { name: `${top}/src/Bad.hs`, data: `module Bad where\nx = "${body}"\n` },
  ]);
}
const cabal = (name: string, version: string) =>
  `cabal-version: 2.4\nname: ${name}\nversion: ${version}\nsynopsis: bad input\nlicense: MIT\nbuild-type: Simple\n\nlibrary\n  exposed-modules: Bad\n  hs-source-dirs: src\n  build-depends: base\n  default-language: Haskell2010\n`;

/** refused: a 4xx with a code and a message naming `mentions`, no stack trace. */
function refused(a: Answer, statuses: number[], mentions?: string | RegExp): void {
  expect(statuses, a.text).toContain(a.status);
  expect(a.json.error?.code, a.text).toMatch(/^[A-Z_]+$/);
  if (typeof mentions === 'string') expect(a.json.error!.message, a.text).toContain(mentions);
  else if (mentions) expect(a.json.error!.message, a.text).toMatch(mentions);
  expect(a.text).not.toMatch(/\n\s+at |\.(ts|js):\d+|node_modules/);
}

describe('signed-repository personalities refuse bad input over HTTP, storing nothing (issue 17)', () => {
  let t: TestRegistry;
  let token: string;
  let dir: string;
  const publish = (filename: string, bytes: Buffer, type: string, namespace?: string) =>
    t.call(token, 'POST', '/api/v1/publish', {
      filename,
      artifact: bytes.toString('base64'),
      bundle: null,
      type,
      ...(namespace ? { namespace } : {}),
    });
  /** Every refusal in `run` leaves the store as it was. */
  const storesNothing = async (run: () => Promise<void>) => {
    const before = t.reg.store.count();
    await run();
    expect(t.reg.store.count()).toBe(before);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-bad-input-17-'));
    t = await startRegistry('badinput17', { maxUploadBytes: 256 * 1024 });
    token = await t.tokenFor('ada');
    // One good release of each, so "the same version with other bytes" has something to hit.
    for (const [file, bytes, type, ns] of [
      ['bad-input_1.0-1_all.deb', deb(control('bad-input', '1.0-1')), 'deb', undefined],
      [
        'Bad-Input-1.0.tar.gz',
        cpanDist('Bad-Input-1.0.tar.gz', meta('Bad-Input', '1.0')),
        'cpan',
        'ADA',
      ],
      [
        'bad_input-1.0.0.tar',
        readFileSync(buildHexTarball(dir, 'bad_input', '1.0.0', 'one')),
        'hex',
        undefined,
      ],
      [
        'bad-input-1.0.tar.gz',
        sdist('bad-input-1.0', cabal('bad-input', '1.0')),
        'hackage',
        undefined,
      ],
    ] as const) {
      const r = await publish(file, bytes, type, ns);
      expect(r.status, `${file}: ${r.text}`).toBe(201);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('apt: control fields that disagree with the file name, a control without Version, the same version with other bytes', async () => {
    await storesNothing(async () => {
      refused(
        await publish('bad-input_2.0-1_all.deb', deb(control('bad-input', '1.0-1')), 'deb'),
        [400],
        'bad-input_2.0-1_all.deb',
      );
      refused(
        await publish('other-name_1.0-1_all.deb', deb(control('bad-input', '1.0-1')), 'deb'),
        [400],
        'other-name_1.0-1_all.deb',
      );
      refused(
        await publish(
          'bad-input_1.1-1_all.deb',
          deb('Package: bad-input\nArchitecture: all\n'),
          'deb',
        ),
        [400],
        /Version/,
      );
      refused(
        await publish(
          'bad-input_1.0-1_all.deb',
          deb(control('bad-input', '1.0-1'), 'other'),
          'deb',
        ),
        [403, 409],
      );
    });
  });

  it('CPAN: META that disagrees with the file name, malformed META.json, the same version with other bytes', async () => {
    await storesNothing(async () => {
      refused(
        await publish(
          'Bad-Input-2.0.tar.gz',
          cpanDist('Bad-Input-2.0.tar.gz', meta('Bad-Input', '1.5')),
          'cpan',
          'ADA',
        ),
        [400],
        'Bad-Input-2.0.tar.gz',
      );
      refused(
        await publish(
          'Bad-Input-2.1.tar.gz',
          cpanDist('Bad-Input-2.1.tar.gz', '{"name": "Bad-Input", '),
          'cpan',
          'ADA',
        ),
        [400],
        'META.json',
      );
      refused(
        await publish(
          'Bad-Input-1.0.tar.gz',
          cpanDist('Bad-Input-1.0.tar.gz', meta('Bad-Input', '1.0'), 'other'),
          'cpan',
          'ADA',
        ),
        [403, 409],
      );
    });
  });

  it('Hex: metadata.config that disagrees with the file name, a wrong inner CHECKSUM, the same version with other bytes', async () => {
    const v2 = readFileSync(buildHexTarball(dir, 'bad_input', '2.0.0', 'two'));
    const wrongSum = Buffer.from(v2);
    // CHECKSUM is the second ustar member: its 64 hex digits start at byte 1024.
    wrongSum.write(wrongSum.subarray(1024, 1025).toString() === 'A' ? 'B' : 'A', 1024);
    await storesNothing(async () => {
      refused(await publish('bad_input-3.0.0.tar', v2, 'hex'), [400], 'bad_input-3.0.0.tar');
      refused(await publish('other_name-2.0.0.tar', v2, 'hex'), [400], 'other_name-2.0.0.tar');
      refused(await publish('bad_input-2.0.0.tar', wrongSum, 'hex'), [400], /checksum/i);
      refused(
        await publish(
          'bad_input-1.0.0.tar',
          readFileSync(buildHexTarball(dir, 'bad_input', '1.0.0', 'other')),
          'hex',
        ),
        [403, 409],
      );
    });
  });

  it('Hackage: a .cabal that disagrees with the file name, a .cabal without a version, the same version with other bytes', async () => {
    await storesNothing(async () => {
      refused(
        await publish(
          'bad-input-2.0.tar.gz',
          sdist('bad-input-2.0', cabal('bad-input', '1.9')),
          'hackage',
        ),
        [400],
        'bad-input-2.0.tar.gz',
      );
      refused(
        await publish(
          'bad-input-2.1.tar.gz',
          sdist('bad-input-2.1', cabal('other-pkg', '2.1')),
          'hackage',
        ),
        [400],
        'bad-input-2.1.tar.gz',
      );
      refused(
        await publish(
          'bad-input-2.2.tar.gz',
          sdist('bad-input-2.2', 'cabal-version: 2.4\nname: bad-input\n'),
          'hackage',
        ),
        [400],
        /version/i,
      );
      refused(
        await publish(
          'bad-input-1.0.tar.gz',
          sdist('bad-input-1.0', cabal('bad-input', '1.0'), 'other'),
          'hackage',
        ),
        [403, 409],
      );
    });
  });

  it('an oversized upload is refused with 413 for every type', async () => {
    const big = Buffer.alloc(300 * 1024, 1);
    await storesNothing(async () => {
      for (const [file, type] of [
        ['big_1.0_all.deb', 'deb'],
        ['Big-1.0.tar.gz', 'cpan'],
        ['big-1.0.0.tar', 'hex'],
        ['big-1.0.tar.gz', 'hackage'],
      ] as const)
        refused(await publish(file, big, type), [413]);
    });
  });

  it('served paths are looked up, never joined: traversal in every layout is 404 and leaks nothing', async () => {
    const sha = createHash('sha256').update('x').digest('hex');
    for (const p of [
      '/debian/pool/main/b/bad-input/..%2f..%2f..%2f..%2fkeys%2fregistry.key',
      '/debian/pool/main/b/bad-input/%2e%2e/%2e%2e/%2e%2e/%2e%2e/registry.sqlite',
      '/debian/dists/sigil/..%2f..%2fkeys%2fregistry-openpgp.asc',
      '/debian/dists/..%2f..%2fdata/Release',
      '/cpan/authors/id/A/AD/ADA/..%2f..%2f..%2f..%2f..%2fkeys%2fregistry.key',
      '/hex/tarballs/..%2f..%2fkeys%2fregistry-hex-rsa.pem',
      '/hackage/package/..%2f..%2fkeys%2fregistry.key',
      '/hackage/package/bad-input-1.0%2f..%2f..%2fhackage-root.json',
      `/hackage/..%2fblobs%2fsha256%2f${sha}`,
      '/hackage/%2e%2e/keys/registry.key',
    ]) {
      const res = await fetch(`${t.url}${p}`);
      expect([400, 404], `${p}: ${res.status}`).toContain(res.status);
      const text = await res.text();
      expect(text, p).not.toMatch(/PRIVATE KEY|BEGIN PGP PRIVATE|SQLite format/);
    }
  });
});
