/**
 * LogAdmission: who may append to a log over HTTP (issue 11 item 7).
 *
 * Attack: an unauthenticated client appends arbitrary bytes to a log at
 * disk speed (21–104 appends/s, MB/s of growth), filling the operator's disk
 * and the log's monitors with junk, and — on the registry's log — mixing
 * foreign entries with the registry's own records.
 *
 * Rules:
 * - The registry's log (`sigil serve`, under /log) accepts only what the
 *   registry itself appends (publishes, key events): its HTTP write
 *   endpoints answer 403 LOG_WRITES_REFUSED whatever the request
 *   ({@link LogAdmission.refuseAll}).
 * - A standalone log (`sigil log serve`) admits a write only under a policy
 *   the operator chose: a bearer write token, or a DSSE entry signed by one
 *   of the allowed keys, or explicitly open writes. Without one, writes are
 *   refused (secure default). Every client is rate-limited per address
 *   (token bucket, 429 + Retry-After) before its body is read; bodies are
 *   capped by the routes' body limits (413). What such a log holds are
 *   opaque entries: nothing in Sigil reads a release, key event or record
 *   from a standalone log's entries — they count only as what they are.
 *
 * The decision functions are pure over the request's address and headers
 * (and the parsed entry for the key policy); the routes only write answers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DsseEntryJson } from '../log/rekor/dsse-entry.js';
import { type Clock, type RateLimit, RateLimiter, systemClock } from './auth/rate-limit.js';

/** AdmissionRefusal is a refused write: status, stable code, message naming what to do, extra headers. */
export interface AdmissionRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** AdmissionRequest is what admission looks at: the client's address and its request headers. */
export interface AdmissionRequest {
  readonly ip: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** LogAdmissionOptions configure a standalone log's write policy. */
export interface LogAdmissionOptions {
  /** Bearer tokens that may write anything (Authorization: Bearer <token>). */
  readonly tokens?: readonly string[];
  /** Key ids (sha256 of the DER SubjectPublicKeyInfo, hex) whose DSSE entries are admitted without a token. */
  readonly keyIds?: readonly string[];
  /** Admit every write (the operator said so explicitly). */
  readonly open?: boolean;
  /** Writes per client address (default {@link DEFAULT_WRITE_RATE}). */
  readonly rateLimit?: RateLimit;
  readonly clock?: Clock;
}

/** DEFAULT_WRITE_RATE: per client address, a burst of 120 writes, then 600 a minute. */
export const DEFAULT_WRITE_RATE: RateLimit = { burst: 120, perMinute: 600 };

/** WRITE_TOKEN_HEADER is where a write token goes: the standard Authorization header. */
const BEARER = /^Bearer\s+(\S+)\s*$/i;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function refusal(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): AdmissionRefusal {
  return { status, code, message, headers };
}

export class LogAdmission {
  private readonly tokens: readonly Buffer[];
  private readonly keyIds: ReadonlySet<string>;
  private readonly limiter: RateLimiter | undefined;

  private constructor(
    private readonly options: LogAdmissionOptions,
    /** Set: every write is refused with this reason (the registry's log). */
    private readonly refuseReason: string | undefined,
  ) {
    this.tokens = (options.tokens ?? []).filter((t) => t !== '').map(digest);
    this.keyIds = new Set((options.keyIds ?? []).map((k) => k.toLowerCase()));
    this.limiter =
      refuseReason === undefined
        ? new RateLimiter(options.rateLimit ?? DEFAULT_WRITE_RATE, options.clock ?? systemClock)
        : undefined;
  }

  /** policy builds the admission of a standalone log. */
  static policy(options: LogAdmissionOptions): LogAdmission {
    return new LogAdmission(options, undefined);
  }

  /** refuseAll builds the admission of a log whose only writer is its owner (the registry). */
  static refuseAll(reason: string): LogAdmission {
    return new LogAdmission({}, reason);
  }

