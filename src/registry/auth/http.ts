/**
 * Fastify 5 glue for accounts and auth: a hook that authenticates, rate-limits,
 * checks scope and the second factor, and the mapping of refusals to
 * 401/403/413/429 with `{ error: { code, message, hint } }` bodies.
 *
 * Headers read (all attacker-controlled):
 *   Authorization: Bearer sgl_…        (npm sends its `_authToken` this way too)
 *   npm-otp: 123456 | x-sigil-otp: …   (a TOTP code or a recovery code)
 * Headers written: WWW-Authenticate on 401 (`Bearer realm="sigil"…`, or `OTP`,
 * which makes npm prompt for a code), Retry-After on 429.
 *
 * Order of checks, cheapest and least revealing first: per-IP limit → token →
 * per-account limit → token scope / grants → second factor (last, so a code
 * is never consumed by a request refused for another reason).
 *
 * The rate limits are token buckets in AuthState (`rate_bucket`), not in this
 * process: replicas on one PostgreSQL give a client one budget, not one each.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authError, AuthError, type AuthErrorCode } from './errors.js';
import type { RateBucket } from '../../store/registry/auth-state.js';
import { systemClock, type Clock, type RateLimit } from './rate-limit.js';
import type { Action } from './scope.js';
import type { AuthService, Principal } from './service.js';

/** What requireAuth leaves on the request for the handler. */
export interface AuthContext {
  readonly principal: Principal;
  /** The action the hook checked. */
  readonly action: Action;
  /** How the second factor was satisfied. */
  readonly secondFactor: 'not-enabled' | 'totp' | 'recovery-code';
  /** The namespace checked by the hook, when it was known then. */
  readonly namespace?: string;
  /** True when nobody holds `namespace` yet: call AuthService.claimNamespace after the write succeeded. */
  readonly unclaimed: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    sigilAuth?: AuthContext;
  }
}

export interface AuthLimits {
  /** Write requests per IP address (checked before the token is even looked at). Default burst 60, 120/min. */
  readonly perIp?: RateLimit;
  /** Write requests per account. Default burst 30, 60/min. */
  readonly perAccount?: RateLimit;
  /** Wrong one-time passwords per account (a 6-digit code has 10^6 values). Default burst 5, 1/min. */
  readonly otpFailures?: RateLimit;
}

export const DEFAULT_LIMITS: Required<AuthLimits> = {
  perIp: { burst: 60, perMinute: 120 },
  perAccount: { burst: 30, perMinute: 60 },
  otpFailures: { burst: 5, perMinute: 1 },
};

export interface AuthGuardOptions {
  readonly auth: AuthService;
  readonly limits?: AuthLimits;
  readonly clock?: Clock;
  /** Called for every refusal with the internal reason (never sent to the client). Default: request log at info. */
  readonly onRefusal?: (req: FastifyRequest, code: AuthErrorCode, reason: string) => void;
}

export interface RequireAuthOptions {
  readonly action: Action;
  /** The namespace, or how to read it from the request; omit when only the body names it (then call authorizeNamespace). */
  readonly namespace?: string | ((req: FastifyRequest) => string | undefined);
}

export interface AuthGuard {
  /**
   * requireAuth returns an async hook for `preHandler` (or `onRequest`, which
   * refuses before an upload body is read — use it when the namespace comes
   * from the body). On refusal it sends the error response itself.
   */
  requireAuth(
    options: RequireAuthOptions,
  ): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** check runs the same checks inside a handler and throws AuthError; returns the context (also set on req.sigilAuth). */
  check(req: FastifyRequest, action: Action, namespace?: string): Promise<AuthContext>;
  /** authorizeNamespace checks a namespace learnt after the hook ran (from the body); throws AuthError 403. */
  authorizeNamespace(req: FastifyRequest, namespace: string, action?: Action): Promise<AuthContext>;
  /** The registry's `authorizeWrite` option: check(), then the account name. Throws AuthError. */
  authorizeWrite(
    req: FastifyRequest,
    action: 'publish' | 'keys',
    namespace?: string,
  ): Promise<string>;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** bucketOf: a limit as AuthState's bucket (RangeError for a limit that would refuse everything). */
function bucketOf(limit: RateLimit): RateBucket {
  if (!(limit.burst >= 1) || !(limit.perMinute > 0))
    throw new RangeError('rate limit needs burst >= 1 and perMinute > 0');
  return { capacity: limit.burst, refillPerSecond: limit.perMinute / 60 };
}

/** How often a guard forgets buckets that have refilled completely (a full bucket and none answer alike). */
const PRUNE_EVERY_MS = 60_000;

export function createAuthGuard(options: AuthGuardOptions): AuthGuard {
  const { auth } = options;
  const state = auth.state;
  const clock = options.clock ?? systemClock;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const perIp = bucketOf(limits.perIp);
  const perAccount = bucketOf(limits.perAccount);
  const otpFailures = bucketOf(limits.otpFailures);
  // A bucket untouched for this long is full again under every limit here: forgetting it changes
  // no answer, and keeps the table from growing with every address that ever wrote.
  const fullAfterMs = Math.max(
    ...[perIp, perAccount, otpFailures].map((b) => (b.capacity / b.refillPerSecond) * 1000),
  );
  let prunedAt = clock();
  const take = async (key: string, bucket: RateBucket) => {
    const now = clock();
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = now;
      await state.pruneRates(now - fullAfterMs);
    }
    return state.takeRate(key, 1, bucket, now);
  };
  const refuse = (
    req: FastifyRequest,
    code: AuthErrorCode,
    reason: string,
    extra: Parameters<typeof authError>[1] = {},
  ): AuthError => {
    if (options.onRefusal) options.onRefusal(req, code, reason);
    else req.log.info({ auth: { code, reason } }, 'auth refused');
    return authError(code, extra);
  };

