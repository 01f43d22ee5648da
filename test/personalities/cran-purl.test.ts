// packageurl-js requires a version for cran (and swift) purls; Sigil's package identity
// (namespaces, ledgers, grants) is the purl without version. Publishing an R package
// used to fail with a 500 from purlWithoutVersion.
import { describe, expect, it } from 'vitest';
import { canonicalPurl, parsePurl, purlWithoutVersion } from '../../src/core/purl.js';
import { normalizeNamespace } from '../../src/registry/auth/scope.js';

describe('versionless purls of types packageurl-js requires a version for', () => {
  it('cran and swift', () => {
    expect(purlWithoutVersion('pkg:cran/tinyr@0.4-2')).toBe('pkg:cran/tinyr');
    expect(purlWithoutVersion('pkg:swift/github.com/apple/swift-nio@2.0.0')).toBe(
      'pkg:swift/github.com/apple/swift-nio',
    );
    expect(canonicalPurl('pkg:cran/tinyr')).toBe('pkg:cran/tinyr');
    expect(parsePurl('pkg:cran/tinyr').version).toBeUndefined();
    expect(normalizeNamespace('pkg:cran/tinyr')).toBe('pkg:cran/tinyr');
    expect(normalizeNamespace('pkg:cran/*')).toBe('pkg:cran/*');
    expect(() => parsePurl('pkg:cran/')).toThrow(/PURL|purl/);
  });
});

describe('ledger namespaces of cran packages', () => {
  it('parse and name their ledger', async () => {
    const { parseNamespace } = await import('../../src/ledger/namespace.js');
    const { ledgerNamespacesOf } = await import('../../src/client/verified-ledger.js');
    expect(parseNamespace('pkg:cran/tinyr')).toMatchObject({
      ok: true,
      value: { id: 'pkg:cran/tinyr' },
    });
    expect(ledgerNamespacesOf('pkg:cran/tinyr@0.4-2')).toEqual(['pkg:cran/tinyr']);
  });
});