  /** describe says in one line what the policy admits (for `sigil log serve`'s banner). */
  describe(): string {
    if (this.refuseReason !== undefined) return 'refused';
    const parts: string[] = [];
    if (this.options.open) parts.push('open to anyone');
    if (this.tokens.length > 0) parts.push(`${this.tokens.length} write token(s)`);
    if (this.keyIds.size > 0)
      parts.push(`DSSE entries signed by ${this.keyIds.size} allowed key(s)`);
    if (parts.length === 0)
      return 'refused (no write policy: --write-token-file, --allow-key or --open-writes)';
    const r = this.options.rateLimit ?? DEFAULT_WRITE_RATE;
    return `${parts.join(', ')}; ${r.perMinute}/min per client (burst ${r.burst})`;
  }

  private tokenMatches(req: AdmissionRequest): boolean {
    const raw = req.headers['authorization'];
    const m = BEARER.exec((Array.isArray(raw) ? raw[0] : raw) ?? '');
    if (!m) return false;
    const d = digest(m[1]!);
    let ok = false;
    for (const t of this.tokens) ok = timingSafeEqual(t, d) || ok; // no early exit
    return ok;
  }

  /**
   * checkRequest runs before the body is read: the registry's refusal, the
   * per-address rate limit, then the token. `needsEntryCheck` is true when
   * only the key policy can still admit the write (the caller must then
   * call {@link checkEntry} with the parsed entry).
   */
  checkRequest(
    req: AdmissionRequest,
    kind: 'raw' | 'dsse',
  ):
    | { readonly refused: AdmissionRefusal }
    | { readonly refused?: undefined; readonly needsEntryCheck: boolean } {
    if (this.refuseReason !== undefined)
      return { refused: refusal(403, 'LOG_WRITES_REFUSED', this.refuseReason) };
    const rate = this.limiter!.take(`ip:${req.ip}`);
    if (!rate.ok) {
      return {
        refused: refusal(
          429,
          'LOG_RATE_LIMITED',
          `too many writes from ${req.ip}: retry in ${rate.retryAfterSeconds} s`,
          { 'retry-after': String(rate.retryAfterSeconds) },
        ),
      };
    }
    if (this.options.open || this.tokenMatches(req)) return { needsEntryCheck: false };
    if (this.keyIds.size > 0 && kind === 'dsse') return { needsEntryCheck: true };
    if (req.headers['authorization'] !== undefined && this.tokens.length > 0)
      return {
        refused: refusal(401, 'LOG_TOKEN_INVALID', 'the write token is not valid for this log'),
      };
    if (this.keyIds.size > 0)
      return {
        refused: refusal(
          403,
          'LOG_WRITE_TOKEN_REQUIRED',
          'raw entries need a write token (Authorization: Bearer <token>); without one this log admits only Rekor v2 DSSE entries signed by an allowed key',
        ),
      };
    if (this.tokens.length > 0)
      return {
        refused: refusal(
          401,
          'LOG_WRITE_TOKEN_REQUIRED',
          'this log admits writes only with a write token (Authorization: Bearer <token>)',
        ),
      };
    return {
      refused: refusal(
        403,
        'LOG_WRITES_REFUSED',
        'this log has no write policy: the operator starts it with --write-token-file, --allow-key or --open-writes',
      ),
    };
  }

  /** checkEntry admits a dsse entry when one of its (already verified) signatures is by an allowed key. */
  checkEntry(entry: DsseEntryJson): AdmissionRefusal | undefined {
    for (const s of entry.spec.dsseV002.signatures) {
      const raw = s.verifier.publicKey?.rawBytes;
      if (
        raw !== undefined &&
        this.keyIds.has(createHash('sha256').update(Buffer.from(raw, 'base64')).digest('hex'))
      )
        return undefined;
    }
    return refusal(
      403,
      'LOG_KEY_NOT_ALLOWED',
      'no signature of this entry is by a key this log admits (and no write token was given)',
    );
  }
}
