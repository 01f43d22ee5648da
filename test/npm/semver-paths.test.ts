// Pure parts of the npm personality: version precedence for `latest`, and request paths.
import { describe, expect, it } from 'vitest';
import {
  compareSemver,
  highestVersion,
  parseNpmPath,
} from '../../src/registry/personalities/npm/index.js';

describe('semver precedence (semver.org §11)', () => {
  it('orders the spec example and picks latest like npm', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ];
    for (let i = 1; i < ordered.length; i++)
      expect(
        compareSemver(ordered[i - 1]!, ordered[i]!),
        `${ordered[i - 1]} < ${ordered[i]}`,
      ).toBeLessThan(0);
    expect(highestVersion(['1.0.0', '2.0.0-beta.1', '1.2.0'])).toBe('1.2.0');
    expect(highestVersion(['2.0.0-beta.1', '2.0.0-alpha'])).toBe('2.0.0-beta.1');
    expect(highestVersion([])).toBeUndefined();
    // Build metadata does not count; unreadable versions sort below every valid one.
    expect(compareSemver('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
    expect(compareSemver('not-a-version', '0.0.1')).toBeLessThan(0);
    expect(highestVersion(['1.0.0', 'garbage', '1.0.1-rc.1'])).toBe('1.0.0');
  });
});

describe('parseNpmPath', () => {
  it('reads npm URL forms', () => {
    expect(parseNpmPath('/left-pad?write=true')).toEqual({ kind: 'packument', name: 'left-pad' });
    expect(parseNpmPath('/@s%2fn')).toEqual({ kind: 'packument', name: '@s/n' });
    expect(parseNpmPath('/@s/n')).toEqual({ kind: 'packument', name: '@s/n' });
    expect(parseNpmPath('/@s/n/latest')).toEqual({ kind: 'version', name: '@s/n', spec: 'latest' });
    expect(parseNpmPath('/@s/n/-/n-1.0.0-rc.1.tgz')).toEqual({
      kind: 'tarball',
      name: '@s/n',
      version: '1.0.0-rc.1',
    });
    expect(parseNpmPath('/@s%2fn/-/n-1.0.0.tgz')).toEqual({
      kind: 'tarball',
      name: '@s/n',
      version: '1.0.0',
    });
    expect(parseNpmPath('/a/-/a-1.0.0.tgz.sigstore.json')).toEqual({
      kind: 'bundle',
      name: 'a',
      version: '1.0.0',
    });
  });
  it('refuses what is not a package, without throwing', () => {
    for (const p of [
      '/',
      '//x',
      '/%zz',
      '/UPPER',
      '/_x',
      '/@s',
      '/a/-/b-1.0.0.tgz',
      '/a/-/a-.tgz',
      '/a/b/c',
      '/../etc/passwd',
      'x',
    ])
      expect(parseNpmPath(p), p).toBeUndefined();
  });
});
