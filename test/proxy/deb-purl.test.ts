// The Debian upstream's fast purl path gives exactly the canonical purl the observe service
// looks up, for plain names and for the ones that need percent-encoding (random and chosen).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPurl, makePurl } from '../../src/core/purl.js';
import { debPurl } from '../../src/registry/upstream/deb.js';

const slow = (v: string, n: string, ver: string, a: string) =>
  canonicalPurl(makePurl('deb', v, n, ver, { arch: a }));

describe('debPurl', () => {
  it('equals canonicalPurl(makePurl(…)) on chosen Debian names and versions', () => {
    for (const [n, ver, a] of [
      ['libstdc++6', '12.2.0-14', 'amd64'],
      ['g++', '4:12.2.0-3', 'amd64'],
      ['hello', '2.10-3', 'amd64'],
      ['x', '1.0~rc1+dfsg-1', 'all'],
      ['a.b', '1:1.0', 'arm64'],
      ['python3.11', '3.11.2-6+deb12u1', 'i386'],
    ] as const)
      expect(debPurl('debian', n, ver, a)).toBe(slow('debian', n, ver, a));
  });
  it('equals canonicalPurl(makePurl(…)) on random names, versions and architectures', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,12}$/);
    const version = fc.stringMatching(/^(\d+:)?[0-9][A-Za-z0-9.+~:-]{0,12}$/);
    const arch = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(name, version, arch, (n, ver, a) => {
        expect(debPurl('debian', n, ver, a)).toBe(slow('debian', n, ver, a));
      }),
      { numRuns: 500 },
    );
  });
});
