// Digests that are not of the bytes (renv's Hash) are believed only when the registry
// countersigned them: a server adding or changing one in a record is caught.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryRecordSource } from '../helpers/memory-record-source.js';
import { generateKey } from '../../src/core/keys.js';
import { run } from './helpers.js';

describe('countersigned native digests', () => {
  it("refuses a renv Hash the registry's countersignature does not carry", async () => {
    const source = new MemoryRecordSource();
    const purl = 'pkg:cran/tinyr@0.4-2';
    // The in-memory registry countersigns sha256/sha512 only; the record claims a renv Hash.
    source.publish({
      purl,
      bytes: randomBytes(100),
      author: generateKey(),
      native: { 'renv-hash': 'a'.repeat(32) },
    });
    const r = await run(source, [
      { purl, digests: [{ algorithm: 'renv-hash', value: 'a'.repeat(32) }] },
    ]);
    expect(r.ok).toBe(false);
    const c = r.dependencies[0]!.checks.find((x) => x.name === 'countersignature')!;
    expect(c.code).toBe('COUNTERSIGNATURE_MISMATCH');
    expect(c.reason).toContain('renv-hash');
  });
});
