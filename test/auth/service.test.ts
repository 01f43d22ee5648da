// AuthService over a real SQLite file: tokens (wrong, revoked, expired, out of
// scope, typo), grants and first-publish claims, TOTP (missing, wrong, expired,
// reused), recovery codes, and no token text anywhere on disk.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/registry/accounts.js';
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
let store: AccountStore;
let now: number;
let auth: AuthService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-auth-'));
  store = new AccountStore(join(dir, 'registry.sqlite'));
  now = T0;
  auth = new AuthService(store, { clock: () => now });
});
afterEach(() => store.close());

function principalOf(token: string): Principal {
  const r = auth.authenticate(`Bearer ${token}`);
  if (!r.ok) throw new Error(`expected a principal, got ${r.code} (${r.reason})`);
  return r.principal;
}

/** enrol turns 2FA on for `name` and returns the secret and the recovery codes. */
function enrol(name: string): { secret: Buffer; recovery: string[] } {
  const { uri, secret } = auth.enableTwoFactor(name);
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
  const { recoveryCodes } = auth.confirmTwoFactor(name, hotp(key, totpStep(now)));
  return { secret: key, recovery: recoveryCodes };
}

describe('accounts', () => {
  it('creates, refuses duplicates and bad names, and migrate() is idempotent', () => {
    expect(auth.createAccount('alice')).toMatchObject({
      name: 'alice',
      admin: false,
      twoFactor: 'off',
    });
    expect(() => auth.createAccount('alice')).toThrow(
      expect.objectContaining({ code: 'ACCOUNT_EXISTS' }),
    );
    for (const bad of ['', 'Alice', '-x', 'a b', 'a/b', 'x'.repeat(65)])
      expect(() => auth.createAccount(bad)).toThrow(
        expect.objectContaining({ code: 'ACCOUNT_NAME_INVALID' }),
      );
    store.migrate();
    const again = new AccountStore(join(dir, 'registry.sqlite'));
    expect(again.getAccount('alice')?.name).toBe('alice');
    again.close();
  });

  it('keeps its tables prefixed, beside the tables of others in the same file', () => {
    store.db.exec('CREATE TABLE IF NOT EXISTS release (purl TEXT PRIMARY KEY)');
    const tables = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'release'")
      .pluck()
      .all() as string[];
    expect(tables.every((t) => /^(account|token|totp)_/.test(t))).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(statSync(join(dir, 'registry.sqlite')).mode & 0o777).toBe(0o600);
  });
});

