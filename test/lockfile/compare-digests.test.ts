// compareDigests: a lockfile's digests against a signed record — the record's native digest, else its plain hex.
import { describe, expect, it } from 'vitest';
import { compareDigests } from '../../src/verify-project/check-dependency.js';
import type { LockfileEntry, NativeDigest } from '../../src/ecosystems/adapter.js';
import type { SigilRecord } from '../../src/client/records/source.js';

const sha256 = 'ab'.repeat(32);
const sha512 = 'cd'.repeat(64);
// compareDigests reads only `digests` and `native`.
const record = (native: Record<string, string> = {}) =>
  ({ purl: 'pkg:cargo/x@1.0.0', digests: { sha256, sha512 }, native }) as unknown as SigilRecord;
const entry = (...digests: NativeDigest[]): LockfileEntry => ({
  purl: 'pkg:cargo/x@1.0.0',
  digests,
});

describe('compareDigests', () => {
  it('matches the plain hex digest whatever its case, and the native one exactly', () => {
    expect(
      compareDigests(entry({ algorithm: 'sha256', value: sha256.toUpperCase() }), record()).code,
    ).toBe('DIGEST_MATCH');
    expect(
      compareDigests(entry({ algorithm: 'h1', value: 'h1:abc=' }), record({ h1: 'h1:abc=' })).code,
    ).toBe('DIGEST_MATCH');
  });

  it('a native digest is compared exactly, never lower-cased', () => {
    const c = compareDigests(
      entry({ algorithm: 'h1', value: 'h1:ABC=' }),
      record({ h1: 'h1:abc=' }),
    );
    expect(c.code).toBe('DIGEST_MISMATCH');
    expect(c.detail).toEqual({ algorithm: 'h1', lockfile: 'h1:ABC=', signed: 'h1:abc=' });
  });

  it('a mismatch names the lockfile, or the installed file the digest came from', () => {
    const other = 'ef'.repeat(32);
    const fromLock = compareDigests(entry({ algorithm: 'sha256', value: other }), record());
    expect(fromLock.code).toBe('DIGEST_MISMATCH');
    expect(fromLock.reason).toMatch(/^lockfile sha256 .* \(tampered lockfile or wrong mirror\)$/);
    const fromFile = compareDigests(
      entry({ algorithm: 'sha256', value: other, from: 'installed vendor/x.crate' }),
      record(),
    );
    expect(fromFile.reason).toMatch(
      /^installed vendor\/x.crate: sha256 .*\(the installed file is not the signed one\)$/,
    );
    expect(fromFile.detail).toEqual({ algorithm: 'sha256', lockfile: other, signed: sha256 });
  });

  it('the native digest wins over the plain one of the same name', () => {
    const c = compareDigests(
      entry({ algorithm: 'sha256', value: sha256 }),
      record({ sha256: 'ff'.repeat(32) }),
    );
    expect(c.code).toBe('DIGEST_MISMATCH');
  });
});
