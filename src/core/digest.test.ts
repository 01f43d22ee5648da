import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestBytes, digestStream, hexFromSri, sriFromHex } from './digest.js';

async function* chunks(data: Buffer, sizes: number[]) {
  let i = 0;
  for (const s of sizes) {
    if (i >= data.length) break;
    yield data.subarray(i, (i += s));
  }
  if (i < data.length) yield data.subarray(i);
}

describe('digests', () => {
  it('match the FIPS 180 "abc" vectors', () => {
    expect(digestBytes(Buffer.from('abc'), ['sha256', 'sha384', 'sha512'])).toEqual({
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      sha384:
        'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
      sha512:
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    });
  });

  it('one streaming pass equals hashing the whole buffer, however it is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 5000 }),
        fc.array(fc.integer({ min: 1, max: 700 })),
        async (bytes, sizes) => {
          const data = Buffer.from(bytes);
          const { digests, size } = await digestStream(chunks(data, sizes));
          expect(size).toBe(data.length);
          expect(digests.sha256).toBe(createHash('sha256').update(data).digest('hex'));
          expect(digests.sha512).toBe(createHash('sha512').update(data).digest('hex'));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('SRI strings round-trip', () => {
    const hex = digestBytes(Buffer.from('x')).sha512!;
    const sri = sriFromHex('sha512', hex);
    expect(sri).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
    expect(hexFromSri(sri)).toEqual({ algorithm: 'sha512', hex });
    expect(hexFromSri('md5-abc')).toBeUndefined();
    expect(hexFromSri('sha512-!!')).toBeUndefined();
  });
});
