// Hackage: cabal-install needs GHC (hundreds of MB), too large to install here,
// so the sdist is built in the test the way `cabal sdist` lays it out, from a
// hand-written .cabal file (test/fixtures/ecosystems/hackage/tiny-pkg.cabal).
// WordPress: there is no packaging tool in Debian (no wp-cli); plugin and theme
// zips are built in the test as downloads.wordpress.org lays them out.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hackageAdapter } from '../../src/ecosystems/hackage/index.js';
import { wordpressAdapter } from '../../src/ecosystems/wordpress/index.js';
import { wpHeader } from '../../src/ecosystems/wordpress/identify.js';
import { makeTarGz, makeZip, memArtifact } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems');
const cabal = readFileSync(join(FIX, 'hackage/tiny-pkg.cabal'));

describe('hackage adapter', () => {
  it('identifies an sdist and digests it as sha256', async () => {
    const sdist = makeTarGz([
      { name: 'tiny-pkg-0.1.0.2/', type: 'dir' },
      { name: 'tiny-pkg-0.1.0.2/tiny-pkg.cabal', data: cabal },
      { name: 'tiny-pkg-0.1.0.2/src/Tiny.hs', data: 'module Tiny where\n' },
    ]);
    const art = memArtifact('tiny-pkg-0.1.0.2.tar.gz', sdist);
    expect((await hackageAdapter.identify(art)).purl).toBe('pkg:hackage/tiny-pkg@0.1.0.2');
    expect((await hackageAdapter.digest(art)).value).toBe(
      createHash('sha256').update(sdist).digest('hex'),
    );
  });

  it('refuses broken sdists', async () => {
    const cases = [
      makeTarGz([{ name: 'tiny-pkg-0.1.0.2/src/Tiny.hs', data: '' }]),
      makeTarGz([{ name: 'tiny-pkg-0.1.0.2/tiny-pkg.cabal', data: 'name: tiny-pkg\n' }]),
      makeTarGz([{ name: 'tiny-pkg-0.1.0.2/other.cabal', data: cabal }]),
      makeTarGz([
        { name: 'tiny-pkg-0.1.0.2/tiny-pkg.cabal', data: cabal },
        { name: 'tiny-pkg-0.1.0.2/b.cabal', data: cabal },
      ]),
      makeTarGz([{ name: 'tiny-pkg-0.1.0.2/tiny-pkg.cabal', data: cabal }]).subarray(0, 30),
      makeTarGz([{ name: '/tiny-pkg.cabal', data: cabal }]),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        hackageAdapter.identify(memArtifact('tiny-pkg-0.1.0.2.tar.gz', b)),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'tiny-pkg-0.1.0.2.tar.gz' });
    }
  });

  it('reads cabal.project.freeze', () => {
    const entries = hackageAdapter.lockfiles![0]!.read(
      'cabal.project.freeze',
      readFileSync(join(FIX, 'hackage/cabal.project.freeze')),
    );
    expect(entries.map((e) => e.purl)).toEqual([
      'pkg:hackage/Cabal@3.8.1.0',
      'pkg:hackage/aeson@2.1.2.1',
      'pkg:hackage/base@4.17.0.0',
      'pkg:hackage/rts@1.0.2',
    ]);
    expect(entries[0]!.resolved).toBe('index-state hackage.haskell.org 2023-05-10T00:00:00Z');
  });
});

describe('wordpress adapter', () => {
  const plugin = '<?php\n/**\n * Plugin Name: Hello Sigil\n * Version:     1.4.2 */\n';
  it('identifies plugins and themes by their headers (WordPress get_file_data rules)', async () => {
    const p = makeZip([
      { name: 'hello-sigil/', data: '' },
      { name: 'hello-sigil/readme.txt', data: 'Stable tag: 1.4.2' },
      { name: 'hello-sigil/inc.php', data: '<?php // nothing' },
      { name: 'hello-sigil/hello-sigil.php', data: plugin },
    ]);
    expect((await wordpressAdapter.identify(memArtifact('hello-sigil.1.4.2.zip', p))).purl).toBe(
      'pkg:wordpress/plugin/hello-sigil@1.4.2',
    );
    const t = makeZip([
      { name: 'twentyfoo/style.css', data: '/*\nTheme Name: Twenty Foo\nVersion: 2.0\n*/' },
      { name: 'twentyfoo/index.php', data: '<?php' },
    ]);
    expect((await wordpressAdapter.identify(memArtifact('twentyfoo.2.0.zip', t))).purl).toBe(
      'pkg:wordpress/theme/twentyfoo@2.0',
    );
    expect(wpHeader('<?php\r# Version: 3 ?>\r', 'Version')).toBe('3');
  });

  it('refuses broken zips', async () => {
    const cases = [
      makeZip([{ name: 'a/a.php', data: '<?php' }]),
      makeZip([{ name: 'a/a.php', data: '<?php /* Plugin Name: A */' }]),
      makeZip([
        { name: 'a/a.php', data: plugin },
        { name: 'b/b.php', data: plugin },
      ]),
      makeZip([{ name: 'a/../../a.php', data: plugin }]),
      makeZip([{ name: 'a/a.php', data: plugin }]).subarray(0, 30),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        wordpressAdapter.identify(memArtifact('a.zip', b)),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'a.zip' });
    }
  });
});