  const check = async (
    req: FastifyRequest,
    action: Action,
    namespace?: string,
  ): Promise<AuthContext> => {
    const ip = await take(`ip:${req.ip}`, perIp);
    if (!ip.ok)
      throw refuse(req, 'RATE_LIMITED', 'ip limit', { retryAfterSeconds: ip.retryAfterSeconds });
    const who = await auth.authenticate(header(req, 'authorization'));
    if (!who.ok) throw refuse(req, who.code, who.reason);
    const principal = who.principal;
    const acct = await take(`account:${principal.account}`, perAccount);
    if (!acct.ok)
      throw refuse(req, 'RATE_LIMITED', 'account limit', {
        retryAfterSeconds: acct.retryAfterSeconds,
      });
    const allowed = await auth.authorize(principal, action, namespace);
    if (!allowed.ok)
      throw refuse(req, allowed.code, allowed.reason, {
        action,
        ...(namespace ? { namespace } : {}),
        ...(allowed.covered ? { covered: allowed.covered } : {}),
      });
    const otpKey = `otp:${principal.account}`;
    const code = header(req, 'npm-otp') ?? header(req, 'x-sigil-otp');
    const guess = principal.twoFactor && code !== undefined;
    if (guess) {
      // Brute force of a 6-digit code: a few wrong codes, then wait. The attempt is taken before
      // the code is checked, so concurrent guesses (on any replica) cannot outrun the budget;
      // anything but a wrong code gives it back.
      const left = await take(otpKey, otpFailures);
      if (!left.ok)
        throw refuse(req, 'RATE_LIMITED', 'otp failure limit', {
          retryAfterSeconds: left.retryAfterSeconds,
        });
    }
    const second = await auth.requireSecondFactor(principal.account, code, action);
    if (guess && (second.ok || second.code !== 'OTP_INVALID'))
      await state.refundRate(otpKey, 1, otpFailures, clock());
    if (!second.ok) throw refuse(req, second.code, second.reason);
    const ctx: AuthContext = {
      principal,
      action,
      secondFactor: second.method,
      unclaimed: allowed.unclaimed,
      ...(namespace ? { namespace } : {}),
    };
    req.sigilAuth = ctx;
    return ctx;
  };

  const authorizeNamespace = async (
    req: FastifyRequest,
    namespace: string,
    action?: Action,
  ): Promise<AuthContext> => {
    const ctx = req.sigilAuth;
    if (!ctx) throw refuse(req, 'AUTH_REQUIRED', 'authorizeNamespace before requireAuth');
    const act = action ?? ctx.action;
    const allowed = await auth.authorize(ctx.principal, act, namespace);
    if (!allowed.ok)
      throw refuse(req, allowed.code, allowed.reason, {
        action: act,
        namespace,
        ...(allowed.covered ? { covered: allowed.covered } : {}),
      });
    const next: AuthContext = { ...ctx, action: act, namespace, unclaimed: allowed.unclaimed };
    req.sigilAuth = next;
    return next;
  };

  return {
    check,
    requireAuth(o) {
      return async (req, reply) => {
        const ns = typeof o.namespace === 'function' ? o.namespace(req) : o.namespace;
        try {
          await check(req, o.action, ns);
          return undefined;
        } catch (e) {
          if (e instanceof AuthError) return sendAuthError(reply, e);
          throw e;
        }
      };
    },
    authorizeNamespace,
    async authorizeWrite(req, action, namespace) {
      const ctx = req.sigilAuth ?? (await check(req, action, namespace));
      if (namespace !== undefined && ctx.namespace !== namespace)
        await authorizeNamespace(req, namespace, action);
      return ctx.principal.account;
    },
  };
}

