// The fastify glue through fastify.inject: 401 (WWW-Authenticate), 403, 413 and
// 429 (Retry-After) with { error: { code, message, hint } } bodies; npm's OTP flow.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteAuthState } from '../../src/store/registry/sqlite-auth-state.js';
import { SqliteGrantState } from '../../src/store/registry/sqlite-grant-state.js';
import {
  createAuthGuard,
  sendAuthError,
  toAuthError,
  uploadLimit,
  withPublishClaims,
  type AuthGuard,
} from '../../src/registry/auth/http.js';
import { AuthService } from '../../src/registry/auth/service.js';
import { base32Decode, hotp, totpStep } from '../../src/registry/auth/totp.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
let now: number;
let store: SqliteAuthState;
let auth: AuthService;
let guard: AuthGuard;
let app: FastifyInstance;
let refusals: string[];

async function build(limits: Parameters<typeof createAuthGuard>[0]['limits'] = {}): Promise<void> {
  refusals = [];
  guard = createAuthGuard({
    auth,
    clock: () => now,
    limits,
    onRefusal: (_req, code, reason) => refusals.push(`${code}: ${reason}`),
  });
  app = Fastify();
  app.setErrorHandler((err, req, reply) => {
    const a = toAuthError(err, req);
    if (a) return sendAuthError(reply, a);
    return reply.code(500).send({ error: { code: 'INTERNAL', message: String(err) } });
  });
  // Publish: the namespace is in the body, so authenticate on onRequest (before the body is read), check the namespace in the handler.
  app.post(
    '/api/v1/publish',
    { ...uploadLimit(1024), onRequest: guard.requireAuth({ action: 'publish' }) },
    async (req) => {
      const ctx = await guard.authorizeNamespace(
        req,
        (req.body as { namespace: string }).namespace,
      );
      return {
        account: ctx.principal.account,
        unclaimed: ctx.unclaimed,
        secondFactor: ctx.secondFactor,
      };
    },
  );
  // Key events: the namespace is in the URL, so the preHandler checks everything.
  app.post(
    '/api/v1/keys/:ns',
    {
      preHandler: guard.requireAuth({
        action: 'keys',
        namespace: (req) => (req.params as { ns: string }).ns,
      }),
    },
    async (req) => ({ account: req.sigilAuth?.principal.account }),
  );
  // An upload through withPublishClaims that can be made to fail after its namespace was authorised.
  app.post('/upload', { onRequest: guard.requireAuth({ action: 'publish' }) }, async (req) => {
    const body = req.body as { namespace: string; fail: boolean };
    return withPublishClaims({ guard, service: auth }, req, async (authorize) => {
      await authorize!(body.namespace, 'publish');
      if (body.fail) throw new Error('the publish was refused after authorisation');
      return { ok: true };
    });
  });
  await app.ready();
}

beforeEach(async () => {
  now = T0;
  store = new SqliteAuthState(
    join(mkdtempSync(join(tmpdir(), 'sigil-auth-http-')), 'registry.sqlite'),
  );
  auth = new AuthService(store, new SqliteGrantState(store.accounts.db), { clock: () => now });
  await auth.createAccount('alice');
  await auth.grant('alice', 'pkg:npm/@acme/*');
  await auth.createAccount('bob');
  await auth.grant('bob', 'pkg:npm/left-pad');
  await build();
});
afterEach(async () => {
  await app.close();
  await store.close();
});

const publish = (
  token: string | undefined,
  namespace: string,
  headers: Record<string, string> = {},
  extra = '',
) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/publish',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    payload: JSON.stringify({ namespace, extra }),
  });

