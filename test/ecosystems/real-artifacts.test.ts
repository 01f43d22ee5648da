// Real released artifacts (test/fixtures/ecosystems/real, origins in SOURCES.md):
// each is identified from its own bytes and digested the ecosystem's way, and
// both are checked against values that do not come from Sigil — the registry's
// published checksum (found independently of Debian), coreutils, and where it
// runs here the ecosystem's own tool (dpkg-deb, R, perl) or its metadata
// parser (Python's email parser for PKG-INFO, tomllib for Cargo.toml).
// Nothing is fetched at test time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { verifyRelease } from '../../src/core/verify.js';
import type { EcosystemAdapter, IdentifyOptions } from '../../src/ecosystems/adapter.js';
import { describeArtifact } from '../../src/ecosystems/describe.js';
import { adapterForType, detectAdapter, lockfileReaderFor } from '../../src/ecosystems/index.js';
import { versionPurlOf } from '../../src/ecosystems/release-key.js';
import { fileArtifact, fixture, hasTool, inputError } from './eco2-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const real = (eco: string, file: string) => fixture(join('real', eco), file);
const sum = (cmd: 'sha256sum' | 'md5sum', path: string) =>
  execFileSync(cmd, [path]).toString().split(' ')[0]!;
const py = (code: string, ...args: string[]) =>
  execFileSync('python3', ['-c', code, ...args])
    .toString()
    .trim();

interface RealCase {
  eco: string;
  file: string;
  type: string;
  /** What auto-detection picks for the registry's file name (undefined: needs --type). */
  detected: string | undefined;
  options?: IdentifyOptions;
  purl: string;
  /** The native digest as the registry publishes it, found independently of Sigil and Debian (SOURCES.md). */
  native: { algorithm: string; value: string };
}

