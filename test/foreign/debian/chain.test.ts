// A small Debian repository built here: a .deb made with dpkg-deb (or a
// handmade stand-in when dpkg-deb is missing), a source package, Packages
// (+ .gz), Sources, a Release listing them, InRelease and Release.gpg signed
// with a throwaway key. Then every link is tampered with in turn.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { needsProgram, skipUnlessPresent } from '../../helpers/real-program.js';
import {
  directoryReader,
  indexesFor,
  verifyRepository,
} from '../../../src/foreign/debian/index.js';
import { makeKey, publicBytes, type Priv } from '../openpgp/helpers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hasDpkgDeb = spawnSync('sh', ['-c', 'command -v dpkg-deb']).status === 0;
const xzProgram = needsProgram(
  'xz',
  ['--version'],
  'apt-get install xz-utils',
  'test/foreign/debian/chain.test.ts',
);
const xz = (text: string) => new Uint8Array(spawnSync('xz', ['-c'], { input: text }).stdout);
let key: Priv;
let other: Priv;
let repo: string;
const DEB = 'pool/main/t/tiny/tiny_1.0_all.deb';
const DSC = 'pool/main/t/tiny/tiny_1.0.dsc';
const ORIG = 'pool/main/t/tiny/tiny_1.0.orig.tar.gz';

function put(root: string, path: string, data: Uint8Array | string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), data);
}

async function build(root: string, variant: { xzOnly?: boolean; extraArchs?: string[] } = {}) {
  let deb: Uint8Array;
  if (hasDpkgDeb) {
    const src = mkdtempSync(join(tmpdir(), 'sigil-deb-src-'));
    mkdirSync(join(src, 'DEBIAN'));
    writeFileSync(
      join(src, 'DEBIAN/control'),
      'Package: tiny\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <t@example.org>\nDescription: tiny test package\n',
    );
    mkdirSync(join(src, 'usr/share/doc/tiny'), { recursive: true });
    writeFileSync(join(src, 'usr/share/doc/tiny/README'), 'hello\n');
    const out = join(src, '..', 'tiny.deb');
    const r = spawnSync('dpkg-deb', ['--root-owner-group', '--build', src, out]);
    if (r.status !== 0) throw new Error(r.stderr.toString());
    deb = new Uint8Array(readFileSync(out));
  } else deb = new Uint8Array(Buffer.from('!<arch>\nhandmade stand-in for a .deb\n'));
  put(root, DEB, deb);
  const orig = new Uint8Array(gzipSync(Buffer.from('tiny source')));
  put(root, ORIG, orig);
  const dsc = `Format: 3.0 (quilt)\nSource: tiny\nVersion: 1.0\nChecksums-Sha256:\n ${sha(orig)} ${orig.length} tiny_1.0.orig.tar.gz\n`;
  put(root, DSC, dsc);
  const packages = `Package: tiny\nVersion: 1.0\nArchitecture: all\nFilename: ${DEB}\nSize: ${deb.length}\nSHA256: ${sha(deb)}\n`;
  const sources = `Package: tiny\nVersion: 1.0\nDirectory: pool/main/t/tiny\nChecksums-Sha256:\n ${sha(Buffer.from(dsc))} ${Buffer.byteLength(dsc)} tiny_1.0.dsc\n ${sha(orig)} ${orig.length} tiny_1.0.orig.tar.gz\n`;
  const files: Record<string, Uint8Array> = variant.xzOnly
    ? { 'main/binary-all/Packages.xz': xz(packages), 'main/source/Sources.xz': xz(sources) }
    : {
        'main/binary-all/Packages': new Uint8Array(Buffer.from(packages)),
        'main/binary-all/Packages.gz': new Uint8Array(gzipSync(packages)),
        'main/source/Sources.gz': new Uint8Array(gzipSync(sources)),
      };
  for (const arch of variant.extraArchs ?? []) {
    files[`main/binary-${arch}/Packages.gz`] = new Uint8Array(gzipSync(packages));
    files[`contrib/binary-${arch}/Packages.gz`] = new Uint8Array(gzipSync(''));
  }
  for (const [p, b] of Object.entries(files)) put(root, `dists/stable/${p}`, b);
  const release = `Origin: Sigil test\nSuite: stable\nCodename: stable\nDate: Sat, 01 Feb 2025 00:00:00 UTC\nArchitectures: all\nComponents: main\nSHA256:\n${Object.entries(
    files,
  )
    .map(([p, b]) => ` ${sha(b)} ${String(b.length).padStart(8)} ${p}`)
    .join('\n')}\n`;
  put(root, 'dists/stable/Release', release);
  const date = new Date('2025-02-01T00:00:00Z');
  put(
    root,
    'dists/stable/Release.gpg',
    await openpgp.sign({
      message: await openpgp.createMessage({ binary: Buffer.from(release) }),
      signingKeys: key,
      detached: true,
      date,
    }),
  );
  put(
    root,
    'dists/stable/InRelease',
    await openpgp.sign({
      message: await openpgp.createCleartextMessage({ text: release }),
      signingKeys: key,
      date,
    }),
  );
}

