/**
 * Token-bucket rate limits for write endpoints. Pure core: the clock is
 * injected, nothing here reads the time or does I/O.
 *
 * A bucket holds at most `burst` tokens and refills at `perMinute / 60` tokens
 * a second. A request takes one token; with none left it is refused with the
 * number of whole seconds until one will be there (the `Retry-After` value,
 * RFC 9110 §10.2.3). Keys are opaque strings: the caller prefixes them
 * (`ip:203.0.113.7`, `account:alice`) so one limiter can hold several kinds.
 *
 * Memory is bounded: a bucket that has refilled completely is identical to a
 * missing one, so such buckets are dropped when the map grows past `maxKeys`;
 * if every bucket is still draining, the oldest-touched ones are dropped
 * (which can only ever let a client through early, never refuse one wrongly).
 */

/** Clock returns the current time in milliseconds since the epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export interface RateLimit {
  /** Most requests allowed at once (bucket size). */
  readonly burst: number;
  /** Sustained requests per minute (refill rate). */
  readonly perMinute: number;
}

export type RateDecision =
  | { readonly ok: true; readonly remaining: number }
  | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly clock: Clock = systemClock,
    private readonly maxKeys = 100_000,
  ) {
    if (!(limit.burst >= 1) || !(limit.perMinute > 0))
      throw new RangeError('rate limit needs burst >= 1 and perMinute > 0');
    this.perMs = limit.perMinute / 60_000;
  }

  /** take removes `cost` tokens from key's bucket, or says how long to wait. It never waits itself. */
  take(key: string, cost = 1): RateDecision {
    const now = this.clock();
    const b = this.refilled(key, now);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      this.store(key, b);
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    this.store(key, b);
    const waitMs = (cost - b.tokens) / this.perMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** peek says what take would answer without taking anything. */
  peek(key: string, cost = 1): RateDecision {
    const b = this.refilled(key, this.clock());
    if (b.tokens >= cost) return { ok: true, remaining: Math.floor(b.tokens) };
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((cost - b.tokens) / this.perMs / 1000)),
    };
  }

  /** size is the number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const old = this.buckets.get(key);
    if (!old) return { tokens: this.limit.burst, at: now };
    // A clock that steps backwards must not mint tokens.
    const elapsed = Math.max(0, now - old.at);
    return {
      tokens: Math.min(this.limit.burst, old.tokens + elapsed * this.perMs),
      at: Math.max(now, old.at),
    };
  }

  private store(key: string, b: Bucket): void {
    this.buckets.delete(key); // re-insert: Map order becomes least-recently-touched first
    this.buckets.set(key, b);
    if (this.buckets.size <= this.maxKeys) return;
    const now = this.clock();
    for (const [k, v] of this.buckets) {
      if (v.tokens + (now - v.at) * this.perMs >= this.limit.burst) this.buckets.delete(k);
    }
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(k);
    }
  }
}