const CASES: RealCase[] = [
  {
    eco: 'cargo',
    file: 'fnv-1.0.7.crate',
    type: 'cargo',
    detected: 'cargo',
    purl: 'pkg:cargo/fnv@1.0.7',
    native: {
      algorithm: 'sha256',
      value: '3f9eec918d3f24069decb9af1554cad7c880e2da24a9afd88aca000531ab82c1',
    },
  },
  {
    eco: 'cargo',
    file: 'pin-utils-0.1.0.crate',
    type: 'cargo',
    detected: 'cargo',
    purl: 'pkg:cargo/pin-utils@0.1.0',
    native: {
      algorithm: 'sha256',
      value: '8b870d8c151b6f2fb93e84a13146138f05d02ed11c7e7c54f8826aaaf7c9f184',
    },
  },
  {
    eco: 'hackage',
    file: 'data-default-0.7.1.1.tar.gz',
    type: 'hackage',
    // "data-default-0.7.1.1" also fits a Forge "author-module-x.y.z" name: detection guesses puppet (see below).
    detected: 'puppet',
    purl: 'pkg:hackage/data-default@0.7.1.1',
    native: {
      algorithm: 'sha256',
      value: 'b0f95d279cd75cacaa8152a01590dc3460f7134f6840b37052abb3ba3cb2a511',
    },
  },
  {
    eco: 'hackage',
    file: 'string-qq-0.0.4.tar.gz',
    type: 'hackage',
    detected: 'puppet',
    purl: 'pkg:hackage/string-qq@0.0.4',
    native: {
      algorithm: 'sha256',
      value: 'c85b9c1e27596ea8e765e4b630b7be53c331c51b680ad46cc2d248d3099fdd71',
    },
  },
  {
    eco: 'cpan',
    file: 'Any-URI-Escape-0.01.tar.gz',
    type: 'cpan',
    detected: undefined,
    options: { namespace: 'PHRED' },
    purl: 'pkg:cpan/PHRED/Any-URI-Escape@0.01',
    native: {
      algorithm: 'sha256',
      value: 'e3813cec9f108fa5c0be66e08c1986bfba4d242151b0f9f4ec5e0c5e17108c4c',
    },
  },
  {
    eco: 'cpan',
    file: 'File-Path-Expand-1.02.tar.gz',
    type: 'cpan',
    detected: undefined,
    options: { namespace: 'RCLAMP' },
    purl: 'pkg:cpan/RCLAMP/File-Path-Expand@1.02',
    native: {
      algorithm: 'sha256',
      value: '7fb616a5d5904400a9e355ca540049a08605c60ce4f94297f2f8bd95dee9b495',
    },
  },
  {
    eco: 'cran',
    file: 'ini_0.3.1.tar.gz',
    type: 'cran',
    detected: 'cran',
    purl: 'pkg:cran/ini@0.3.1',
    native: { algorithm: 'md5', value: 'b0e2d7388fc69327d3c4bbaab9067f3d' },
  },
  {
    eco: 'puppet',
    file: 'asciiduck-sssd-0.3.0.tar.gz',
    type: 'puppet',
    detected: 'puppet',
    purl: 'pkg:puppet/asciiduck/sssd@0.3.0',
    // No independent Forge file_sha256 was found here; this is sha256sum of Debian's orig tarball (SOURCES.md).
    native: {
      algorithm: 'sha256',
      value: 'a7f76e0e2c98c47454c80eb0f1874cc13c03970def7d420312bcad58d0779a95',
    },
  },
  {
    eco: 'pypi',
    file: 'hurry.filesize-0.9.tar.gz',
    type: 'pypi',
    detected: 'pypi',
    // purl-spec pypi: lower-case, "_" → "-"; the "." is kept (see the lockfile test below); the
    // file is named by the file_name qualifier (one version, several files).
    purl: 'pkg:pypi/hurry-filesize@0.9?file_name=hurry.filesize-0.9.tar.gz',
    native: {
      algorithm: 'sha256',
      value: 'f5368329adbef86accd3bc9490522340bb79260455ae89b1a42c10f63801b9a6',
    },
  },
  {
    eco: 'npm',
    file: 'ms-2.1.3.tgz',
    type: 'npm',
    detected: 'npm',
    purl: 'pkg:npm/ms@2.1.3',
    native: {
      algorithm: 'sri-sha512',
      value:
        'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==',
    },
  },
  {
    eco: 'npm',
    file: 'sigstore-bundle-4.0.0.tgz',
    type: 'npm',
    detected: 'npm',
    purl: 'pkg:npm/%40sigstore/bundle@4.0.0',
    native: {
      algorithm: 'sri-sha512',
      value:
        'sha512-NwCl5Y0V6Di0NexvkTqdoVfmjTaQwoLM236r89KEojGmq/jMls8S+zb7yOwAPdXvbwfKDlP+lmXgAL4vKSQT+A==',
    },
  },
];

function independentDigest(c: RealCase, path: string): string {
  if (c.native.algorithm === 'md5') return sum('md5sum', path);
  if (c.native.algorithm === 'sri-sha512')
    return `sha512-${execFileSync('openssl', ['dgst', '-sha512', '-binary', path]).toString('base64')}`;
  return sum('sha256sum', path);
}

describe('real released artifacts: identity and native digest', () => {
  it.each(CASES.map((c) => [`${c.eco}/${c.file}`, c] as const))('%s', async (_label, c) => {
    const path = real(c.eco, c.file);
    const a = fileArtifact(path);
    const adapter: EcosystemAdapter = adapterForType(c.type);
    expect(detectAdapter(a.name, (await a.bytes()).subarray(0, 512))?.type).toBe(c.detected);

    const id = await adapter.identify(a, c.options ?? {});
    expect(id.purl).toBe(c.purl);
    const native = await adapter.digest(a);
    expect(native).toEqual(c.native);
    // The registry value in SOURCES.md is also what coreutils/openssl compute from the file here.
    expect(independentDigest(c, path)).toBe(c.native.value);

    // describeArtifact (what `sigil sign`/`verify` use) gives the same, and a release signed over it verifies.
    const d = await describeArtifact(a, { type: c.type, ...(c.options ?? {}) });
    expect(d.identity.purl).toBe(c.purl);
    expect(d.native).toEqual(c.native);
    const key = generateKey();
    const bundle = signRelease({ purl: d.identity.purl, digests: d.digests, key });
    const ok = verifyRelease({
      bundle: JSON.stringify(bundle),
      artifact: { name: a.name, digests: d.digests, purl: c.purl },
      trustedKeys: [key.publicKey],
    });
    expect(ok.ok, JSON.stringify(ok.checks)).toBe(true);
  });
});