describe('tokens', () => {
  beforeEach(() => {
    auth.createAccount('alice');
    auth.grant('alice', 'pkg:npm/@acme/*');
  });

  it('a fresh token authenticates; the text is returned once and list shows no secret', () => {
    const { token, info } = auth.createToken('alice', {
      namespaces: ['pkg:npm/@acme/widget'],
      actions: ['publish'],
    });
    expect(principalOf(token)).toMatchObject({
      account: 'alice',
      tokenId: info.id,
      namespaces: ['pkg:npm/%40acme/widget'],
      actions: ['publish'],
      twoFactor: false,
    });
    expect(JSON.stringify(auth.listTokens('alice'))).not.toContain(token.slice(4, 20));
    expect(auth.listTokens('alice')[0]?.lastUsedAt).toBe(new Date(T0).toISOString());
  });

  it('a wrong (well-formed, unknown) token, a revoked one and an expired one answer the same code', () => {
    const other = new AuthService(
      new AccountStore(join(mkdtempSync(join(tmpdir(), 'sigil-auth-other-')), 'r.sqlite')),
    );
    other.createAccount('alice');
    const wrong = other.createToken('alice').token;
    const revoked = auth.createToken('alice').token;
    auth.revokeToken(principalOf(revoked).tokenId);
    const expired = auth.createToken('alice', { expiresAt: new Date(T0 + 60_000) }).token;
    expect(principalOf(expired).account).toBe('alice');
    now = T0 + 60_000;
    const results = [wrong, revoked, expired].map((t) => auth.authenticate(`Bearer ${t}`));
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

  it('a typo or truncation is TOKEN_MALFORMED, found by the checksum', () => {
    const { token } = auth.createToken('alice');
    const typo = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
    expect(auth.authenticate(`Bearer ${typo}`)).toMatchObject({
      ok: false,
      code: 'TOKEN_MALFORMED',
      reason: 'TOKEN_CHECKSUM',
    });
    expect(auth.authenticate(`Bearer ${token.slice(0, -2)}`)).toMatchObject({
      ok: false,
      code: 'TOKEN_MALFORMED',
    });
    expect(auth.authenticate('Bearer npm_abcdef')).toMatchObject({
      ok: false,
      code: 'TOKEN_MALFORMED',
      reason: 'TOKEN_PREFIX',
    });
  });

  it('missing or non-Bearer authorization is AUTH_REQUIRED', () => {
    for (const h of [undefined, '', '   ', 'Basic YWxpY2U6cHc=', 'Bearer', 'Bearer a b'])
      expect(auth.authenticate(h)).toMatchObject({ ok: false, code: 'AUTH_REQUIRED' });
    const { token } = auth.createToken('alice');
    expect(auth.authenticate(`bearer   ${token} `).ok).toBe(true);
  });

  it('refuses a past expiry and revoking an unknown id', () => {
    expect(() => auth.createToken('alice', { expiresAt: new Date(T0) })).toThrow(AuthError);
    expect(() => auth.revokeToken('nope')).toThrow(
      expect.objectContaining({ code: 'TOKEN_NOT_FOUND' }),
    );
    expect(() => auth.createToken('bob')).toThrow(
      expect.objectContaining({ code: 'ACCOUNT_NOT_FOUND' }),
    );
  });

  it('tokens, recovery codes and their hex/base64 forms are never stored in clear', () => {
    const tokens = Array.from({ length: 5 }, () => auth.createToken('alice').token);
    const { recovery } = enrol('alice');
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
  beforeEach(() => {
    auth.createAccount('alice');
    auth.createAccount('bob');
    auth.createAccount('root', { admin: true });
    auth.grant('alice', 'pkg:npm/%40acme/*');
    auth.grant('bob', 'pkg:npm/left-pad', ['publish']);
  });

  it('a token covers only its namespaces and actions (TOKEN_SCOPE)', () => {
    const p = principalOf(
      auth.createToken('alice', { namespaces: ['pkg:npm/@acme/widget'], actions: ['publish'] })
        .token,
    );
    expect(auth.authorize(p, 'publish', 'pkg:npm/%40acme/widget')).toEqual({
      ok: true,
      unclaimed: false,
    });
    expect(auth.authorize(p, 'publish', 'pkg:npm/%40acme/gadget')).toMatchObject({
      ok: false,
      code: 'TOKEN_SCOPE',
    });
    expect(auth.authorize(p, 'keys', 'pkg:npm/%40acme/widget')).toMatchObject({
      ok: false,
      code: 'TOKEN_SCOPE',
    });
    expect(auth.authorize(p, 'admin')).toMatchObject({ ok: false, code: 'TOKEN_SCOPE' });
  });

  it('a wide token is still bounded by the account grants (NAMESPACE_FORBIDDEN)', () => {
    const p = principalOf(auth.createToken('alice', { actions: ['publish', 'keys'] }).token);
    expect(auth.authorize(p, 'publish', 'pkg:npm/%40acme/deep')).toMatchObject({ ok: true });
    expect(auth.authorize(p, 'keys', 'pkg:npm/%40acme/*')).toMatchObject({ ok: true }); // the scope namespace itself
    expect(auth.authorize(p, 'publish', 'pkg:npm/left-pad')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
    const b = principalOf(auth.createToken('bob', { actions: ['publish', 'keys'] }).token);
    expect(auth.authorize(b, 'keys', 'pkg:npm/left-pad')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    }); // granted publish only
  });

  it('an unclaimed namespace is allowed once, then claimed atomically', async () => {
    const a = principalOf(auth.createToken('alice').token);
    const b = principalOf(auth.createToken('bob').token);
    expect(auth.authorize(a, 'publish', 'pkg:pypi/requests')).toEqual({
      ok: true,
      unclaimed: true,
    });
    expect(await auth.claimNamespace('alice', 'pkg:pypi/requests')).toBe(true);
    expect(await auth.claimNamespace('bob', 'pkg:pypi/requests')).toBe(false);
    expect(auth.authorize(b, 'publish', 'pkg:pypi/requests')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
    expect(auth.authorize(a, 'publish', 'pkg:pypi/requests')).toEqual({
      ok: true,
      unclaimed: false,
    });
    // A package under a held scope is not unclaimed.
    expect(await auth.claimNamespace('bob', 'pkg:npm/%40acme/new')).toBe(false);
  });

  it('a pattern is not granted over a name another account is first-publishing (the claim lands after the release)', async () => {
    auth.createAccount('carol');
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
    auth.createAccount('carol');
    const otherStore = new AccountStore(join(dir, 'registry.sqlite'));
    try {
      const other = new AuthService(otherStore, { clock: () => now });
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
    } finally {
      otherStore.close();
    }
  });

  it('grants compose: a pattern never covers what another account holds, and a broad grant never beats a narrow one', async () => {
    auth.createAccount('carol');
    const c = principalOf(auth.createToken('carol', { actions: ['publish', 'keys'] }).token);
    const b = principalOf(auth.createToken('bob', { actions: ['publish', 'keys'] }).token);
    // carol first-published a package inside bob's would-be scope and a Go module under github.com.
    expect(await auth.claimNamespace('carol', 'pkg:npm/%40beta/widget')).toBe(true);
    expect(await auth.claimNamespace('carol', 'pkg:golang/github.com/carol/mod')).toBe(true);
    for (const pattern of [
      'pkg:npm/%40beta/*',
      'pkg:golang/github.com/*',
      'pkg:golang/github.com/carol/*',
    ]) {
      const r = auth.authorize(b, 'keys', pattern);
      expect(r, pattern).toMatchObject({ ok: false, code: 'NAMESPACE_FORBIDDEN' });
      expect(r.ok === false && r.covered?.length).toBe(1);
      expect(await auth.claimNamespace('bob', pattern), pattern).toBe(false);
    }
    // An admin's grant of the scope to bob does not reach carol's package; carol keeps it.
    auth.grant('bob', 'pkg:npm/%40beta/*');
    expect(auth.authorize(b, 'publish', 'pkg:npm/%40beta/widget')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
    expect(auth.authorize(b, 'publish', 'pkg:npm/%40beta/other')).toEqual({
      ok: true,
      unclaimed: false,
    });
    expect(auth.authorize(c, 'publish', 'pkg:npm/%40beta/widget')).toEqual({
      ok: true,
      unclaimed: false,
    });
    // Admins too: a claim over another account's package is refused.
    const r = principalOf(auth.createToken('root', { actions: ['publish', 'keys'] }).token);
    expect(auth.authorize(r, 'keys', 'pkg:golang/github.com/*')).toMatchObject({
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
    });
  });

  it('admins act on any namespace their token covers; admin action needs an admin account', () => {
    const r = principalOf(auth.createToken('root', { actions: ['publish', 'admin'] }).token);
    expect(auth.authorize(r, 'publish', 'pkg:npm/left-pad')).toMatchObject({ ok: true });
    expect(auth.authorize(r, 'admin')).toMatchObject({ ok: true });
    const a = principalOf(auth.createToken('alice', { actions: ['admin'] }).token);
    expect(auth.authorize(a, 'admin')).toMatchObject({ ok: false, code: 'NAMESPACE_FORBIDDEN' });
  });

  it('namespaces are canonical purls without version', () => {
    expect(auth.grant('alice', 'pkg:npm/@Acme/Thing')).toBe('pkg:npm/%40acme/thing');
    for (const bad of ['left-pad', 'pkg:npm/left-pad@1.0.0', '*', 'pkg:npm/x?a=b'])
      expect(() => auth.grant('alice', bad)).toThrow(
        expect.objectContaining({ code: 'NAMESPACE_INVALID' }),
      );
  });
});

describe('TOTP two-factor', () => {
  beforeEach(() => {
    auth.createAccount('alice');
  });

  it('is not required until confirmed; confirm needs a right code', () => {
    expect(auth.requireSecondFactor('alice', undefined, 'publish')).toEqual({
      ok: true,
      method: 'not-enabled',
    });
    const { secret } = auth.enableTwoFactor('alice');
    expect(store.getAccount('alice')?.twoFactor).toBe('pending');
    expect(auth.requireSecondFactor('alice', undefined, 'publish').ok).toBe(true);
    expect(() =>
      auth.confirmTwoFactor(
        'alice',
        '000000' === hotp(base32Decode(secret)!, totpStep(now)) ? '111111' : '000000',
      ),
    ).toThrow(expect.objectContaining({ code: 'OTP_INVALID' }));
    auth.confirmTwoFactor('alice', hotp(base32Decode(secret)!, totpStep(now)));
    expect(store.getAccount('alice')?.twoFactor).toBe('on');
    expect(() => auth.enableTwoFactor('alice')).toThrow(
      expect.objectContaining({ code: 'TWO_FACTOR_STATE' }),
    );
  });

  it('refuses missing, wrong, expired and reused codes', () => {
    const { secret } = enrol('alice');
    const code = (t: number) => hotp(secret, totpStep(t));
    now += 60_000;
    expect(auth.requireSecondFactor('alice', undefined, 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_REQUIRED',
    });
    expect(auth.requireSecondFactor('alice', '  ', 'keys')).toMatchObject({
      ok: false,
      code: 'OTP_REQUIRED',
    });
    const wrong = code(now) === '123456' ? '654321' : '123456';
    expect(auth.requireSecondFactor('alice', wrong, 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
      reason: 'wrong or expired code',
    });
    expect(auth.requireSecondFactor('alice', code(now - 60_000), 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
      reason: 'wrong or expired code',
    });
    expect(auth.requireSecondFactor('alice', code(now), 'publish')).toEqual({
      ok: true,
      method: 'totp',
    });
    expect(auth.requireSecondFactor('alice', code(now), 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
      reason: 'reused code',
    });
    // A code of the previous step is still in the window, but older than the one used: replay.
    expect(auth.requireSecondFactor('alice', code(now - 30_000), 'keys')).toMatchObject({
      ok: false,
      reason: 'reused code',
    });
    // The next step's code works (clock skew of the device, ahead by one step).
    expect(auth.requireSecondFactor('alice', code(now + 30_000), 'keys')).toEqual({
      ok: true,
      method: 'totp',
    });
    now += 30_000;
    expect(auth.requireSecondFactor('alice', code(now), 'keys')).toMatchObject({
      ok: false,
      reason: 'reused code',
    }); // that step is spent
    now += 30_000;
    expect(auth.requireSecondFactor('alice', code(now), 'keys')).toEqual({
      ok: true,
      method: 'totp',
    });
  });

  it('the code that confirmed enrolment cannot be replayed', () => {
    const { secret } = auth.enableTwoFactor('alice');
    const c = hotp(base32Decode(secret)!, totpStep(now));
    auth.confirmTwoFactor('alice', c);
    expect(auth.requireSecondFactor('alice', c, 'publish')).toMatchObject({
      ok: false,
      reason: 'reused code',
    });
  });

  it('recovery codes work once each, in any spelling', () => {
    const { recovery } = enrol('alice');
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    expect(recovery[0]).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(auth.requireSecondFactor('alice', recovery[0], 'publish')).toEqual({
      ok: true,
      method: 'recovery-code',
    });
    expect(auth.requireSecondFactor('alice', recovery[0], 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
    });
    expect(
      auth.requireSecondFactor('alice', recovery[1]!.toUpperCase().replace(/-/g, ' '), 'publish'),
    ).toEqual({ ok: true, method: 'recovery-code' });
    expect(store.countRecoveryCodes('alice')).toBe(8);
    // bob's codes are not alice's
    auth.createAccount('bob');
    const bob = enrol('bob');
    expect(auth.requireSecondFactor('alice', bob.recovery[0], 'publish')).toMatchObject({
      ok: false,
      code: 'OTP_INVALID',
    });
  });

  it('disable needs a code; afterwards no code is required', () => {
    const { secret } = enrol('alice');
    now += 30_000;
    expect(() => auth.disableTwoFactor('alice', undefined)).toThrow(
      expect.objectContaining({ code: 'OTP_REQUIRED' }),
    );
    expect(() => auth.disableTwoFactor('alice', 'abcd-efgh-ijkl-mnop')).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID' }),
    );
    auth.disableTwoFactor('alice', hotp(secret, totpStep(now)));
    expect(store.getAccount('alice')?.twoFactor).toBe('off');
    expect(store.countRecoveryCodes('alice')).toBe(0);
    expect(auth.requireSecondFactor('alice', undefined, 'publish').ok).toBe(true);
  });

  it('new recovery codes replace the old ones', () => {
    const { recovery } = enrol('alice');
    const fresh = auth.newRecoveryCodes('alice', recovery[0]);
    expect(auth.requireSecondFactor('alice', recovery[1], 'publish').ok).toBe(false);
    expect(auth.requireSecondFactor('alice', fresh[0], 'publish').ok).toBe(true);
  });

  it('two connections to one file: a code is accepted by exactly one', () => {
    const { secret } = enrol('alice');
    now += 30_000;
    const second = new AuthService(new AccountStore(join(dir, 'registry.sqlite')), {
      clock: () => now,
    });
    const c = hotp(secret, totpStep(now));
    const results = [
      auth.requireSecondFactor('alice', c, 'publish'),
      second.requireSecondFactor('alice', c, 'publish'),
    ];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    second.store.close();
  });
});
