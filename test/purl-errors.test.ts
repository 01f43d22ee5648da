// A bad purl is an InputError whose message says what to fix, never a library's internal error.
import { describe, expect, it } from 'vitest';
import { parsePurl } from '../src/core/purl.js';

describe('purl errors', () => {
  it('a Go version that is not semver says so (packageurl-js 2.0 throws "throws is not defined")', () => {
    let caught: unknown;
    try {
      parsePurl('pkg:golang/github.com/acme/lib@v1.2');
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'PURL_INVALID' });
    expect((caught as Error).message).toMatch(/semantic version such as v1\.2\.0/);
    expect((caught as Error).message).not.toMatch(/not defined/);
    expect(parsePurl('pkg:golang/github.com/acme/lib@v1.2.0').version).toBe('v1.2.0');
  });
});
