/**
 * Batch lookups without amplification (issue 11 item 8).
 *
 * Attack: one anonymous 331 KB request naming one purl in 10,000 spellings
 * (`pkg:NPM/…`, `%6C…`, `@%31.0.0`, …) made the registry build the same
 * record 10,000 times — 26 MB of answer and 4–17 s of server time, during
 * which the event loop stalled and `/-/ping` waited 5–15 s.
 *
 * What stops it:
 * - {@link planLookup}: every spelling is canonicalized and each canonical
 *   purl is looked up and built once (spellings of it share the JSON); a
 *   batch over `maxBatch` is refused 413 BATCH_TOO_LARGE, and one that names
 *   a package in more than `maxRepeats` extra spellings is refused
 *   400 BATCH_DUPLICATES (a real client names each dependency once);
 * - records.ts buildBatchJson stops at `maxResponseBytes` (413
 *   RESPONSE_TOO_LARGE) and yields to the event loop between chunks of
 *   records, so other requests are served while a large answer is built;
 * - {@link LookupLimiter}: anonymous reads are rate-limited per client
 *   address, weighted by the number of distinct purls asked (429 +
 *   Retry-After): a lockfile's lookup costs what it asks for.
 */
import { canonicalPurl } from '../core/purl.js';
import { type Clock, type RateLimit, RateLimiter, systemClock } from './auth/rate-limit.js';
import { RegistryError } from './errors.js';

export interface LookupLimits {
  /** Most purls (spellings) in one lookup request. */
  readonly maxBatch: number;
  /** Most spellings beyond the first of the same canonical purl, in one request. */
  readonly maxRepeats: number;
  /** Largest JSON answer of one lookup, in bytes. */
  readonly maxResponseBytes: number;
  /** Distinct purls looked up per client address (token bucket). */
  readonly perClient: RateLimit;
}

/** DEFAULT_LOOKUP_LIMITS: the client asks 1,000 purls a request (others may ask up to 10,000, the limit before); a 5,000-dependency lockfile fits one burst. */
export const DEFAULT_LOOKUP_LIMITS: LookupLimits = {
  maxBatch: 10_000,
  maxRepeats: 100,
  maxResponseBytes: 32 * 1024 * 1024,
  perClient: { burst: 50_000, perMinute: 300_000 },
};

/** LookupPlan: each requested spelling with its canonical purl (undefined: not a purl), and the distinct canonical purls. */
export interface LookupPlan {
  readonly spellings: ReadonlyMap<string, string | undefined>;
  readonly distinct: readonly string[];
}

/** responseTooLarge is the 413 for a lookup answer that would exceed the registry's limit (records and ledgers alike). */
export function responseTooLarge(limit: number): RegistryError {
  return new RegistryError(
    413,
    'RESPONSE_TOO_LARGE',
    `the answer would be larger than this registry's limit of ${limit} bytes`,
    'split the lookup into smaller batches',
    { limit },
  );
}

/** planLookup canonicalizes and deduplicates a batch; throws RegistryError 413/400 for an oversized or repetitive batch. */
export function planLookup(
  purls: readonly string[],
  limits: Pick<LookupLimits, 'maxBatch' | 'maxRepeats'> = DEFAULT_LOOKUP_LIMITS,
): LookupPlan {
  if (purls.length > limits.maxBatch) {
    throw new RegistryError(
      413,
      'BATCH_TOO_LARGE',
      `at most ${limits.maxBatch} purls per lookup (got ${purls.length})`,
      'split the lookup',
      { limit: limits.maxBatch },
    );
  }
  const spellings = new Map<string, string | undefined>();
  const seen = new Set<string>();
  let repeats = 0;
  for (const p of purls) {
    if (spellings.has(p)) continue; // the same string twice: one key in the answer anyway
    const canonical = canonicalOf(p);
    spellings.set(p, canonical);
    if (canonical === undefined) continue;
    if (seen.has(canonical)) {
      if (++repeats > limits.maxRepeats) {
        throw new RegistryError(
          400,
          'BATCH_DUPLICATES',
          `the lookup names ${canonical} (or other packages) in more than ${limits.maxRepeats} extra spellings`,
          'name each package once, as its canonical purl',
          { limit: limits.maxRepeats },
        );
      }
    } else {
      seen.add(canonical);
    }
  }
  return { spellings, distinct: [...seen] };
}

/**
 * Canonical forms of spellings seen (canonicalPurl is pure, and a lockfile verified again
 * names the same spellings: packageurl-js parsing was ~5 % of a lookup's CPU). Bounded in
 * count and spelling length; started over when full.
 */
const CANONICAL_MEMO_MAX = 100_000;
const canonicalMemo = new Map<string, string | null>();

function canonicalOf(spelling: string): string | undefined {
  let c = canonicalMemo.get(spelling);
  if (c === undefined) {
    try {
      c = canonicalPurl(spelling);
    } catch {
      c = null;
    }
    if (spelling.length > 512) return c ?? undefined; // only ordinary purls are kept
    if (canonicalMemo.size >= CANONICAL_MEMO_MAX) canonicalMemo.clear();
    canonicalMemo.set(spelling, c);
  }
  return c ?? undefined;
}

/** LookupLimiter rate-limits lookups per client address by the number of distinct purls asked. */
export class LookupLimiter {
  private readonly limiter: RateLimiter;

  constructor(limit: RateLimit = DEFAULT_LOOKUP_LIMITS.perClient, clock: Clock = systemClock) {
    this.limiter = new RateLimiter(limit, clock);
  }

  /** take charges `cost` purls to `ip`; throws RegistryError 429 (with retryAfterSeconds for the Retry-After header) when over. */
  take(ip: string, cost: number): void {
    // A batch larger than the whole bucket could never pass: charge at most the burst.
    const d = this.limiter.take(`ip:${ip}`, Math.min(Math.max(1, cost), this.limiter.limit.burst));
    if (!d.ok) {
      throw new RegistryError(
        429,
        'LOOKUP_RATE_LIMITED',
        `too many lookups from ${ip}: retry in ${d.retryAfterSeconds} s`,
        'spread lookups out, or run a mirror of the log',
        {
          retryAfterSeconds: d.retryAfterSeconds,
        },
      );
    }
  }
}
