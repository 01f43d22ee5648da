import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { digestBytes } from '../../src/core/digest.js';
import { signRelease } from '../../src/core/sign.js';
import { verifyRelease } from '../../src/core/verify.js';
import { detectAdapter, lockfileReaderFor } from '../../src/ecosystems/index.js';
import type { EcosystemAdapter } from '../../src/ecosystems/adapter.js';
import { bowerAdapter } from '../../src/ecosystems/bower/index.js';
import { carthageAdapter } from '../../src/ecosystems/carthage/index.js';
import { readCartfileResolved } from '../../src/ecosystems/carthage/lockfile.js';
import { debAdapter } from '../../src/ecosystems/deb/index.js';
import { gemAdapter } from '../../src/ecosystems/gem/index.js';
import { hexAdapter } from '../../src/ecosystems/hex/index.js';
import { mavenAdapter } from '../../src/ecosystems/maven/index.js';
import { meteorAdapter } from '../../src/ecosystems/meteor/index.js';
import { readMeteorVersions } from '../../src/ecosystems/meteor/lockfile.js';
import { nugetAdapter } from '../../src/ecosystems/nuget/index.js';
import { puppetAdapter } from '../../src/ecosystems/puppet/index.js';
import { readPuppetfile } from '../../src/ecosystems/puppet/lockfile.js';
import {
  bytesArtifact,
  fileArtifact,
  fixture,
  hasTool,
  inputError,
  onlyInputErrors,
  tarOf,
} from './eco2-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-eco2b-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha256sum = (p: string) => execFileSync('sha256sum', [p]).toString().split(' ')[0];

