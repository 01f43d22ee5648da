// Two registry replicas on one PostgreSQL: each its own pool, AuthService, guard and fastify app,
// as two `sigil serve --database` processes would have them. What one replica does to auth state
// binds the other at once — a revoked token, a used TOTP step or recovery code, a spent rate
// budget (per account and per OTP guess, raced) — because nothing is cached in a process.
// Needs Debian's PostgreSQL (skipped loudly locally without it, a failure under CI=true).
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthGuard, sendAuthError, toAuthError } from '../../src/registry/auth/http.js';
import { AuthService } from '../../src/registry/auth/service.js';
import { base32Decode, hotp, totpStep } from '../../src/registry/auth/totp.js';
import type { AuthLimits } from '../../src/registry/auth/http.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { PgAuthState } from '../../src/store/scale/pg-auth-state.js';
import { PgGrantState } from '../../src/store/scale/pg-grant-state.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';

const pgProgram = needsPostgres('test/auth/replicas.test.ts');
const T0 = Date.parse('2026-12-03T12:00:00Z');
const LIMITS: AuthLimits = {
  perIp: { burst: 1000, perMinute: 1000 },
  perAccount: { burst: 6, perMinute: 6 }, // one more per 10 s
  otpFailures: { burst: 5, perMinute: 1 },
};

interface Replica {
  readonly auth: AuthService;
  readonly app: FastifyInstance;
  readonly pool: pg.Pool;
}

let cluster: PostgresCluster | undefined;
let n = 0;
let now: number;
let a: Replica;
let b: Replica;
const refusals: string[] = [];

async function replica(url: string): Promise<Replica> {
  const pool = openPostgres(url, 8);
  const auth = new AuthService(new PgAuthState(pool), new PgGrantState(pool), {
    clock: () => now,
  });
  const guard = createAuthGuard({
    auth,
    clock: () => now,
    limits: LIMITS,
    onRefusal: (_req, code, reason) => refusals.push(`${code}: ${reason}`),
  });
  const app = Fastify();
  app.setErrorHandler((err, req, reply) => {
    const e = toAuthError(err, req);
    return e ? sendAuthError(reply, e) : reply.code(500).send({ error: String(err) });
  });
  app.post(
    '/api/v1/publish',
    { onRequest: guard.requireAuth({ action: 'publish' }) },
    async (req) => {
      const ctx = await guard.authorizeNamespace(req, (req.body as { ns: string }).ns);
      return { account: ctx.principal.account, secondFactor: ctx.secondFactor };
    },
  );
  await app.ready();
  return { auth, app, pool };
}

const publish = (r: Replica, token: string, otp?: string, ns = 'pkg:npm/%40acme/w') =>
  r.app.inject({
    method: 'POST',
    url: '/api/v1/publish',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(otp !== undefined ? { 'npm-otp': otp } : {}),
    },
    payload: JSON.stringify({ ns }),
  });

