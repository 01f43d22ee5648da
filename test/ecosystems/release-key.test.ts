// releaseKeyOf: each ecosystem's own "same package, same version" (issue 11, item 13).
// Pairs that the package manager treats as one release must share a key; pairs it
// treats as two must not.
import { describe, expect, it } from 'vitest';
import { golangReleaseKey } from '../../src/ecosystems/golang/release-key.js';
import { releaseKeyOf } from '../../src/ecosystems/release-key.js';

const same: [string, string, string][] = [
  ['npm build metadata', 'pkg:npm/left-pad@1.0.0', 'pkg:npm/left-pad@1.0.0+build'],
  [
    'npm build metadata (evil)',
    'pkg:npm/%40acme/widget@1.0.0+a',
    'pkg:npm/%40acme/widget@1.0.0+evil',
  ],
  ['npm leading v', 'pkg:npm/left-pad@1.0.0', 'pkg:npm/left-pad@v1.0.0'],
  ['NuGet id case', 'pkg:nuget/Acme.Lib@1.0.0', 'pkg:nuget/acme.lib@1.0.0'],
  ['NuGet version normalisation', 'pkg:nuget/Acme.Lib@1.0.0', 'pkg:nuget/ACME.LIB@1.0.0.0'],
  ['NuGet short version and label case', 'pkg:nuget/a@1.0-Beta', 'pkg:nuget/a@1.0.0-beta'],
  ['NuGet build metadata', 'pkg:nuget/a@1.0.0', 'pkg:nuget/a@01.0.0+git.abc'],
  ['PEP 503 names', 'pkg:pypi/foo-bar@1.0', 'pkg:pypi/Foo.Bar@1.0'],
  ['PEP 440 padding', 'pkg:pypi/foo@1.0', 'pkg:pypi/foo@1.0.0'],
  ['PEP 440 spellings', 'pkg:pypi/foo@1.0a1', 'pkg:pypi/foo@1.0-ALPHA.1'],
  ['PEP 440 post', 'pkg:pypi/foo@1.0.post2', 'pkg:pypi/foo@1.0-r2'],
  ['PEP 440 implicit post', 'pkg:pypi/foo@1.0.post1', 'pkg:pypi/foo@1.0-1'],
  ['PEP 440 epoch 0 and v', 'pkg:pypi/foo@1.0.dev0', 'pkg:pypi/foo@v0!1.0-dev'],
  [
    'Go build metadata',
    'pkg:golang/github.com/acme/x@v1.2.0',
    'pkg:golang/github.com/acme/x@v1.2.0+meta',
  ],
  ['Composer names and versions', 'pkg:composer/acme/lib@1.0.0.0', 'pkg:composer/Acme/Lib@v1.0'],
  ['Cargo - and _ and case', 'pkg:cargo/foo-bar@1.0.0', 'pkg:cargo/Foo_Bar@1.0.0+x'],
  ['RubyGems trailing zeros', 'pkg:gem/rails@7.1', 'pkg:gem/Rails@7.1.0'],
  ['RubyGems prerelease dash', 'pkg:gem/rails@1.0.pre.a', 'pkg:gem/rails@1.0-a'],
  [
    'Maven trailing zeros and final',
    'pkg:maven/org.acme/lib@1.0',
    'pkg:maven/org.acme/lib@1.0.0-FINAL',
  ],
  [
    'Maven pom files across version spellings',
    'pkg:maven/org.acme/lib@1.0?type=pom',
    'pkg:maven/org.acme/lib@1.0.0?type=pom',
  ],
  [
    'Maven type=jar is the jar',
    'pkg:maven/org.acme/lib@1.0',
    'pkg:maven/org.acme/lib@1.0?type=jar',
  ],
  ['Hackage name case, leading zeros', 'pkg:hackage/Foo@1.01', 'pkg:hackage/foo@1.1'],
  ['CRAN separators', 'pkg:cran/Foo@1.0-1', 'pkg:cran/foo@1.0.1'],
  ['Debian epoch 0 and revision 0', 'pkg:deb/debian/curl@7.88.1', 'pkg:deb/debian/curl@0:7.88.1-0'],
  ['Hex build metadata', 'pkg:hex/jason@1.4.0', 'pkg:hex/jason@1.4.0+build'],
];

const different: [string, string, string][] = [
  ['npm prerelease', 'pkg:npm/left-pad@1.0.0', 'pkg:npm/left-pad@1.0.0-rc.1'],
  [
    'Go paths are case-sensitive',
    'pkg:golang/github.com/Azure/x@v1.0.0',
    'pkg:golang/github.com/azure/x@v1.0.0',
  ],
  [
    'Go +incompatible stays',
    'pkg:golang/github.com/acme/x@v2.0.0',
    'pkg:golang/github.com/acme/x@v2.0.0+incompatible',
  ],
  ['PEP 440 local versions', 'pkg:pypi/foo@1.0', 'pkg:pypi/foo@1.0+local'],
  ['Cabal 1.0 and 1.0.0', 'pkg:hackage/foo@1.0', 'pkg:hackage/foo@1.0.0'],
  ['Maven groupId case', 'pkg:maven/org.acme/lib@1.0', 'pkg:maven/org.Acme/lib@1.0'],
  [
    'Maven jar and pom of one version are two files',
    'pkg:maven/org.acme/lib@1.0',
    'pkg:maven/org.acme/lib@1.0?type=pom',
  ],
  [
    'Maven classifier is another file',
    'pkg:maven/org.acme/lib@1.0',
    'pkg:maven/org.acme/lib@1.0?classifier=sources',
  ],
  ['Debian revisions', 'pkg:deb/debian/curl@7.88.1-1', 'pkg:deb/debian/curl@7.88.1-2'],
  ['generic is exact', 'pkg:generic/tool@1.0', 'pkg:generic/tool@1.0.0'],
];

describe('releaseKeyOf', () => {
  it.each(same)('%s: one release', (_what, a, b) => {
    expect(releaseKeyOf(a)).toEqual(releaseKeyOf(b));
  });
  it.each(different)('%s: two releases', (_what, a, b) => {
    expect(releaseKeyOf(a).release).not.toBe(releaseKeyOf(b).release);
  });
  it('Go: v1.2 is v1.2.0 (module.CanonicalVersion), and paths are compared case-escaped', () => {
    // (Through the function: packageurl-js cannot parse pkg:golang/…@v1.2 at all.)
    expect(golangReleaseKey({ namespace: 'github.com/acme', name: 'x', version: 'v1.2' })).toEqual({
      namespace: 'github.com/acme',
      name: 'x',
      version: 'v1.2.0',
    });
    expect(
      golangReleaseKey({ namespace: 'github.com/Azure', name: 'X', version: 'v1.0.0' }),
    ).toEqual({ namespace: 'github.com/!azure', name: '!x', version: 'v1.0.0' });
  });
  it('folds the package alone for a versionless purl, and refuses what is not a purl', () => {
    expect(releaseKeyOf('pkg:nuget/Acme.Lib')).toEqual({
      package: releaseKeyOf('pkg:nuget/acme.lib@1.0.0').package,
      release: undefined,
    });
    expect(() => releaseKeyOf('not a purl')).toThrow(/not a valid package URL/);
  });
});
