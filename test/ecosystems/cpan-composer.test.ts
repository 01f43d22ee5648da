import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isComposerVersion } from '../../src/ecosystems/composer/identify.js';
import { composerAdapter } from '../../src/ecosystems/composer/index.js';
import { cpanAdapter } from '../../src/ecosystems/cpan/index.js';
import { fileArtifact, hasTool, makeTarGz, makeZip, memArtifact, run, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems');

describe('cpan adapter', () => {
  const have =
    hasTool('perl', ['-MExtUtils::MakeMaker', '-MCPAN::Meta', '-e', '1']) &&
    hasTool('make', ['--version']);

  it.skipIf(!have)(
    'identifies the dist `make dist` (ExtUtils::MakeMaker) writes, as CPAN::Meta reads it',
    async () => {
      const tmp = tempDir();
      cpSync(join(FIX, 'cpan/Tiny-Dist'), tmp, { recursive: true });
      run('perl', ['Makefile.PL'], tmp);
      run('make', ['dist'], tmp);
      run('make', ['distdir'], tmp); // make dist removes its staging folder; distdir writes the same META.json again for CPAN::Meta to read
      const path = join(tmp, 'Tiny-Dist-1.10.tar.gz');
      const art = fileArtifact(path);
      const meta = run(
        'perl',
        [
          '-MCPAN::Meta',
          '-e',
          'my $m = CPAN::Meta->load_file("Tiny-Dist-1.10/META.json") or die; print $m->name, " ", $m->version',
        ],
        tmp,
      ).trim();
      const id = await cpanAdapter.identify(art, { namespace: 'SIGILTEST' });
      expect(`${id.name} ${id.version}`).toBe(meta);
      expect(id.purl).toBe('pkg:cpan/SIGILTEST/Tiny-Dist@1.10');
      const shasum = run(
        'perl',
        ['-MDigest::SHA', '-e', 'print Digest::SHA->new(256)->addfile($ARGV[0])->hexdigest', path],
        tmp,
      );
      expect(await cpanAdapter.digest(art)).toEqual({ algorithm: 'sha256', value: shasum });
      await expect(cpanAdapter.identify(art)).rejects.toMatchObject({
        code: 'CPAN_AUTHOR_REQUIRED',
      });
    },
  );

  it('reads META.yml as strings and refuses broken dists', async () => {
    const yml = makeTarGz([
      { name: 'Foo-Bar-1.10/META.yml', data: '---\nname: Foo-Bar\nversion: 1.10\n' },
    ]);
    expect(
      (await cpanAdapter.identify(memArtifact('Foo-Bar-1.10.tar.gz', yml), { namespace: 'ABC' }))
        .purl,
    ).toBe('pkg:cpan/ABC/Foo-Bar@1.10');
    const cases = [
      makeTarGz([{ name: 'Foo-1/lib/Foo.pm', data: '' }]),
      makeTarGz([{ name: 'Foo-1/META.json', data: '{"name":"Foo::Bar","version":"1"}' }]),
      makeTarGz([{ name: 'Foo-1/META.json', data: '{"name":"Foo","version":1.1}' }]),
      makeTarGz([{ name: 'Foo-1/META.yml', data: 'name: [' }]),
      makeTarGz([{ name: 'Foo-1/META.json', data: '{' }]).subarray(0, 20),
      makeTarGz([{ name: 'Foo-1/../META.json', data: '{}' }]),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        cpanAdapter.identify(memArtifact('Foo-1.tar.gz', b), { namespace: 'ABC' }),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'Foo-1.tar.gz' });
    }
  });

  it('reads cpanfile.snapshot', () => {
    expect(
      cpanAdapter.lockfiles![0]!.read(
        'cpanfile.snapshot',
        readFileSync(join(FIX, 'cpan/cpanfile.snapshot')),
      ),
    ).toEqual([
      {
        purl: 'pkg:cpan/ETHER/Try-Tiny@0.31',
        digests: [],
        resolved: 'authors/id/E/ET/ETHER/Try-Tiny-0.31.tar.gz',
      },
      {
        purl: 'pkg:cpan/OALDERS/libwww-perl@6.72',
        digests: [],
        resolved: 'authors/id/O/OA/OALDERS/libwww-perl-6.72.tar.gz',
      },
    ]);
  });
});