describe.skipIf(skipUnlessPresent(pgProgram))('auth across two replicas on one PostgreSQL', () => {
  beforeAll(async () => {
    pgProgram.require();
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });
  beforeEach(async () => {
    now = T0;
    refusals.length = 0;
    const url = await cluster!.createDatabase(`auth_replicas_${++n}`);
    a = await replica(url);
    await migrate(a.pool);
    b = await replica(url);
    await a.auth.createAccount('alice');
    await a.auth.grant('alice', 'pkg:npm/%40acme/*');
  });
  afterEach(async () => {
    for (const r of [a, b]) {
      await r.app.close();
      await r.pool.end();
    }
  });

  it('a token revoked on one replica is refused by the other on its next request', async () => {
    const { token, info } = await a.auth.createToken('alice');
    expect((await publish(b, token)).statusCode).toBe(200);
    await a.auth.revokeToken(info.id);
    const r = await publish(b, token);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('TOKEN_INVALID');
    expect(await b.auth.authenticate(`Bearer ${token}`)).toMatchObject({
      ok: false,
      reason: 'revoked token',
    });
    // And the other way round: a token made on B works on A at once.
    const fresh = (await b.auth.createToken('alice')).token;
    expect((await publish(a, fresh)).statusCode).toBe(200);
  });

  it('a TOTP code used on one replica is refused on the other; of a code sent to both at once exactly one wins', async () => {
    const { secret } = await a.auth.enableTwoFactor('alice');
    const key = base32Decode(secret)!;
    await b.auth.confirmTwoFactor('alice', hotp(key, totpStep(now))); // enrolled on A, confirmed on B
    const token = (await a.auth.createToken('alice')).token;
    now += 30_000;
    const code = hotp(key, totpStep(now));
    expect((await publish(a, token, code)).json()).toMatchObject({ secondFactor: 'totp' });
    const replay = await publish(b, token, code);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('OTP_INVALID');

    now += 30_000;
    const next = hotp(key, totpStep(now));
    const raced = await Promise.all(
      Array.from({ length: 4 }, (_, i) => publish(i % 2 ? a : b, token, next)),
    );
    expect(raced.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401]);
  });

  it('a recovery code works once across replicas, also when both try it at once', async () => {
    const { secret } = await a.auth.enableTwoFactor('alice');
    const { recoveryCodes } = await a.auth.confirmTwoFactor(
      'alice',
      hotp(base32Decode(secret)!, totpStep(now)),
    );
    const token = (await b.auth.createToken('alice')).token;
    const [first, second] = await Promise.all([
      publish(a, token, recoveryCodes[0]),
      publish(b, token, recoveryCodes[0]),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 401]);
    expect((await publish(b, token, recoveryCodes[0])).statusCode).toBe(401);
    expect(await b.auth.state.countRecoveryCodes('alice')).toBe(9);
    // New codes made on B replace the old ones on A.
    const fresh = await b.auth.newRecoveryCodes('alice', recoveryCodes[1]);
    expect((await publish(a, token, recoveryCodes[2])).statusCode).toBe(401);
    expect((await publish(a, token, fresh[0])).statusCode).toBe(200);
  });

  it('the per-account rate limit counts requests on both replicas: one budget, not one each', async () => {
    const token = (await a.auth.createToken('alice')).token;
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => publish(i % 2 ? a : b, token)),
    );
    expect(rs.filter((r) => r.statusCode === 200)).toHaveLength(6);
    const limited = rs.filter((r) => r.statusCode === 429);
    expect(limited).toHaveLength(4);
    expect(limited[0]!.headers['retry-after']).toBe('10');
    expect(limited[0]!.json().error.code).toBe('RATE_LIMITED');
    // Refilled by time, for both.
    now += 10_000;
    expect((await publish(b, token)).statusCode).toBe(200);
    expect((await publish(a, token)).statusCode).toBe(429);
  });

  it('wrong OTP guesses share one budget across replicas, also when sent all at once; a right code then waits too', async () => {
    const { secret } = await a.auth.enableTwoFactor('alice');
    const key = base32Decode(secret)!;
    await a.auth.confirmTwoFactor('alice', hotp(key, totpStep(now)));
    const token = (await a.auth.createToken('alice')).token;
    const valid = new Set([-1, 0, 1, 2, 3, 4].map((d) => hotp(key, totpStep(now) + d)));
    const wrong = Array.from({ length: 20 }, (_, i) => String(i).padStart(6, '0'))
      .filter((c) => !valid.has(c))
      .slice(0, 6);
    // Six guesses at once, three on each replica: the budget of 5 is taken before any code is
    // checked, so exactly five are checked (and wrong) and one is refused unchecked.
    const rs = await Promise.all(wrong.map((c, i) => publish(i % 2 ? a : b, token, c)));
    const codes = rs.map((r) => r.json().error.code).sort();
    expect(codes).toEqual([...Array(5).fill('OTP_INVALID'), 'RATE_LIMITED']);
    expect(refusals).toContain('RATE_LIMITED: otp failure limit');
    // The right code is refused as well while the budget is spent: no oracle for the guesser.
    now += 10_000;
    refusals.length = 0;
    const blocked = await publish(b, token, hotp(key, totpStep(now)));
    expect(blocked.statusCode).toBe(429);
    expect(refusals).toEqual(['RATE_LIMITED: otp failure limit']);
    expect(blocked.headers['retry-after']).toBe('50');
    now += 60_000;
    expect((await publish(a, token, hotp(key, totpStep(now)))).statusCode).toBe(200);
    // A right code gave its attempt back: the next one is not refused for the guesses before.
    now += 30_000;
    expect((await publish(b, token, hotp(key, totpStep(now)))).statusCode).toBe(200);
  });
});
