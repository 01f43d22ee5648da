// Token-bucket limiter with a fake clock: burst, refill, Retry-After, keys apart, bounded memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/registry/auth/rate-limit.js';

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance: (ms: number) => void (now += ms),
    set: (ms: number) => void (now = ms),
  };
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    const c = fakeClock();
    const l = new RateLimiter({ burst: 3, perMinute: 6 }, c.clock); // one token every 10 s
    expect([1, 2, 3].map(() => l.take('k').ok)).toEqual([true, true, true]);
    expect(l.take('k')).toEqual({ ok: false, retryAfterSeconds: 10 });
    c.advance(4_000);
    expect(l.take('k')).toEqual({ ok: false, retryAfterSeconds: 6 });
    c.advance(6_000);
    expect(l.take('k')).toEqual({ ok: true, remaining: 0 });
    c.advance(3_600_000);
    expect(l.take('k')).toEqual({ ok: true, remaining: 2 }); // refill stops at burst
  });

  it('keeps keys apart', () => {
    const c = fakeClock();
    const l = new RateLimiter({ burst: 1, perMinute: 1 }, c.clock);
    expect(l.take('ip:1').ok).toBe(true);
    expect(l.take('ip:1').ok).toBe(false);
    expect(l.take('ip:2').ok).toBe(true);
  });

  it('retryAfterSeconds is at least 1 and waiting that long is always enough', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 50 }),
        (burst, perMinute, gaps) => {
          const c = fakeClock();
          const l = new RateLimiter({ burst, perMinute }, c.clock);
          for (const g of gaps) {
            c.advance(g);
            const d = l.take('k');
            if (!d.ok) {
              expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
              c.advance(d.retryAfterSeconds * 1000);
              expect(l.take('k').ok).toBe(true);
            }
          }
        },
      ),
    );
  });

  it('a clock stepping backwards mints no tokens', () => {
    const c = fakeClock();
    const l = new RateLimiter({ burst: 1, perMinute: 1 }, c.clock);
    expect(l.take('k').ok).toBe(true);
    c.advance(-3_600_000);
    expect(l.take('k').ok).toBe(false);
  });

  it('holds at most maxKeys buckets', () => {
    const c = fakeClock();
    const l = new RateLimiter({ burst: 2, perMinute: 60 }, c.clock, 100);
    for (let i = 0; i < 1_000; i++) l.take(`ip:${i}`);
    expect(l.size).toBeLessThanOrEqual(100);
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new RateLimiter({ burst: 0, perMinute: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 1, perMinute: 0 })).toThrow(RangeError);
  });
});