const NOW = new Date('2026-11-24T12:00:00Z');
function copy(): string {
  const d = mkdtempSync(join(tmpdir(), 'sigil-repo-'));
  cpSync(repo, d, { recursive: true });
  return d;
}
const opts = () => ({
  suite: 'dists/stable',
  keyring: publicBytes(key),
  now: NOW,
  artifacts: [DEB, DSC, ORIG],
});

beforeAll(async () => {
  key = await makeKey({ name: 'Test Archive' });
  other = await makeKey({ name: 'Someone Else' });
  repo = mkdtempSync(join(tmpdir(), 'sigil-repo-'));
  await build(repo);
});

describe('Debian repository chain', () => {
  it(`good: InRelease → Packages/Sources(.gz) → .deb, .dsc, orig tarball${hasDpkgDeb ? '' : ' (dpkg-deb missing: handmade .deb)'}`, async () => {
    const r = await verifyRepository(directoryReader(repo), opts());
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.name === 'artifact' && c.status === 'pass')).toHaveLength(3);
  });

  it('good: Release + Release.gpg when there is no InRelease', async () => {
    const d = copy();
    rmSync(join(d, 'dists/stable/InRelease'));
    const r = await verifyRepository(directoryReader(d), opts());
    expect(r.ok).toBe(true);
    expect(r.release?.subject).toBe('dists/stable/Release');
  });

  it('gzip only: Packages.gz is used when Packages is absent', async () => {
    const d = copy();
    rmSync(join(d, 'dists/stable/main/binary-all/Packages'));
    const r = await verifyRepository(directoryReader(d), opts());
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.reason.includes('Packages.gz matches'))).toBe(true);
  });

  it.skipIf(skipUnlessPresent(xzProgram))(
    'xz only: a mirror offering only Packages.xz works, and naming Packages.xz reads it (not as plain text)',
    async () => {
      xzProgram.require();
      const d = mkdtempSync(join(tmpdir(), 'sigil-repo-xz-'));
      await build(d, { xzOnly: true });
      const r = await verifyRepository(directoryReader(d), opts());
      expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(r.checks.some((c) => c.reason.includes('main/binary-all/Packages.xz matches'))).toBe(
        true,
      );
      const named = await verifyRepository(directoryReader(d), {
        ...opts(),
        indexes: ['main/binary-all/Packages.xz'],
        artifacts: [DEB],
      });
      expect(named.ok, JSON.stringify(named.checks)).toBe(true);
    },
  );

  it('checking one .deb reads only the index that can list it, with a progress step per download', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sigil-repo-many-'));
    await build(d, { extraArchs: ['amd64', 'arm64', 'i386'] });
    const read: string[] = [];
    const base = directoryReader(d);
    const reader = {
      where: base.where,
      read: (p: string, n: number) => (read.push(p), base.read(p, n)),
    };
    const steps: string[] = [];
    const r = await verifyRepository(reader, {
      ...opts(),
      artifacts: [DEB],
      onProgress: (s) => steps.push(`${s.index}/${s.total} ${s.what}`),
    });
    expect(r.ok, JSON.stringify(r.checks)).toBe(true);
    expect(read.filter((p) => /Packages|Sources/.test(p))).toEqual([
      'dists/stable/main/binary-all/Packages.gz',
    ]);
    expect(steps).toEqual(['1/2 dists/stable/main/binary-all/Packages', `2/2 ${DEB}`]);
    // An amd64 .deb would be looked for in binary-amd64 only; a source file in Sources.
    expect(
      indexesFor(
        ['pool/main/h/hello/hello_2.10-3_amd64.deb', DSC],
        ['main/binary-amd64/Packages', 'main/binary-arm64/Packages', 'main/source/Sources'],
      ),
    ).toEqual(['main/binary-amd64/Packages', 'main/source/Sources']);
    expect(indexesFor(['somewhere/else.deb'], ['main/binary-amd64/Packages'])).toBeUndefined();
  });

  const tamper: [string, string, (d: string) => void][] = [
    [
      'InRelease text changed',
      'release-signature',
      (d) => {
        const p = join(d, 'dists/stable/InRelease');
        writeFileSync(p, readFileSync(p, 'utf8').replace('Suite: stable', 'Suite: stab1e'));
      },
    ],
    [
      'Release changed (detached)',
      'release-signature',
      (d) => {
        rmSync(join(d, 'dists/stable/InRelease'));
        const p = join(d, 'dists/stable/Release');
        writeFileSync(p, readFileSync(p, 'utf8').replace('Suite: stable', 'Suite: stab1e'));
      },
    ],
    // The smallest listed form is read (.xz, then .gz, then plain), as apt does: tamper with that one.
    [
      'Packages.gz changed',
      'index',
      (d) => {
        writeFileSync(
          join(d, 'dists/stable/main/binary-all/Packages.gz'),
          gzipSync('Package: evil\n'),
        );
      },
    ],
    [
      'Packages changed (the only form)',
      'index',
      (d) => {
        rmSync(join(d, 'dists/stable/main/binary-all/Packages.gz'));
        writeFileSync(join(d, 'dists/stable/main/binary-all/Packages'), 'Package: evil\n');
      },
    ],
    [
      'Sources.gz changed',
      'index',
      (d) => {
        writeFileSync(join(d, 'dists/stable/main/source/Sources.gz'), gzipSync('Package: evil\n'));
      },
    ],
    [
      '.deb changed',
      'artifact',
      (d) => {
        const p = join(d, DEB);
        const b = readFileSync(p);
        b[b.length - 1]! ^= 1;
        writeFileSync(p, b);
      },
    ],
    [
      'orig tarball changed',
      'artifact',
      (d) => {
        writeFileSync(join(d, ORIG), 'evil');
      },
    ],
    [
      '.dsc missing',
      'artifact',
      (d) => {
        rmSync(join(d, DSC));
      },
    ],
    [
      'no Release at all',
      'release-signature',
      (d) => {
        rmSync(join(d, 'dists/stable/InRelease'));
        rmSync(join(d, 'dists/stable/Release.gpg'));
      },
    ],
  ];
  for (const [name, link, mutate] of tamper) {
    it(`tampered: ${name} → fails at "${link}"`, async () => {
      const d = copy();
      mutate(d);
      const r = await verifyRepository(directoryReader(d), opts());
      expect(r.ok).toBe(false);
      expect(r.failedLink).toBe(link);
    });
  }

  it('wrong keyring: "no key" at the release signature, not "bad"', async () => {
    const r = await verifyRepository(directoryReader(repo), {
      ...opts(),
      keyring: publicBytes(other),
    });
    expect(r.failedLink).toBe('release-signature');
    expect(r.checks.find((c) => c.status === 'fail')?.code).toBe('DEBIAN_RELEASE_NO_KEY');
    expect(r.release?.openpgpVerdict).toBe('nokey');
  });

  it('an artifact not listed in any index fails at "artifact"', async () => {
    const r = await verifyRepository(directoryReader(repo), {
      ...opts(),
      artifacts: ['pool/main/e/evil/evil.deb'],
    });
    expect(r.checks.find((c) => c.status === 'fail')?.code).toBe('DEBIAN_ARTIFACT_NOT_LISTED');
  });

  it('path traversal in a requested path is refused', async () => {
    await expect(
      verifyRepository(directoryReader(repo), { ...opts(), artifacts: ['../../etc/passwd'] }),
    ).resolves.toMatchObject({ ok: false });
  });

  const gpgv = needsProgram(
    'gpgv',
    ['--version'],
    'apt-get install gpgv',
    'test/foreign/debian/chain.test.ts',
  );
  it.skipIf(skipUnlessPresent(gpgv))('gpgv accepts the InRelease Sigil accepts', async () => {
    gpgv.require();
    const kr = join(repo, 'key.gpg');
    writeFileSync(kr, publicBytes(key));
    const r = spawnSync('gpgv', ['--keyring', kr, join(repo, 'dists/stable/InRelease')]);
    expect(r.status).toBe(0);
  });
});