describe('identity agrees with the ecosystem tools and metadata parsers that run here', () => {
  it('cargo: Cargo.toml [package] as tomllib reads it', () => {
    if (!hasTool('python3')) return;
    for (const [file, name, version] of [
      ['fnv-1.0.7.crate', 'fnv', '1.0.7'],
      ['pin-utils-0.1.0.crate', 'pin-utils', '0.1.0'],
    ] as const) {
      const out = py(
        'import sys,tarfile,tomllib\nt=tarfile.open(sys.argv[1])\nm=[x for x in t.getnames() if x.count("/")==1 and x.endswith("/Cargo.toml")][0]\np=tomllib.load(t.extractfile(m))["package"]\nprint(p["name"],p["version"])',
        real('cargo', file),
      );
      expect(out).toBe(`${name} ${version}`);
    }
  });

  it('cpan: META.yml as CPAN::Meta reads it', () => {
    if (!hasTool('perl')) return;
    for (const [file, name, version] of [
      ['Any-URI-Escape-0.01.tar.gz', 'Any-URI-Escape', '0.01'],
      ['File-Path-Expand-1.02.tar.gz', 'File-Path-Expand', '1.02'],
    ] as const) {
      const out = execFileSync('perl', [
        '-MArchive::Tar',
        '-MCPAN::Meta',
        '-e',
        'my $t = Archive::Tar->new($ARGV[0]); my ($f) = grep { m{^[^/]+/META\\.yml$} } $t->list_files; my $m = CPAN::Meta->load_yaml_string($t->get_content($f)); print $m->name, " ", $m->version;',
        real('cpan', file),
      ]).toString();
      expect(out).toBe(`${name} ${version}`);
    }
  });

  it('cran: DESCRIPTION as R reads it, MD5 as tools::md5sum computes it', () => {
    if (!hasTool('Rscript')) return;
    const out = execFileSync('Rscript', [
      '-e',
      'a <- commandArgs(TRUE); d <- tempfile(); utils::untar(a[1], exdir = d); x <- read.dcf(file.path(d, "ini", "DESCRIPTION")); cat(x[1, "Package"], x[1, "Version"], x[1, "Repository"], unname(tools::md5sum(a[1])))',
      real('cran', 'ini_0.3.1.tar.gz'),
    ]).toString();
    expect(out).toBe('ini 0.3.1 CRAN b0e2d7388fc69327d3c4bbaab9067f3d');
  });

  it('pypi: PKG-INFO as the email parser (what packaging.metadata uses) reads it', () => {
    if (!hasTool('python3')) return;
    const out = py(
      'import sys,tarfile,email.parser\nt=tarfile.open(sys.argv[1])\nm=email.parser.Parser().parsestr(t.extractfile("hurry.filesize-0.9/PKG-INFO").read().decode())\nprint(m["Name"],m["Version"])',
      real('pypi', 'hurry.filesize-0.9.tar.gz'),
    );
    expect(out).toBe('hurry.filesize 0.9');
  });

  it('puppet: metadata.json name/version; checksums.json from `puppet module build` matches the files', () => {
    if (!hasTool('python3')) return;
    const out = py(
      'import sys,tarfile,json,hashlib\nt=tarfile.open(sys.argv[1])\nr="asciiduck-sssd-0.3.0/"\nm=json.load(t.extractfile(r+"metadata.json"))\nc=json.load(t.extractfile(r+"checksums.json"))\nbad=[k for k,v in c.items() if hashlib.md5(t.extractfile(r+k).read()).hexdigest()!=v]\nprint(m["name"],m["version"],len(c),",".join(bad))',
      real('puppet', 'asciiduck-sssd-0.3.0.tar.gz'),
    );
    // The builder checksums metadata.json before rewriting it; every other file matches.
    expect(out).toBe('asciiduck-sssd 0.3.0 16 metadata.json');
  });
});

