// Token format: prefix, length, alphabet, and a checksum that catches typos offline.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTokenFormat,
  generateToken,
  hashToken,
  TOKEN_LENGTH,
} from '../../src/registry/auth/tokens.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('publish token format', () => {
  it('is sgl_ + 49 base62 characters and checks out', () => {
    const t = generateToken();
    expect(t).toMatch(/^sgl_[0-9A-Za-z]{49}$/);
    expect(t.length).toBe(TOKEN_LENGTH);
    expect(checkTokenFormat(t)).toBeUndefined();
  });

  it('carries all 256 random bits (distinct inputs, distinct tokens; all-zero and all-one edges encode)', () => {
    expect(checkTokenFormat(generateToken(() => Buffer.alloc(32, 0)))).toBeUndefined();
    expect(checkTokenFormat(generateToken(() => Buffer.alloc(32, 0xff)))).toBeUndefined();
    const a = generateToken(() => Buffer.alloc(32, 1));
    const b = generateToken(() => Buffer.concat([Buffer.alloc(31, 1), Buffer.from([2])]));
    expect(a).not.toBe(b);
  });

  it('detects every single-character typo and every adjacent swap (checksum)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.nat(),
        (bytes, i, j) => {
          const t = generateToken(() => Buffer.from(bytes));
          const pos = 4 + (i % (TOKEN_LENGTH - 4));
          const cur = t[pos]!;
          const repl = ALPHABET[(ALPHABET.indexOf(cur) + 1 + (j % 61)) % 62]!;
          const typo = t.slice(0, pos) + repl + t.slice(pos + 1);
          expect(checkTokenFormat(typo)).toBe('TOKEN_CHECKSUM');
          const k = 4 + (i % (TOKEN_LENGTH - 5));
          const swapped = t.slice(0, k) + t[k + 1] + t[k] + t.slice(k + 2);
          if (swapped !== t) expect(checkTokenFormat(swapped)).toBe('TOKEN_CHECKSUM');
        },
      ),
    );
  });

  it('names the problem of truncated, foreign or garbage input and never throws', () => {
    const t = generateToken();
    expect(checkTokenFormat(t.slice(0, -1))).toBe('TOKEN_SHAPE');
    expect(checkTokenFormat(`${t}x`)).toBe('TOKEN_SHAPE');
    expect(checkTokenFormat(`ghp_${t.slice(4)}`)).toBe('TOKEN_PREFIX');
    expect(checkTokenFormat(`sgl_${'-'.repeat(49)}`)).toBe('TOKEN_SHAPE');
    fc.assert(
      fc.property(fc.string(), (s) =>
        ['TOKEN_PREFIX', 'TOKEN_SHAPE', 'TOKEN_CHECKSUM', undefined].includes(checkTokenFormat(s)),
      ),
    );
  });

  it('hashes to 32 bytes of SHA-256', () => {
    expect(hashToken('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    ); // FIPS 180-2 'abc'
    expect(hashToken(generateToken()).length).toBe(32);
  });
});