describe('401', () => {
  it('no token: AUTH_REQUIRED with a Bearer challenge', async () => {
    const r = await publish(undefined, 'pkg:npm/%40acme/w');
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="sigil"');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toEqual({
      error: {
        code: 'AUTH_REQUIRED',
        message: 'this request needs a publish token',
        hint: expect.stringContaining('sigil account token create'),
      },
    });
  });

  it('a typo: TOKEN_MALFORMED', async () => {
    const { token } = await auth.createToken('alice');
    const typo = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const r = await publish(typo, 'pkg:npm/%40acme/w');
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('TOKEN_MALFORMED');
    expect(r.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('unknown, revoked and expired tokens get byte-identical answers (the reason stays in the server log)', async () => {
    const other = new SqliteAuthState(join(mkdtempSync(join(tmpdir(), 'sigil-o-')), 'r.sqlite'));
    const unknown = new AuthService(other, new SqliteGrantState(other.accounts.db));
    await unknown.createAccount('alice');
    const wrong = (await unknown.createToken('alice')).token;
    const revoked = await auth.createToken('alice');
    await auth.revokeToken(revoked.info.id);
    const expired = (await auth.createToken('alice', { expiresAt: new Date(T0 + 1_000) })).token;
    now += 1_000;
    const rs = await Promise.all(
      [wrong, revoked.token, expired].map((t) => publish(t, 'pkg:npm/%40acme/w')),
    );
    expect(rs.map((r) => r.statusCode)).toEqual([401, 401, 401]);
    expect(new Set(rs.map((r) => r.body)).size).toBe(1);
    expect(new Set(rs.map((r) => r.headers['www-authenticate'])).size).toBe(1);
    expect(rs[0]!.json().error.code).toBe('TOKEN_INVALID');
    expect(refusals).toEqual([
      'TOKEN_INVALID: unknown token',
      'TOKEN_INVALID: revoked token',
      'TOKEN_INVALID: expired token',
    ]);
  });
});

describe('403', () => {
  it('out-of-scope namespace (token) and someone else’s namespace (grant)', async () => {
    const narrow = (await auth.createToken('alice', { namespaces: ['pkg:npm/@acme/widget'] }))
      .token;
    const r1 = await publish(narrow, 'pkg:npm/%40acme/gadget');
    expect(r1.statusCode).toBe(403);
    expect(r1.json().error).toMatchObject({
      code: 'TOKEN_SCOPE',
      detail: { namespace: 'pkg:npm/%40acme/gadget', action: 'publish' },
    });
    const wide = (await auth.createToken('alice')).token;
    const r2 = await publish(wide, 'pkg:npm/left-pad');
    expect(r2.statusCode).toBe(403);
    expect(r2.json().error.code).toBe('NAMESPACE_FORBIDDEN');
    expect((await publish(wide, 'pkg:npm/%40acme/gadget')).json()).toEqual({
      account: 'alice',
      unclaimed: false,
      secondFactor: 'not-enabled',
    });
  });

  it('a publish-only token may not make key events', async () => {
    const t = (await auth.createToken('alice', { actions: ['publish'] })).token;
    const r = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${encodeURIComponent('pkg:npm/%40acme/w')}`,
      headers: { authorization: `Bearer ${t}` },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('TOKEN_SCOPE');
  });
});

describe('two-factor over HTTP (what npm does)', () => {
  let secret: Buffer;
  let token: string;
  beforeEach(async () => {
    const e = await auth.enableTwoFactor('alice');
    secret = base32Decode(e.secret)!;
    await auth.confirmTwoFactor('alice', hotp(secret, totpStep(now)));
    now += 30_000;
    token = (await auth.createToken('alice', { actions: ['publish', 'keys'] })).token;
  });

  it('no code: 401 with WWW-Authenticate: OTP, which npm-registry-fetch turns into an OTP prompt', async () => {
    const r = await publish(token, 'pkg:npm/%40acme/w');
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('OTP_REQUIRED');
    // npm-registry-fetch check-response.js: www-authenticate split on /,\s*/, lowercased, includes 'otp'
    expect(
      String(r.headers['www-authenticate'])
        .split(/,\s*/)
        .map((s) => s.toLowerCase()),
    ).toContain('otp');
    expect(r.body).toContain('one-time password');
  });

  it('npm-otp and x-sigil-otp carry the code; a reused code is refused', async () => {
    const ok = await publish(token, 'pkg:npm/%40acme/w', {
      'npm-otp': hotp(secret, totpStep(now)),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().secondFactor).toBe('totp');
    const again = await publish(token, 'pkg:npm/%40acme/w', {
      'npm-otp': hotp(secret, totpStep(now)),
    });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('OTP_INVALID');
    expect(refusals.at(-1)).toBe('OTP_INVALID: reused code');
    now += 30_000;
    const keys = await app.inject({
      method: 'POST',
      url: `/api/v1/keys/${encodeURIComponent('pkg:npm/%40acme/*')}`,
      headers: { authorization: `Bearer ${token}`, 'x-sigil-otp': hotp(secret, totpStep(now)) },
    });
    expect(keys.statusCode).toBe(200);
  });

  it('an expired code is refused; a code is not consumed by a request refused for scope', async () => {
    const old = hotp(secret, totpStep(now) - 2);
    expect((await publish(token, 'pkg:npm/%40acme/w', { 'npm-otp': old })).json().error.code).toBe(
      'OTP_INVALID',
    );
    const narrow = (await auth.createToken('alice', { actions: ['keys'] })).token; // no publish
    const c = hotp(secret, totpStep(now));
    expect((await publish(narrow, 'pkg:npm/%40acme/w', { 'npm-otp': c })).statusCode).toBe(403);
    expect((await publish(token, 'pkg:npm/%40acme/w', { 'npm-otp': c })).statusCode).toBe(200);
  });

  it('guessing codes is rate-limited per account (429)', async () => {
    const right = hotp(secret, totpStep(now));
    const wrongs = ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].filter(
      (c) =>
        c !== right &&
        c !== hotp(secret, totpStep(now) - 1) &&
        c !== hotp(secret, totpStep(now) + 1),
    );
    const codes: number[] = [];
    for (const w of wrongs.slice(0, 6))
      codes.push((await publish(token, 'pkg:npm/%40acme/w', { 'npm-otp': w })).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes[5]).toBe(429);
    const r = await publish(token, 'pkg:npm/%40acme/w', { 'npm-otp': right });
    expect(r.statusCode).toBe(429); // even the right code must wait: no oracle while locked
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('429', () => {
  it('per-account bucket: Retry-After header and retryAfterSeconds, then recovers with the clock', async () => {
    await app.close();
    await build({ perAccount: { burst: 2, perMinute: 6 } });
    const t = (await auth.createToken('alice')).token;
    expect((await publish(t, 'pkg:npm/%40acme/w')).statusCode).toBe(200);
    expect((await publish(t, 'pkg:npm/%40acme/w')).statusCode).toBe(200);
    const r = await publish(t, 'pkg:npm/%40acme/w');
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('10');
    expect(r.json()).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'too many requests; try again in 10 s',
        hint: expect.any(String),
        detail: { retryAfterSeconds: 10 },
      },
    });
    // bob is not slowed down by alice
    expect(
      (await publish((await auth.createToken('bob')).token, 'pkg:npm/left-pad')).statusCode,
    ).toBe(200);
    now += 10_000;
    expect((await publish(t, 'pkg:npm/%40acme/w')).statusCode).toBe(200);
  });

  it('per-IP bucket applies before the token is looked at (guessing tokens is slowed too)', async () => {
    await app.close();
    await build({ perIp: { burst: 3, perMinute: 1 } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await publish(undefined, 'pkg:npm/%40acme/w')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it('buckets live in the registry database (a second process shares them), committed without touching its fsync level', async () => {
    await app.close();
    await build({ perIp: { burst: 2, perMinute: 1 } });
    const db = store.accounts.db;
    const level = db.pragma('synchronous', { simple: true });
    expect(level).toBe(2); // FULL: the registry's own commits are durable on return
    for (let i = 0; i < 2; i++) await publish(undefined, 'pkg:npm/%40acme/w');
    expect(db.pragma('synchronous', { simple: true })).toBe(level); // restored after each take
    const second = new SqliteAuthState(db.name);
    try {
      const bucket = { capacity: 2, refillPerSecond: 1 / 60 };
      expect(await second.takeRate('ip:127.0.0.1', 1, bucket, now)).toMatchObject({ ok: false });
    } finally {
      await second.close();
    }
  });

  it('buckets that refilled completely are forgotten (the table does not grow with every address)', async () => {
    await app.close();
    await build({ perIp: { burst: 2, perMinute: 60 }, otpFailures: { burst: 1, perMinute: 60 } });
    const count = () =>
      store.accounts.db.prepare('SELECT count(*) FROM rate_bucket').pluck().get() as number;
    const from = (ip: string) =>
      app.inject({ method: 'POST', url: '/api/v1/publish', remoteAddress: ip, payload: {} });
    for (let i = 1; i <= 5; i++) await from(`203.0.113.${i}`);
    expect(count()).toBe(5);
    // Every limit here is full again 30 s after its last take (the longest: perAccount, burst 30
    // at 60/min); the guard forgets such buckets once a minute.
    now += 45_000;
    await from('203.0.113.6');
    expect(count()).toBe(6); // not a minute yet: nothing forgotten
    now += 15_001;
    await from('203.0.113.7');
    expect(count()).toBe(2); // the first five (60 s old) went; .6 (15 s old) is still draining
  });
});

describe('413', () => {
  it('an upload over the route limit names the limit (authenticated client)', async () => {
    const t = (await auth.createToken('alice')).token;
    const r = await publish(t, 'pkg:npm/%40acme/w', {}, 'x'.repeat(2_000));
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({
      error: {
        code: 'UPLOAD_TOO_LARGE',
        message: "the upload is larger than this registry's limit of 1024 bytes",
        hint: expect.any(String),
        detail: { limit: 1024 },
      },
    });
  });

  it('an unauthenticated oversized upload is refused 401 before its body is read', async () => {
    const r = await publish(undefined, 'pkg:npm/%40acme/w', {}, 'x'.repeat(2_000));
    expect(r.statusCode).toBe(401);
  });

  it('uploadLimit refuses nonsense', () => {
    expect(() => uploadLimit(0)).toThrow(RangeError);
    expect(uploadLimit(10)).toEqual({ bodyLimit: 10 });
  });
});

describe('authorizeWrite (the registry routes option)', () => {
  it('returns the account, or throws AuthError that toAuthError maps', async () => {
    const t = (await auth.createToken('alice')).token;
    const ok = await publish(t, 'pkg:npm/%40acme/w');
    expect(ok.statusCode).toBe(200);
    const fake = {
      headers: { authorization: `Bearer ${t}` },
      ip: '10.0.0.1',
      log: { info() {} },
    } as never;
    await expect(guard.authorizeWrite(fake, 'publish', 'pkg:npm/%40acme/x')).resolves.toBe('alice');
    const fake2 = {
      headers: { authorization: `Bearer ${t}` },
      ip: '10.0.0.1',
      log: { info() {} },
    } as never;
    await expect(guard.authorizeWrite(fake2, 'publish', 'pkg:npm/left-pad')).rejects.toMatchObject({
      code: 'NAMESPACE_FORBIDDEN',
      status: 403,
    });
  });
});

describe('withPublishClaims', () => {
  const upload = (token: string, namespace: string, fail: boolean) =>
    app.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({ namespace, fail }),
    });

  it('a refused first publish leaves no claim and no hold: another account may claim a pattern over it at once', async () => {
    await auth.createAccount('carol');
    const carol = (await auth.createToken('carol')).token;
    expect((await upload(carol, 'pkg:npm/%40race/widget', true)).statusCode).toBe(500);
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40race/*')).toBe(true);
  });

  it('a first publish that succeeds claims its name for the uploader, and a pattern over it is refused', async () => {
    await auth.createAccount('carol');
    const carol = (await auth.createToken('carol')).token;
    expect((await upload(carol, 'pkg:npm/%40race2/widget', false)).statusCode).toBe(200);
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40race2/*')).toBe(false);
    expect(await auth.claimNamespace('carol', 'pkg:npm/%40race2/widget')).toBe(true);
  });
});