describe('lockfile pins of the same releases lead back to these artifacts', () => {
  it('Cargo.lock: the crates.io checksum pinned for fnv and pin-utils is our digest', async () => {
    const lock = [
      'version = 3',
      '',
      '[[package]]',
      'name = "fnv"',
      'version = "1.0.7"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      'checksum = "3f9eec918d3f24069decb9af1554cad7c880e2da24a9afd88aca000531ab82c1"',
      '',
      '[[package]]',
      'name = "pin-utils"',
      'version = "0.1.0"',
      'source = "registry+https://github.com/rust-lang/crates.io-index"',
      'checksum = "8b870d8c151b6f2fb93e84a13146138f05d02ed11c7e7c54f8826aaaf7c9f184"',
      '',
    ].join('\n');
    const { reader } = lockfileReaderFor('Cargo.lock')!;
    const entries = reader.read('Cargo.lock', new TextEncoder().encode(lock));
    for (const file of ['fnv-1.0.7.crate', 'pin-utils-0.1.0.crate']) {
      const a = fileArtifact(real('cargo', file));
      const d = await describeArtifact(a);
      const e = entries.find((x) => x.purl === d.identity.purl);
      expect(e, d.identity.purl).toBeDefined();
      expect(e!.digests).toContainEqual(d.native);
    }
  });

  it("package-lock.json: this repository's own lock pins ms and @sigstore/bundle with our integrity", async () => {
    const lockPath = join(fixture('..', '..'), '..', 'package-lock.json');
    if (!existsSync(lockPath)) return;
    const { reader } = lockfileReaderFor('package-lock.json')!;
    const entries = reader.read('package-lock.json', readFileSync(lockPath));
    for (const file of ['ms-2.1.3.tgz', 'sigstore-bundle-4.0.0.tgz']) {
      const d = await describeArtifact(fileArtifact(real('npm', file)));
      const e = entries.find((x) => x.purl === d.identity.purl);
      // The lock may move to another version one day; then there is nothing to compare.
      if (e) expect(e.digests).toContainEqual(d.native);
    }
  });

  it('requirements.txt with --hash: same purl and digest when the name is written as in PKG-INFO', async () => {
    const d = await describeArtifact(fileArtifact(real('pypi', 'hurry.filesize-0.9.tar.gz')));
    const { reader } = lockfileReaderFor('requirements.txt')!;
    const [e] = reader.read(
      'requirements.txt',
      new TextEncoder().encode(`hurry.filesize==0.9 --hash=sha256:${d.native.value}\n`),
    );
    // The lockfile names the version; the sdist is one file of it.
    expect(e!.purl).toBe(versionPurlOf(d.identity.purl));
    expect(e!.digests).toContainEqual(d.native);
  });

  // poetry.lock, uv.lock and pylock.toml write the PEP 503 name "hurry-filesize" while the
  // sdist says "hurry.filesize": both must name the same purl, or the signed release is not found.
  it('poetry.lock (PEP 503 name) names the same purl as the sdist', async () => {
    const d = await describeArtifact(fileArtifact(real('pypi', 'hurry.filesize-0.9.tar.gz')));
    const lock = `[[package]]\nname = "hurry-filesize"\nversion = "0.9"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "hurry.filesize-0.9.tar.gz", hash = "sha256:${d.native.value}"},\n]\n`;
    const { reader } = lockfileReaderFor('poetry.lock')!;
    const [e] = reader.read('poetry.lock', new TextEncoder().encode(lock));
    expect(e!.digests).toContainEqual(d.native);
    expect(e!.purl).toBe(versionPurlOf(d.identity.purl));
  });
});