/** sendAuthError writes an AuthError: status, its headers, JSON body. */
export function sendAuthError(reply: FastifyReply, e: AuthError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.code(e.status).type('application/json; charset=utf-8').send(e.toJSON());
}

/** uploadLimit is the route option that caps a body at `maxBytes` (answered 413 by toAuthError). */
export function uploadLimit(maxBytes: number): { bodyLimit: number } {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1)
    throw new RangeError('upload limit must be a positive integer');
  return { bodyLimit: maxBytes };
}

/**
 * toAuthError maps what this module and fastify raise to an AuthError, or
 * undefined for anything else. Body-too-large (fastify `FST_ERR_CTP_BODY_TOO_LARGE`,
 * also when Content-Length announces it) becomes 413 UPLOAD_TOO_LARGE naming the
 * route's own limit. Use it first thing in the server's error handler:
 *   const a = toAuthError(err, req); if (a) return sendAuthError(reply, a);
 */
export function toAuthError(err: unknown, req: FastifyRequest): AuthError | undefined {
  if (err instanceof AuthError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return authError('UPLOAD_TOO_LARGE', {
      limit: req.routeOptions.bodyLimit ?? req.server.initialConfig.bodyLimit,
    });
  return undefined;
}

/**
 * claimPatternFirst claims a pattern namespace (`…/*`) that the request was
 * just authorised for as unclaimed, before the write that needs it — not
 * after, as packages are: otherwise a first publish inside the pattern could
 * land between the check and the claim, leaving a scope ledger whose account
 * holds nothing (issue 11, item 1). Throws AuthError NAMESPACE_FORBIDDEN when
 * the claim is lost to a concurrent one. Returns true when it claimed.
 */
export async function claimPatternFirst(
  service: AuthService,
  req: FastifyRequest,
  namespace: string,
): Promise<boolean> {
  const ctx = req.sigilAuth;
  if (!ctx || !ctx.unclaimed || !namespace.endsWith('/*')) return false;
  if (!(await service.claimNamespace(ctx.principal.account, namespace)))
    throw authError('NAMESPACE_FORBIDDEN', { namespace, action: ctx.action });
  req.sigilAuth = { ...ctx, unclaimed: false };
  return true;
}

/**
 * publishClaims: what every upload path (API, npm, pypi, cargo, gem, maven) hands the publish
 * pipeline as `authorize`, and what it does once the release is in. Each namespace the upload
 * touches (the package, and every key event's) is authorised with the caller's token; an
 * unclaimed pattern is claimed at once (before its key event is judged), and every other
 * unclaimed namespace is claimed by the caller only after the publish succeeded — a refused
 * upload claims nothing. Without auth (open writes) nothing is checked or claimed.
 */
export function publishClaims(
  auth: { readonly guard: AuthGuard; readonly service: AuthService } | undefined,
  req: FastifyRequest,
): {
  authorize?: (namespace: string, action: 'publish' | 'keys') => Promise<void>;
  commit(): Promise<void>;
  release(): Promise<void>;
} {
  if (!auth) return { commit: async () => undefined, release: async () => undefined };
  const claimed = new Set<string>();
  const holds: (() => Promise<void>)[] = [];
  return {
    authorize: async (namespace, action) => {
      if (
        (await auth.guard.authorizeNamespace(req, namespace, action)).unclaimed &&
        !(await claimPatternFirst(auth.service, req, namespace))
      ) {
        // until the claim below, no other account's pattern may be granted over this name
        // (refused here if one was granted since the check above: atomic in GrantState)
        holds.push(
          await auth.service.holdFirstPublish(req.sigilAuth!.principal.account, namespace),
        );
        claimed.add(namespace);
      }
    },
    commit: async () => {
      for (const ns of claimed)
        await auth.service.claimNamespace(req.sigilAuth!.principal.account, ns);
      for (const release of holds.splice(0)) await release();
    },
    release: async () => {
      for (const release of holds.splice(0)) await release();
    },
  };
}

/**
 * withPublishClaims runs one upload with publishClaims: the claims are made when `publish`
 * succeeds, and the first-publish holds end either way, so a refused upload leaves nothing
 * behind, not even a hold that keeps others' patterns waiting.
 */
export async function withPublishClaims<T>(
  auth: { readonly guard: AuthGuard; readonly service: AuthService } | undefined,
  req: FastifyRequest,
  publish: (
    authorize?: (namespace: string, action: 'publish' | 'keys') => Promise<void>,
  ) => Promise<T>,
): Promise<T> {
  const claims = publishClaims(auth, req);
  try {
    const out = await publish(claims.authorize);
    await claims.commit();
    return out;
  } finally {
    await claims.release();
  }
}
