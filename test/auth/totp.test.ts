// RFC 6238 TOTP against the RFC's own Appendix B vectors, base32, the Key URI, and the
// behaviour a server relies on: the ±1 step window, and one step per code (replay refusal).
// (totp.ts computes codes with otpauth, so comparing it with otpauth would test nothing.)
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  otpauthUri,
  totp,
  totpStep,
  type TotpAlgorithm,
} from '../../src/registry/auth/totp.js';

const RFC = JSON.parse(
  readFileSync(new URL('./testdata/rfc6238-appendix-b.json', import.meta.url), 'utf8'),
) as {
  seeds: Record<TotpAlgorithm, string>;
  vectors: { time: number; step: string; totp: string; mode: TotpAlgorithm }[];
};

describe('RFC 6238 Appendix B', () => {
  for (const v of RFC.vectors) {
    it(`${v.mode} at T=${v.time} is ${v.totp}`, () => {
      expect(totpStep(v.time * 1000)).toBe(parseInt(v.step, 16));
      expect(totp(Buffer.from(RFC.seeds[v.mode], 'ascii'), v.time * 1000, 8, v.mode)).toBe(v.totp);
    });
  }

  it('RFC 4226 Appendix D HOTP values (6 digits) for counters 0..9', () => {
    const want = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expect(want.map((_, i) => hotp(Buffer.from('12345678901234567890'), i))).toEqual(want);
  });
});

describe('matchTotp', () => {
  const secret = Buffer.from('12345678901234567890');
  const t = 1_111_111_111_000;
  const step = totpStep(t);

  it('accepts the current step and one either side, and says which', () => {
    expect(matchTotp(secret, hotp(secret, step), t)).toBe(step);
    expect(matchTotp(secret, hotp(secret, step - 1), t)).toBe(step - 1);
    expect(matchTotp(secret, hotp(secret, step + 1), t)).toBe(step + 1);
  });

  it('refuses codes two steps away (expired), wrong codes and non-codes', () => {
    expect(matchTotp(secret, hotp(secret, step - 2), t)).toBeUndefined();
    expect(matchTotp(secret, hotp(secret, step + 2), t)).toBeUndefined();
    for (const bad of ['', '12345', '1234567', '12345a', ' 123456', '１２３４５６', '-12345'])
      expect(matchTotp(secret, bad, t)).toBeUndefined();
  });
});

describe('base32 (RFC 4648 §10 vectors, unpadded)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, enc] of cases) {
    it(`"${plain}" ↔ ${enc || '(empty)'}`, () => {
      expect(base32Encode(Buffer.from(plain))).toBe(enc);
      expect(base32Decode(enc)?.toString()).toBe(plain);
      expect(base32Decode(`${enc.toLowerCase()}===`)?.toString()).toBe(plain);
    });
  }
  it('round-trips any bytes and rejects other alphabets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) =>
        Buffer.from(b).equals(base32Decode(base32Encode(b))!),
      ),
    );
    expect(base32Decode('MZ1W')).toBeUndefined();
  });
});

describe('otpauth URI', () => {
  it('has the Key URI Format fields authenticator apps read', () => {
    const uri = new URL(otpauthUri('alice', Buffer.from('12345678901234567890')));
    expect(`${uri.protocol}//${uri.host}${uri.pathname}`).toBe('otpauth://totp/Sigil:alice');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      issuer: 'Sigil',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('the server window and replay (RFC 6238 §5.2)', () => {
  const secret = Buffer.from('12345678901234567890');
  const t0 = 1_234_567_890_000; // 20 s into its step
  const code = totp(secret, t0);
  const own = totpStep(t0);

  it('accepts a code one step late or early, never two, and always names the step it was made for', () => {
    for (const offset of [-70, -40, -31, -20, -1, 0, 1, 9, 10, 39, 40, 69])
      expect(matchTotp(secret, code, t0 + offset * 1000), `offset ${offset} s`).toBe(
        Math.abs(totpStep(t0 + offset * 1000) - own) <= 1 ? own : undefined,
      );
    // Just outside: the step before the previous one, and the one after the next.
    expect(matchTotp(secret, code, (own + 2) * 30_000)).toBeUndefined();
    expect(matchTotp(secret, code, (own - 1) * 30_000 - 1)).toBeUndefined();
  });

  it('one code names one step wherever in its window it is used: the caller refuses a step it accepted before', () => {
    // This is what replay refusal rests on (AuthService keeps the last accepted step; see
    // test/auth/service.test.ts "the code that confirmed enrolment cannot be replayed").
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 64 }),
        fc.integer({ min: 60, max: 4_000_000_000 }),
        fc.integer({ min: -30, max: 30 }),
        (key, sec, drift) => {
          const c = totp(key, sec * 1000);
          const step = totpStep(sec * 1000);
          const later = matchTotp(key, c, (sec + drift) * 1000);
          // Within one step either way the code is found, for its own step and no other.
          return Math.abs(totpStep((sec + drift) * 1000) - step) > 1 || later === step;
        },
      ),
      { seed: 15, numRuns: 300 }, // fixed: a 6-digit code of another step may collide (p ≈ 1e-6)
    );
  });
});