describe('composer adapter', () => {
  const have =
    hasTool('composer', ['--version', '--no-interaction']) && hasTool('php', ['--version']);

  it.skipIf(!have)(
    'identifies the zip `composer archive` writes; sha1 equals PHP hash_file (FileDownloader)',
    async () => {
      const tmp = tempDir();
      cpSync(join(FIX, 'composer/acme'), tmp, { recursive: true });
      run(
        'composer',
        ['archive', '--no-interaction', '--format=zip', '--dir=out', '--file=acme'],
        tmp,
        { COMPOSER_HOME: join(tmp, '.composer'), COMPOSER_DISABLE_NETWORK: '1' },
      );
      const path = join(tmp, 'out', readdirSync(join(tmp, 'out'))[0]!);
      const art = fileArtifact(path);
      await expect(composerAdapter.identify(art)).rejects.toMatchObject({
        code: 'COMPOSER_VERSION_REQUIRED',
      });
      expect((await composerAdapter.identify(art, { version: '1.0.0' })).purl).toBe(
        'pkg:composer/acme/sigil-fixture@1.0.0',
      );
      const sha1 = run('php', ['-r', 'echo hash_file("sha1", $argv[1]);', path], tmp);
      expect(await composerAdapter.digest(art)).toEqual({ algorithm: 'sha1', value: sha1 });
    },
  );

  it('refuses broken zips', async () => {
    const cases = [
      makeZip([{ name: 'src/X.php', data: '' }]),
      makeZip([{ name: 'composer.json', data: '{"name":"NoSlash"}' }]),
      makeZip([{ name: 'composer.json', data: '{' }]),
      makeZip([{ name: 'composer.json', data: '{"name":"a/b","version":"2.0"}' }]),
      makeZip([{ name: '../composer.json', data: '{"name":"a/b"}' }]),
      makeZip([{ name: 'composer.json', data: '{"name":"a/b"}' }]).subarray(0, 30),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        composerAdapter.identify(memArtifact('a.zip', b), { version: '1.0' }),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'a.zip' });
    }
  });

  it('reads composer.lock (empty shasum = no digest)', () => {
    expect(
      composerAdapter.lockfiles![0]!.read(
        'composer.lock',
        readFileSync(join(FIX, 'composer/composer.lock')),
      ),
    ).toEqual([
      {
        purl: 'pkg:composer/psr/log@3.0.0',
        digests: [],
        resolved:
          'https://api.github.com/repos/php-fig/log/zipball/fe5ea303b0887d5caefd3d431c3e61ad47037001',
      },
      {
        purl: 'pkg:composer/acme/tool@v1.0.0',
        digests: [{ algorithm: 'sha1', value: '0123456789abcdef0123456789abcdef01234567' }],
        resolved: 'https://example.com/acme-tool-1.0.0.zip',
      },
    ]);
  });
});

describe("Composer's version shapes", () => {
  it.each([
    ['1.0.0', true],
    ['v2.1.0', true],
    ['1.0.0-beta1', true],
    ['1.0.0-alpha.1', true],
    ['1.0.0+build.1', true],
    ['2025.01.01', true],
    ['dev-main', true],
    ['dev-feature/foo', true],
    ['2.x-dev', true],
    ['1.0.0/../x', false],
    ['../x', false],
    ['dev-a/../b', false],
    ['dev-a//b', false],
    ['dev-a/.b', false],
    ['1.0 0', false],
    ['', false],
  ] as const)('%j → %s', (v, ok) => expect(isComposerVersion(v)).toBe(ok));
});
