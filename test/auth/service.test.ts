// AuthService over a real SQLite file (the embedded default's AuthState and GrantState):
// tokens (wrong, revoked, expired, out of scope, typo), grants and first-publish claims, TOTP
// (missing, wrong, expired, reused), recovery codes, and no token text anywhere on disk.
// test/auth/replicas.test.ts runs the cross-replica rules on PostgreSQL.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/registry/accounts.js';
import { SqliteAuthState } from '../../src/store/registry/sqlite-auth-state.js';
import { SqliteGrantState } from '../../src/store/registry/sqlite-grant-state.js';
import { AuthError } from '../../src/registry/auth/errors.js';
import {
  AuthService,
  FIRST_PUBLISH_HOLD_MS,
  type Principal,
} from '../../src/registry/auth/service.js';
import { hashToken } from '../../src/registry/auth/tokens.js';
import { base32Decode, hotp, totpStep } from '../../src/registry/auth/totp.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string;
let state: SqliteAuthState;
let store: AccountStore;
let now: number;
let auth: AuthService;
const opened: SqliteAuthState[] = [];

/** openAuth: an AuthService on the SQLite file `file`, as one process of the embedded registry has it. */
function openAuth(file: string): { auth: AuthService; state: SqliteAuthState } {
  const s = new SqliteAuthState(file);
  opened.push(s);
  return {
    auth: new AuthService(s, new SqliteGrantState(s.accounts.db), { clock: () => now }),
    state: s,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-auth-'));
  now = T0;
  ({ auth, state } = openAuth(join(dir, 'registry.sqlite')));
  store = state.accounts;
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function principalOf(token: string): Promise<Principal> {
  const r = await auth.authenticate(`Bearer ${token}`);
  if (!r.ok) throw new Error(`expected a principal, got ${r.code} (${r.reason})`);
  return r.principal;
}

/** enrol turns 2FA on for `name` and returns the secret and the recovery codes. */
async function enrol(name: string): Promise<{ secret: Buffer; recovery: string[] }> {
  const { uri, secret } = await auth.enableTwoFactor(name);
  const u = new URL(uri);
  expect(`${u.protocol}//${u.host}${decodeURIComponent(u.pathname)}`).toBe(
    `otpauth://totp/Sigil:${name}`,
  );
  expect(Object.fromEntries(u.searchParams)).toEqual({
    secret,
    issuer: 'Sigil',
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
  const key = base32Decode(secret)!;
  const { recoveryCodes } = await auth.confirmTwoFactor(name, hotp(key, totpStep(now)));
  return { secret: key, recovery: recoveryCodes };
}

describe('accounts', () => {
  it('creates, refuses duplicates and bad names, and migrate() is idempotent', async () => {
    expect(await auth.createAccount('alice')).toMatchObject({
      name: 'alice',
      admin: false,
      twoFactor: 'off',
    });
    await expect(auth.createAccount('alice')).rejects.toMatchObject({
      code: 'ACCOUNT_EXISTS',
    });
    for (const bad of ['', 'Alice', '-x', 'a b', 'a/b', 'x'.repeat(65)])
      await expect(auth.createAccount(bad)).rejects.toMatchObject({
        code: 'ACCOUNT_NAME_INVALID',
      });
    store.migrate();
    const again = new AccountStore(join(dir, 'registry.sqlite'));
    expect(again.getAccount('alice')?.name).toBe('alice');
    again.close();
  });

  it('keeps its tables prefixed, beside the tables of others in the same file', async () => {
    store.db.exec('CREATE TABLE IF NOT EXISTS release (purl TEXT PRIMARY KEY)');
    const tables = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'release'")
      .pluck()
      .all() as string[];
    expect(tables.every((t) => /^(account|token|totp)_|^rate_bucket$/.test(t))).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(statSync(join(dir, 'registry.sqlite')).mode & 0o777).toBe(0o600);
  });
});

describe('tokens', () => {
  beforeEach(async () => {
    await auth.createAccount('alice');
    await auth.grant('alice', 'pkg:npm/@acme/*');
  });

  it('a fresh token authenticates; the text is returned once and list shows no secret', async () => {
    const { token, info } = await auth.createToken('alice', {
      namespaces: ['pkg:npm/@acme/widget'],
      actions: ['publish'],
    });
    expect(await principalOf(token)).toMatchObject({
      account: 'alice',
      tokenId: info.id,
      namespaces: ['pkg:npm/%40acme/widget'],
      actions: ['publish'],
      twoFactor: false,
    });
    expect(JSON.stringify(await auth.listTokens('alice'))).not.toContain(token.slice(4, 20));
    expect((await auth.listTokens('alice'))[0]?.lastUsedAt).toBe(new Date(T0).toISOString());
  });

  it('a wrong (well-formed, unknown) token, a revoked one and an expired one answer the same code', async () => {
    const other = openAuth(join(mkdtempSync(join(tmpdir(), 'sigil-auth-other-')), 'r.sqlite')).auth;
    await other.createAccount('alice');
    const wrong = (await other.createToken('alice')).token;
    const revoked = (await auth.createToken('alice')).token;
    await auth.revokeToken((await principalOf(revoked)).tokenId);
    const expired = (await auth.createToken('alice', { expiresAt: new Date(T0 + 60_000) })).token;
    expect((await principalOf(expired)).account).toBe('alice');
    now = T0 + 60_000;
    const results = await Promise.all(
      [wrong, revoked, expired].map((t) => auth.authenticate(`Bearer ${t}`)),
    );
    expect(results.map((r) => !r.ok && r.code)).toEqual([
      'TOKEN_INVALID',
      'TOKEN_INVALID',
      'TOKEN_INVALID',
    ]);
    expect(results.map((r) => !r.ok && r.reason)).toEqual([
      'unknown token',
      'revoked token',
      'expired token',
    ]);
  });

  it('a typo or truncation is TOKEN_MALFORMED, found by the checksum', async () => {
    const { token } = await auth.createToken('alice');
    const typo = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
    expect(await auth.authenticate(`Bearer ${typo}`)).toMatchObject({
      ok: false,
      code: 'TOKEN_MALFORMED',
      reason: 'TOKEN_CHECKSUM',
    });
    expect(await auth.authenticate(`Bearer ${token.slice(0, -2)}`)).toMatchObject({
      ok: false,
      code: 'TOKEN_MALFORMED',
    });
    expect(await auth.authenticate('Bearer npm_abcdef')).toMatchObject({
      ok: false,
      code: 'TOKEN_MALFORMED',
      reason: 'TOKEN_PREFIX',
    });
  });

  it('missing or non-Bearer authorization is AUTH_REQUIRED', async () => {
    for (const h of [undefined, '', '   ', 'Basic YWxpY2U6cHc=', 'Bearer', 'Bearer a b'])
      expect(await auth.authenticate(h)).toMatchObject({ ok: false, code: 'AUTH_REQUIRED' });
    const { token } = await auth.createToken('alice');
    expect((await auth.authenticate(`bearer   ${token} `)).ok).toBe(true);
  });

  it('refuses a past expiry and revoking an unknown id', async () => {
    await expect(auth.createToken('alice', { expiresAt: new Date(T0) })).rejects.toThrow(AuthError);
    await expect(auth.revokeToken('nope')).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    await expect(auth.createToken('bob')).rejects.toMatchObject({
      code: 'ACCOUNT_NOT_FOUND',
    });
  });

  it('tokens, recovery codes and their hex/base64 forms are never stored in clear', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await auth.createToken('alice')).token);
    const { recovery } = await enrol('alice');
    store.db.pragma('wal_checkpoint(PASSIVE)');
    const bytes = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
    expect(bytes.length).toBeGreaterThan(0);
    for (const t of tokens) {
      for (const needle of [
        t,
        t.slice(4, 24),
        Buffer.from(t).toString('hex'),
        Buffer.from(t).toString('base64').slice(0, 40),
      ])
        expect(bytes.includes(Buffer.from(needle))).toBe(false);
      expect(bytes.includes(Buffer.from(t, 'utf16le'))).toBe(false);
      expect(bytes.includes(hashToken(t))).toBe(true); // positive control: the search does see what is stored
    }
    for (const c of recovery) {
      expect(bytes.includes(Buffer.from(c))).toBe(false);
      expect(bytes.includes(Buffer.from(c.replace(/-/g, '')))).toBe(false);
    }
  });
});

describe('scopes and namespace grants', () => {
  beforeEach(async () => {
    await auth.createAccount('alice');
    await auth.createAccount('bob');
    await auth.createAccount('root', { admin: true });
    await auth.grant('alice', 'pkg:npm/%40acme/*');
    await auth.grant('bob', 'pkg:npm/left-pad', ['publish']);
  });

  it('a token covers only its namespaces and actions (TOKEN_SCOPE)', async () => {
    const p = await principalOf(
      (
        await auth.createToken('alice', {
          namespaces: ['pkg:npm/@acme/widget'],
          actions: ['publish'],
        })
      ).token,
    );
    expect(await auth.authorize(p, 'publish', 'pkg:npm/%40acme/widget')).toEqual({
      ok: true,
      unclaimed: false,
    });
    expect(await auth.authorize(p, 'publish', 'pkg:npm/%40acme/gadget')).toMatchObject({
      ok: false,
      code: 'TOKEN_SCOPE',
    });
    expect(await auth.authorize(p, 'keys', 'pkg:npm/%40acme/widget')).toMatchObject({
      ok: false,
      code: 'TOKEN_SCOPE',
    });
    expect(await auth.authorize(p, 'admin')).toMatchObject({ ok: false, code: 'TOKEN_SCOPE' });
  });

  it('a wide token is still bounded by the account grants (NAMESPACE_FORBIDDEN)', async () => {
    const p = await principalOf(
      (await auth.createToken('alice', { actions: ['publish', 'keys'] })).token,
    );
    expect(await auth.authorize(p, 'publish', 'pkg:npm/%40acme/deep')).toMatchObject({ ok: true });
    expect(await auth.authorize(p, 'keys', 'pkg:npm/%40acme/*')).toMatchObject({ ok: true }); // the scope namespace itself
    expect(await auth.authorize(p, 'publish', 'pkg:npm/left-pad')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
    const b = await principalOf(
      (await auth.createToken('bob', { actions: ['publish', 'keys'] })).token,
    );
    expect(await auth.authorize(b, 'keys', 'pkg:npm/left-pad')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    }); // granted publish only
  });

  it('an unclaimed namespace is allowed once, then claimed atomically', async () => {
    const a = await principalOf((await auth.createToken('alice')).token);
    const b = await principalOf((await auth.createToken('bob')).token);
    expect(await auth.authorize(a, 'publish', 'pkg:pypi/requests')).toEqual({
      ok: true,
      unclaimed: true,
    });
    expect(await auth.claimNamespace('alice', 'pkg:pypi/requests')).toBe(true);
    expect(await auth.claimNamespace('bob', 'pkg:pypi/requests')).toBe(false);
    expect(await auth.authorize(b, 'publish', 'pkg:pypi/requests')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
    expect(await auth.authorize(a, 'publish', 'pkg:pypi/requests')).toEqual({
      ok: true,
      unclaimed: false,
    });
    // A package under a held scope is not unclaimed.
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40acme/new')).toBe(false);
  });

  it('a pattern is not granted over a name another account is first-publishing (the claim lands after the release)', async () => {
    await auth.createAccount('carol');
    // carol's first publish of @race/widget was authorised as unclaimed; its release is not in yet.
    const release = await auth.holdFirstPublish('carol', 'pkg:npm/%40race/widget');
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40race/*')).toBe(false);
    expect(await auth.claimNamespace('carol', 'pkg:npm/%40race/*')).toBe(true); // her own hold does not stop her
    await release();
    // Without the hold (or once it ended), an unrelated pattern is free.
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40other/*')).toBe(true);
    // A request that died keeps its hold only for FIRST_PUBLISH_HOLD_MS.
    await auth.holdFirstPublish('carol', 'pkg:npm/%40late/widget');
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40late/*')).toBe(false);
    now += FIRST_PUBLISH_HOLD_MS + 1;
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40late/*')).toBe(true);
  });

  it("first-publish holds are stored: a second process on the registry database sees them, and a hold is refused once another account's pattern covers the name", async () => {
    await auth.createAccount('carol');
    {
      const other = openAuth(join(dir, 'registry.sqlite')).auth;
      const release = await auth.holdFirstPublish('carol', 'pkg:npm/%40shared/widget');
      expect(await other.claimNamespace('bob', 'pkg:npm/%40shared/*')).toBe(false);
      await release();
      expect(await other.claimNamespace('bob', 'pkg:npm/%40shared/*')).toBe(true);
      // carol's first publish of a name authorised before bob's scope landed: refused, not held.
      await expect(
        auth.holdFirstPublish('carol', 'pkg:npm/%40shared/gadget'),
      ).rejects.toMatchObject({
        code: 'NAMESPACE_FORBIDDEN',
      });
      expect(await other.claimNamespace('carol', 'pkg:npm/%40shared/gadget')).toBe(false);
    }
  });

  it('grants compose: a pattern never covers what another account holds, and a broad grant never beats a narrow one', async () => {
    await auth.createAccount('carol');
    const c = await principalOf(
      (await auth.createToken('carol', { actions: ['publish', 'keys'] })).token,
    );
    const b = await principalOf(
      (await auth.createToken('bob', { actions: ['publish', 'keys'] })).token,
    );
    // carol first-published a package inside bob's would-be scope and a Go module under github.com.
    expect(await auth.claimNamespace('carol', 'pkg:npm/%40beta/widget')).toBe(true);
    expect(await auth.claimNamespace('carol', 'pkg:golang/github.com/carol/mod')).toBe(true);
    for (const pattern of [
      'pkg:npm/%40beta/*',
      'pkg:golang/github.com/*',
      'pkg:golang/github.com/carol/*',
    ]) {
      const r = await auth.authorize(b, 'keys', pattern);
      expect(r, pattern).toMatchObject({ ok: false, code: 'NAMESPACE_FORBIDDEN' });
      expect(r.ok === false && r.covered?.length).toBe(1);
      expect(await auth.claimNamespace('bob', pattern), pattern).toBe(false);
    }
    // An admin's grant of the scope to bob does not reach carol's package; carol keeps it.
    await auth.grant('bob', 'pkg:npm/%40beta/*');
    expect(await auth.authorize(b, 'publish', 'pkg:npm/%40beta/widget')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
    expect(await auth.authorize(b, 'publish', 'pkg:npm/%40beta/other')).toEqual({
      ok: true,
      unclaimed: false,
    });
    expect(await auth.authorize(c, 'publish', 'pkg:npm/%40beta/widget')).toEqual({
      ok: true,
      unclaimed: false,
    });
    // Admins too: a claim over another account's package is refused.
    const r = await principalOf(
      (await auth.createToken('root', { actions: ['publish', 'keys'] })).token,
    );
    expect(await auth.authorize(r, 'keys', 'pkg:golang/github.com/*')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
  });

  it('admins act on any namespace their token covers; admin action needs an admin account', async () => {
    const r = await principalOf(
      (await auth.createToken('root', { actions: ['publish', 'admin'] })).token,
    );
    expect(await auth.authorize(r, 'publish', 'pkg:npm/left-pad')).toMatchObject({ ok: true });
    expect(await auth.authorize(r, 'admin')).toMatchObject({ ok: true });
    const a = await principalOf((await auth.createToken('alice', { actions: ['admin'] })).token);
    expect(await auth.authorize(a, 'admin')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
  });

  it('namespaces are canonical purls without version', async () => {
    expect(await auth.grant('alice', 'pkg:npm/@Acme/Thing')).toBe('pkg:npm/%40acme/thing');
    for (const bad of ['left-pad', 'pkg:npm/left-pad@1.0.0', '*', 'pkg:npm/x?a=b'])
      await expect(auth.grant('alice', bad)).rejects.toMatchObject({
        code: 'NAMESPACE_INVALID',
      });
  });
});

describe('TOTP two-factor', () => {
  beforeEach(async () => {
    await auth.createAccount('alice');
  });

  it('is not required until confirmed; confirm needs a right code', async () => {
    expect(await auth.requireSecondFactor('alice', undefined, 'publish')).toEqual({
      ok: true,
      method: 'not-enabled',
    });
    const { secret } = await auth.enableTwoFactor('alice');
    expect(store.getAccount('alice')?.twoFactor).toBe('pending');
    expect((await auth.requireSecondFactor('alice', undefined, 'publish')).ok).toBe(true);
    await expect(
      auth.confirmTwoFactor(
        'alice',
        '000000' === hotp(base32Decode(secret)!, totpStep(now)) ? '111111' : '000000',
      ),
    ).rejects.toMatchObject({ code: 'OTP_INVALID' });
    await auth.confirmTwoFactor('alice', hotp(base32Decode(secret)!, totpStep(now)));
    expect(store.getAccount('alice')?.twoFactor).toBe('on');
    await expect(auth.enableTwoFactor('alice')).rejects.toMatchObject({
      code: 'TWO_FACTOR_STATE',
    });
  });

  it('refuses missing, wrong, expired and reused codes', async () => {
    const { secret } = await enrol('alice');
    const code = (t: number) => hotp(secret, totpStep(t));
    now += 60_000;
    expect(await auth.requireSecondFactor('alice', undefined, 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_REQUIRED',
    });
    expect(await auth.requireSecondFactor('alice', '  ', 'keys')).toMatchObject({
      ok: false,
      code: 'OTP_REQUIRED',
    });
    const wrong = code(now) === '123456' ? '654321' : '123456';
    expect(await auth.requireSecondFactor('alice', wrong, 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
      reason: 'wrong or expired code',
    });
    expect(await auth.requireSecondFactor('alice', code(now - 60_000), 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
      reason: 'wrong or expired code',
    });
    expect(await auth.requireSecondFactor('alice', code(now), 'publish')).toEqual({
      ok: true,
      method: 'totp',
    });
    expect(await auth.requireSecondFactor('alice', code(now), 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
      reason: 'reused code',
    });
    // A code of the previous step is still in the window, but older than the one used: replay.
    expect(await auth.requireSecondFactor('alice', code(now - 30_000), 'keys')).toMatchObject({
      ok: false,
      reason: 'reused code',
    });
    // The next step's code works (clock skew of the device, ahead by one step).
    expect(await auth.requireSecondFactor('alice', code(now + 30_000), 'keys')).toEqual({
      ok: true,
      method: 'totp',
    });
    now += 30_000;
    expect(await auth.requireSecondFactor('alice', code(now), 'keys')).toMatchObject({
      ok: false,
      reason: 'reused code',
    }); // that step is spent
    now += 30_000;
    expect(await auth.requireSecondFactor('alice', code(now), 'keys')).toEqual({
      ok: true,
      method: 'totp',
    });
  });

  it('the code that confirmed enrolment cannot be replayed', async () => {
    const { secret } = await auth.enableTwoFactor('alice');
    const c = hotp(base32Decode(secret)!, totpStep(now));
    await auth.confirmTwoFactor('alice', c);
    expect(await auth.requireSecondFactor('alice', c, 'publish')).toMatchObject({
      ok: false,
      reason: 'reused code',
    });
  });

  it('recovery codes work once each, in any spelling', async () => {
    const { recovery } = await enrol('alice');
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect(recovery[0]).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(await auth.requireSecondFactor('alice', recovery[0], 'publish')).toEqual({
      ok: true,
      method: 'recovery-code',
    });
    expect(await auth.requireSecondFactor('alice', recovery[0], 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
    });
    expect(
      await auth.requireSecondFactor(
        'alice',
        recovery[1]!.toUpperCase().replace(/-/g, ' '),
        'publish',
      ),
    ).toEqual({ ok: true, method: 'recovery-code' });
    expect(store.countRecoveryCodes('alice')).toBe(8);
    // bob's codes are not alice's
    await auth.createAccount('bob');
    const bob = await enrol('bob');
    expect(await auth.requireSecondFactor('alice', bob.recovery[0], 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
    });
  });

  it('disable needs a code; afterwards no code is required', async () => {
    const { secret } = await enrol('alice');
    now += 30_000;
    await expect(auth.disableTwoFactor('alice', undefined)).rejects.toMatchObject({
      code: 'OTP_REQUIRED',
    });
    await expect(auth.disableTwoFactor('alice', 'abcd-efgh-ijkl-mnop')).rejects.toMatchObject({
      code: 'OTP_INVALID',
    });
    await auth.disableTwoFactor('alice', hotp(secret, totpStep(now)));
    expect(store.getAccount('alice')?.twoFactor).toBe('off');
    expect(store.countRecoveryCodes('alice')).toBe(0);
    expect((await auth.requireSecondFactor('alice', undefined, 'publish')).ok).toBe(true);
  });

  it('new recovery codes replace the old ones', async () => {
    const { recovery } = await enrol('alice');
    const fresh = await auth.newRecoveryCodes('alice', recovery[0]);
    expect((await auth.requireSecondFactor('alice', recovery[1], 'publish')).ok).toBe(false);
    expect((await auth.requireSecondFactor('alice', fresh[0], 'publish')).ok).toBe(true);
  });

  it('two connections to one file: a code is accepted by exactly one', async () => {
    const { secret } = await enrol('alice');
    now += 30_000;
    const second = openAuth(join(dir, 'registry.sqlite')).auth;
    const c = hotp(secret, totpStep(now));
    const results = await Promise.all([
      auth.requireSecondFactor('alice', c, 'publish'),
      second.requireSecondFactor('alice', c, 'publish'),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });
});