describe('real Debian binary packages', () => {
  const DEBS = [
    {
      file: 'netbase_6.4_all.deb',
      name: 'netbase',
      version: '6.4',
      purl: 'pkg:deb/debian/netbase@6.4?arch=all',
      sha256: '29b23c48c0fe6f878e56c5ddc9f65d1c05d729360f3690a593a8c795031cd867',
    },
    {
      file: 'sensible-utils_0.0.17+nmu1_all.deb',
      name: 'sensible-utils',
      version: '0.0.17+nmu1',
      purl: 'pkg:deb/debian/sensible-utils@0.0.17+nmu1?arch=all',
      sha256: 'e0e66f783996ec4670ed5041c446160ec671c723d4be47d3bc27af93c2958a76',
    },
  ];

  it.each(DEBS)(
    '$file: digest is the SHA256 of its apt Packages stanza; its xz control identifies it as dpkg-deb -f does',
    async (c) => {
      const a = fileArtifact(real('deb', c.file));
      const deb = adapterForType('deb');
      expect(detectAdapter(a.name, (await a.bytes()).subarray(0, 512))?.type).toBe('deb');
      expect(await deb.digest(a)).toEqual({ algorithm: 'sha256', value: c.sha256 });
      expect(sum('sha256sum', a.path!)).toBe(c.sha256);
      // bookworm's dpkg-deb writes control.tar.xz (decompressed with xz-decompress, bounded).
      expect(await deb.identify(a)).toEqual({
        type: 'deb',
        namespace: 'debian',
        name: c.name,
        version: c.version,
        purl: c.purl,
      });
    },
  );

  it.each(DEBS)(
    '$file: rebuilt by dpkg-deb with gzip control, it identifies as dpkg-deb -f reads the original',
    async (c) => {
      if (!hasTool('dpkg-deb')) return;
      const orig = real('deb', c.file);
      const f = (k: string) => execFileSync('dpkg-deb', ['-f', orig, k]).toString().trim();
      expect([f('Package'), f('Version'), f('Architecture')]).toEqual([c.name, c.version, 'all']);
      const root = join(tmp, `${c.name}-root`);
      const out = join(tmp, `${c.name}-gz.deb`);
      execFileSync('dpkg-deb', ['-R', orig, root]);
      execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, out], {
        stdio: 'ignore',
      });
      const id = await adapterForType('deb').identify(fileArtifact(out));
      expect(id).toEqual({
        type: 'deb',
        namespace: 'debian',
        name: c.name,
        version: c.version,
        purl: c.purl,
      });
    },
  );
});

describe('Debian repacks and non-releases are not mistaken for the release', () => {
  it("rust-winapi-x86-64-pc-windows-gnu's orig tarball: digest is not crates.io's, and its duplicate entry is refused", async () => {
    const a = fileArtifact(real('cargo', 'rust-winapi-x86-64-pc-windows-gnu_0.4.0.orig.tar.gz'));
    const cargo = adapterForType('cargo');
    const cratesIo = '712e227841d057c1ee1cd2fb22fa7e5a5461ae8e48fa2ca79ec42cfc1931183f';
    expect((await cargo.digest(a)).value).not.toBe(cratesIo);
    const err = await inputError(cargo.identify(a));
    expect(err.code).toBe('ARCHIVE_DUPLICATE_ENTRY');
    expect(err.field).toBe('winapi-x86_64-pc-windows-gnu-0.4.0/Cargo.toml.orig');
  });

  it("python-toml's orig tarball (a GitHub archive, no PKG-INFO) is refused as an sdist", async () => {
    const err = await inputError(
      adapterForType('pypi').identify(fileArtifact(real('pypi', 'python-toml_0.10.2.orig.tar.gz'))),
    );
    expect(err.code).toBe('PYPI_METADATA_MISSING');
  });

  it('a Hackage sdist whose name also fits a Forge module is identified by its .cabal file (detection by name alone guessed puppet)', async () => {
    const a = fileArtifact(real('hackage', 'data-default-0.7.1.1.tar.gz'));
    expect((await describeArtifact(a)).identity.purl).toBe('pkg:hackage/data-default@0.7.1.1');
    expect((await describeArtifact(a, { type: 'hackage' })).identity.purl).toBe(
      'pkg:hackage/data-default@0.7.1.1',
    );
  });
});