describe('deb', () => {
  it('identifies the fixture like dpkg-deb -f and digests like sha256sum', async () => {
    const a = fileArtifact(fixture('deb', 'sigil-demo_1.0-1_all.deb'));
    expect(debAdapter.detect(a.name, (await a.bytes()).subarray(0, 512))).toBe('yes');
    expect(await debAdapter.identify(a)).toEqual({
      type: 'deb',
      namespace: 'debian',
      name: 'sigil-demo',
      version: '1:1.0-1',
      purl: 'pkg:deb/debian/sigil-demo@1:1.0-1?arch=all',
    });
    expect((await debAdapter.digest(a)).value).toBe(sha256sum(a.path!));
  });

  it('agrees with dpkg-deb on a package built now (gzip, uncompressed and xz control), and refuses zstd control clearly', async () => {
    if (!hasTool('dpkg-deb')) return;
    const root = join(tmp, 'pkg');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(root, 'DEBIAN', 'control'),
      'Package: made-now\nVersion: 2.0~rc1-3\nArchitecture: amd64\nOrigin: Ubuntu\nMaintainer: x <x@example.org>\nDescription: x\n',
    );
    for (const z of ['gzip', 'none']) {
      const out = join(tmp, `made-now-${z}.deb`);
      execFileSync('dpkg-deb', ['--root-owner-group', `-Z${z}`, '--build', root, out], {
        stdio: 'ignore',
      });
      const a = fileArtifact(out);
      const id = await debAdapter.identify(a);
      const f = (k: string) => execFileSync('dpkg-deb', ['-f', out, k]).toString().trim();
      expect([id.name, id.version]).toEqual([f('Package'), f('Version')]);
      expect(id.purl).toBe(`pkg:deb/ubuntu/made-now@2.0~rc1-3?arch=${f('Architecture')}`);
      expect((await debAdapter.digest(a)).value).toBe(sha256sum(out));
    }
    const xz = join(tmp, 'made-now-xz.deb');
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, xz], {
      stdio: 'ignore',
    });
    expect((await debAdapter.identify(fileArtifact(xz))).purl).toBe(
      'pkg:deb/ubuntu/made-now@2.0~rc1-3?arch=amd64',
    );
    expect((await debAdapter.digest(fileArtifact(xz))).value).toBe(sha256sum(xz));
    // zstd control (Ubuntu's default) is still refused, naming the member
    const zst = join(tmp, 'made-now-zst.deb');
    const arBytes = readFileSync(xz);
    writeFileSync(
      zst,
      Buffer.from(
        arBytes.toString('latin1').replace('control.tar.xz ', 'control.tar.zst'),
        'latin1',
      ),
    );
    const e = await inputError(debAdapter.identify(fileArtifact(zst)));
    expect(e.code).toBe('DEB_CONTROL_COMPRESSION');
  });

  it('refuses hostile .debs', async () => {
    const good = readFileSync(fixture('deb', 'sigil-demo_1.0-1_all.deb'));
    expect(
      (await inputError(debAdapter.identify(bytesArtifact('t.deb', good.subarray(0, 200))))).code,
    ).toBe('ARCHIVE_TRUNCATED');
    expect(
      (await inputError(debAdapter.identify(bytesArtifact('t.deb', Buffer.from('not an archive')))))
        .code,
    ).toBe('ARCHIVE_CORRUPT');
    const member = (name: string, data: Buffer | string, size?: number) => {
      const d = Buffer.from(data);
      const h = Buffer.from(
        `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(size ?? d.length).padEnd(10)}\`\n`,
        'latin1',
      );
      return Buffer.concat([h, d, d.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
    };
    const ar = (...m: Buffer[]) => Buffer.concat([Buffer.from('!<arch>\n'), ...m]);
    // An "ar bomb": a member that claims far more than the limit.
    const bomb = await inputError(
      debAdapter.identify(
        bytesArtifact(
          'b.deb',
          ar(member('debian-binary', '2.0\n'), member('control.tar.gz', '', 9_999_999_999)),
        ),
      ),
    );
    expect(bomb.code).toMatch(/ARCHIVE_TOO_LARGE|ARCHIVE_ENTRY_TOO_LARGE/);
    const trav = await inputError(
      debAdapter.identify(
        bytesArtifact('p.deb', ar(member('debian-binary', '2.0\n'), member('../control.tar', 'x'))),
      ),
    );
    expect(trav.code).toBe('ARCHIVE_PATH_TRAVERSAL');
    const noControl = await inputError(
      debAdapter.identify(
        bytesArtifact(
          'n.deb',
          ar(member('debian-binary', '2.0\n'), member('data.tar', tarOf([{ name: 'x' }]))),
        ),
      ),
    );
    expect(noControl.code).toBe('DEB_CONTROL_MISSING');
    const badControl = await inputError(
      debAdapter.identify(
        bytesArtifact(
          'c.deb',
          ar(
            member('debian-binary', '2.0\n'),
            member(
              'control.tar',
              tarOf([{ name: './control', data: 'Package: x\nno colon here\n' }]),
            ),
          ),
        ),
      ),
    );
    expect(badControl.code).toBe('DEB_CONTROL_INVALID');
    expect(badControl.field).toBe('control:2');
    const traversalInside = await inputError(
      debAdapter.identify(
        bytesArtifact(
          't.deb',
          ar(
            member('debian-binary', '2.0\n'),
            member('control.tar', tarOf([{ name: '../../etc/control', data: 'x' }])),
          ),
        ),
      ),
    );
    expect(traversalInside.code).toBe('ARCHIVE_PATH_TRAVERSAL');
  });

  it('identify throws only InputError on arbitrary bytes (ar-shaped and not)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 1500 }), async (prefix, b) => {
        const data = prefix
          ? Buffer.concat([Buffer.from('!<arch>\ndebian-binary   '), b])
          : Buffer.from(b);
        await onlyInputErrors(() => debAdapter.identify(bytesArtifact('x.deb', data)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('puppet', () => {
  it('identifies a Forge module tarball', async () => {
    const a = fileArtifact(fixture('puppet', 'sigil-demo-2.0.1.tar.gz'));
    expect(puppetAdapter.detect(a.name, await a.bytes())).toBe('maybe');
    expect(await puppetAdapter.identify(a)).toMatchObject({
      namespace: 'sigil',
      name: 'demo',
      purl: 'pkg:puppet/sigil/demo@2.0.1',
    });
    expect((await puppetAdapter.digest(a)).value).toBe(sha256sum(a.path!));
  });
  it('refuses a top folder that contradicts metadata.json, and a missing metadata.json', async () => {
    const { gzipSync } = await import('node:zlib');
    const t = (name: string, data: string) =>
      bytesArtifact('m.tar.gz', gzipSync(tarOf([{ name, data }])));
    expect(
      (
        await inputError(
          puppetAdapter.identify(
            t('sigil-demo-9.9.9/metadata.json', '{"name":"sigil-demo","version":"2.0.1"}'),
          ),
        )
      ).code,
    ).toBe('PUPPET_METADATA_CONTRADICTS');
    expect((await inputError(puppetAdapter.identify(t('sigil-demo-2.0.1/README', '')))).code).toBe(
      'PUPPET_METADATA_MISSING',
    );
    expect(
      (await inputError(puppetAdapter.identify(t('sigil-demo-2.0.1/metadata.json', '{"name":'))))
        .code,
    ).toBe('PUPPET_METADATA_INVALID');
  });
  it('reads Puppetfile pins', () => {
    const entries = readPuppetfile('Puppetfile', readFileSync(fixture('puppet', 'Puppetfile')));
    expect(entries.map((e) => e.purl)).toEqual([
      'pkg:puppet/puppetlabs/stdlib@9.4.1',
      'pkg:puppet/puppetlabs/apache@11.1.0',
      'pkg:puppet/voxpupuli/archive@7.1.0',
    ]);
  });
});

describe('meteor', () => {
  it('identifies a build tarball (isopack.json) and a source tarball (package.js), tarballHash = base64 sha256', async () => {
    const b = fileArtifact(fixture('meteor', 'sigil_demo-1.0.3-os.tgz'));
    expect((await meteorAdapter.identify(b)).purl).toBe('pkg:meteor/sigil/demo@1.0.3');
    const s = fileArtifact(fixture('meteor', 'sigil_demo-1.0.3-source.tgz'));
    expect(await meteorAdapter.identify(s)).toMatchObject({
      namespace: 'sigil',
      name: 'demo',
      version: '1.0.3',
    });
    expect((await meteorAdapter.digest(b)).value).toBe(
      Buffer.from(sha256sum(b.path!)!, 'hex').toString('base64'),
    );
  });
  it('refuses package.js without a describe, and reads .meteor/versions', async () => {
    expect(
      (
        await inputError(
          meteorAdapter.identify(bytesArtifact('package.js', Buffer.from('Npm.depends({});'))),
        )
      ).code,
    ).toBe('METEOR_METADATA_INVALID');
    expect(
      readMeteorVersions('versions', readFileSync(fixture('meteor', 'versions'))).map(
        (e) => e.purl,
      ),
    ).toEqual([
      'pkg:meteor/accounts-base@2.2.10',
      'pkg:meteor/ecmascript@0.16.8',
      'pkg:meteor/ostrio/files@2.3.3',
      'pkg:meteor/meteor-base@1.5.1',
    ]);
    expect(
      (await inputError(() => readMeteorVersions('versions', Buffer.from('ok@1.0.0\nbroken\n'))))
        .field,
    ).toBe('line 2');
  });
});

describe('bower', () => {
  it('identifies bower.json in a tag archive; the version can come from the tag', async () => {
    const a = fileArtifact(fixture('bower', 'sigil-demo-1.4.0.tar.gz'));
    expect((await bowerAdapter.identify(a)).purl).toBe('pkg:bower/sigil-demo@1.4.0');
    const bare = bytesArtifact('bower.json', Buffer.from('{"name":"x-y"}'));
    expect((await bowerAdapter.identify(bare, { version: 'v2.0.0' })).purl).toBe(
      'pkg:bower/x-y@2.0.0',
    );
    expect((await inputError(bowerAdapter.identify(bare))).message).toContain('--version');
    expect((await inputError(bowerAdapter.identify(a, { version: '9.0.0' }))).message).toContain(
      'contradicts',
    );
  });
});

describe('carthage', () => {
  it('identifies a framework zip with a binary Info.plist', async () => {
    const a = fileArtifact(fixture('carthage', 'SigilDemo.framework.zip'));
    expect(carthageAdapter.detect(a.name, await a.bytes())).toBe('yes');
    expect((await carthageAdapter.identify(a)).purl).toBe('pkg:carthage/SigilDemo@3.1.4');
    expect((await carthageAdapter.digest(a)).value).toBe(sha256sum(a.path!));
    expect((await inputError(carthageAdapter.identify(a, { version: '1.0.0' }))).code).toBe(
      'CARTHAGE_VERSION_CONTRADICTS',
    );
  });
  it('reads Cartfile.resolved', () => {
    expect(
      readCartfileResolved(
        'Cartfile.resolved',
        readFileSync(fixture('carthage', 'Cartfile.resolved')),
      ).map((e) => e.purl),
    ).toEqual([
      'pkg:carthage/SigilDemo@3.1.4?download_url=https%3A%2F%2Fexample.org%2FSigilDemo.json',
      'pkg:carthage/Thing@0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6?vcs_url=https%3A%2F%2Fgitlab.example.org%2Fteam%2FThing.git',
      'pkg:github/alamofire/alamofire@5.8.1',
      'pkg:github/org/widget@v2.0.0',
    ]);
  });
});

describe('candidate-type readers and identify throw only InputError', () => {
  it('lockfiles', async () => {
    const pieces = fc.constantFrom(
      'mod ',
      "'a-b'",
      ', ',
      "'1.0.0'",
      '\n',
      'github ',
      'binary ',
      '"x/y" ',
      '"1.0"',
      'a:b@1.0.0',
      '@',
      '#',
      '"',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pieces, { maxLength: 30 }), fc.string(), async (parts, s) => {
        const text = Buffer.from(parts.join('') + s);
        await onlyInputErrors(() => readPuppetfile('Puppetfile', text));
        await onlyInputErrors(() => readCartfileResolved('Cartfile.resolved', text));
        await onlyInputErrors(() => readMeteorVersions('versions', text));
      }),
      { numRuns: 300 },
    );
  });
  it('identify', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1200 }), async (b) => {
        for (const [ad, name] of [
          [puppetAdapter, 'a-b-1.0.0.tar.gz'],
          [meteorAdapter, 'x.tgz'],
          [bowerAdapter, 'x.tar.gz'],
          [carthageAdapter, 'X.framework.zip'],
          [meteorAdapter, 'package.js'],
          [bowerAdapter, 'bower.json'],
        ] as const) {
          await onlyInputErrors(() => ad.identify(bytesArtifact(name, b)));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('registry and sign/verify round trip on every eco2 artifact', () => {
  const cases: [EcosystemAdapter, string, string][] = [
    [hexAdapter, 'hex', 'sigil_demo-1.2.3.tar'],
    [gemAdapter, 'gem', 'sigil_demo-0.1.0.gem'],
    [nugetAdapter, 'nuget', 'Sigil.Demo.1.2.0.nupkg'],
    [mavenAdapter, 'maven', 'sigil-demo-1.0.0.jar'],
    [debAdapter, 'deb', 'sigil-demo_1.0-1_all.deb'],
    [puppetAdapter, 'puppet', 'sigil-demo-2.0.1.tar.gz'],
    [meteorAdapter, 'meteor', 'sigil_demo-1.0.3-os.tgz'],
    [bowerAdapter, 'bower', 'sigil-demo-1.4.0.tar.gz'],
    [carthageAdapter, 'carthage', 'SigilDemo.framework.zip'],
  ];
  const key = generateKey();
  for (const [adapter, eco, file] of cases) {
    it(`${eco}: ${file}`, async () => {
      const a = fileArtifact(fixture(eco, file));
      const bytes = await a.bytes();
      if (adapter.detect(a.name, bytes.subarray(0, 512)) === 'yes')
        expect(detectAdapter(a.name, bytes.subarray(0, 512))).toBe(adapter);
      const id = await adapter.identify(a);
      const digests = digestBytes(bytes);
      const bundle = signRelease({ purl: id.purl, digests, key });
      const ok = verifyRelease({
        bundle: JSON.stringify(bundle),
        artifact: { name: a.name, digests, purl: id.purl },
        trustedKeys: [key.publicKey],
      });
      expect(ok.checks.filter((c) => c.status === 'fail')).toEqual([]);
      const tampered = Buffer.from(bytes);
      tampered.writeUInt8(tampered[tampered.length - 1]! ^ 1, tampered.length - 1);
      const bad = verifyRelease({
        bundle: JSON.stringify(bundle),
        artifact: { name: a.name, digests: digestBytes(tampered), purl: id.purl },
        trustedKeys: [key.publicKey],
      });
      expect(bad.checks.some((c) => c.code === 'DIGEST_MISMATCH')).toBe(true);
    });
  }
  it('finds every eco2 lockfile reader by file name', () => {
    for (const f of [
      'mix.lock',
      'rebar.lock',
      'Gemfile.lock',
      'packages.lock.json',
      'verification-metadata.xml',
      'Cartfile.resolved',
      'Puppetfile',
      'versions',
    ]) {
      expect(lockfileReaderFor(f), f).toBeDefined();
    }
  });
});
