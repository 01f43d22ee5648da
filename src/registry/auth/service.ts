/**
 * AuthService: the policy of accounts and auth over the AuthState and
 * GrantState contracts — who an `Authorization` header belongs to, what its
 * token may do, and whether the account's second factor is satisfied. The CLI
 * and the HTTP glue both use it.
 *
 * Every decision reads the shared state, never a copy in this process: with
 * replicas on one PostgreSQL, a token revoked on one is refused by all at
 * once, a TOTP step or recovery code is accepted once in all, and grants are
 * one set. Hence every method is async; an un-awaited call is a hole.
 *
 * Checks return result values (`{ ok: true, … } | { ok: false, code, reason }`);
 * `code` is what the client sees (see errors.ts), `reason` is for the server
 * log and tests only — it tells unknown, revoked and expired tokens apart, and
 * must never be sent to the client. Administrative calls throw AuthError.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccountRow, AuthState, TokenRow } from '../../store/registry/auth-state.js';
import type { GrantRow, GrantState } from '../../store/registry/grant-state.js';
import { authError, AuthError } from './errors.js';
import { systemClock, type Clock } from './rate-limit.js';
import {
  coveringPatterns,
  covers,
  normalizeNamespace,
  parseActions,
  type Action,
} from './scope.js';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  matchTotp,
  otpauthUri,
  totpStep,
} from './totp.js';
import { checkTokenFormat, generateToken, hashToken } from './tokens.js';

/** Principal: who a valid token belongs to and what it may do. */
export interface Principal {
  readonly account: string;
  readonly admin: boolean;
  readonly tokenId: string;
  /** Canonical namespace patterns of the token (`*` = whatever the account may do). */
  readonly namespaces: readonly string[];
  readonly actions: readonly Action[];
  readonly twoFactor: boolean;
}

export type AuthenticateResult =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly code: 'AUTH_REQUIRED' | 'TOKEN_MALFORMED' | 'TOKEN_INVALID';
      readonly reason: string;
    };

export type AuthorizeResult =
  | {
      readonly ok: true;
      /** No account holds the namespace yet: the first publish may claim it (call claimNamespace once it succeeded). */
      readonly unclaimed: boolean;
    }
  | {
      readonly ok: false;
      readonly code: 'TOKEN_SCOPE' | 'NAMESPACE_FORBIDDEN';
      readonly reason: string;
      /** For a pattern refused because it covers namespaces other accounts hold: those namespaces. */
      readonly covered?: readonly string[];
    };

export type SecondFactorResult =
  | { readonly ok: true; readonly method: 'not-enabled' | 'totp' | 'recovery-code' }
  | { readonly ok: false; readonly code: 'OTP_REQUIRED' | 'OTP_INVALID'; readonly reason: string };

/** TokenInfo is what listings show of a token: everything stored but its hash. */
export type TokenInfo = Omit<TokenRow, 'hash'>;

export interface CreateTokenOptions {
  /** Namespace patterns (normalized here); default `*`. */
  readonly namespaces?: readonly string[];
  /** Default `publish`. */
  readonly actions?: readonly string[];
  /** Expiry instant; undefined = never. */
  readonly expiresAt?: Date;
  readonly label?: string;
}

/** RECOVERY_CODE_COUNT recovery codes are issued when two-factor is confirmed. */
export const RECOVERY_CODE_COUNT = 10;
/** How long an unfinished first publish keeps other accounts' patterns off its name (a crashed request's hold ends then). */
export const FIRST_PUBLISH_HOLD_MS = 10 * 60_000;
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// Any 32-byte value: lets authenticate() compare in constant time even when no row matched.
const NO_HASH = Buffer.alloc(32);

export class AuthService {
  private readonly clock: Clock;

  /**
   * @param state accounts, tokens, two-factor and rate buckets (embedded: SqliteAuthState; replicas: PgAuthState)
   * @param grants grants, claims and first-publish holds (embedded: SqliteGrantState; replicas: PgGrantState)
   */
  constructor(
    readonly state: AuthState,
    readonly grants: GrantState,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  // ── accounts and grants ───────────────────────────────────────────────

  /** createAccount adds an account (AuthError ACCOUNT_NAME_INVALID, ACCOUNT_EXISTS). */
  async createAccount(name: string, options: { admin?: boolean } = {}): Promise<AccountRow> {
    if (!ACCOUNT_NAME.test(name)) {
      throw new AuthError('ACCOUNT_NAME_INVALID', 400, `account name "${name}" is not allowed`, {
        hint: 'use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
      });
    }
    if (!(await this.state.insertAccount(name, Boolean(options.admin), this.now())))
      throw new AuthError('ACCOUNT_EXISTS', 409, `account "${name}" exists already`);
    return (await this.state.getAccount(name))!;
  }

  /** listAccounts returns every account, by name. */
  listAccounts(): Promise<AccountRow[]> {
    return this.state.listAccounts();
  }

  /** grantsOf lists what `account` holds. */
  grantsOf(account: string): Promise<GrantRow[]> {
    return this.grants.grantsOf(account);
  }

  /** account returns an account (AuthError ACCOUNT_NOT_FOUND). */
  async account(name: string): Promise<AccountRow> {
    const a = await this.state.getAccount(name);
    if (!a)
      throw new AuthError('ACCOUNT_NOT_FOUND', 404, `there is no account "${name}"`, {
        hint: 'create it with `sigil account create`',
      });
    return a;
  }

  /** grant lets `account` do `actions` (default publish,keys) on a namespace pattern; returns the canonical pattern. */
  async grant(
    account: string,
    namespace: string,
    actions: readonly string[] = ['publish', 'keys'],
  ): Promise<string> {
    await this.account(account);
    const pattern = normalizeNamespace(namespace);
    await this.grants.upsertGrant(account, pattern, parseActions(actions), this.now());
    return pattern;
  }

  /**
   * First publishes in flight: a name authorised as unclaimed is claimed only once its release is
   * in (a refused upload claims nothing), so until then another account's pattern claim over it
   * must wait — else the pattern would be granted over a name that is about to be someone
   * else's. The hold is stored (GrantState: the registry database, or PostgreSQL for replicas) and
   * ends when released or after FIRST_PUBLISH_HOLD_MS (a crashed request's hold lapses).
   */

  /**
   * holdFirstPublish marks `namespace` as being first-published by `account`; resolves with the
   * release. AuthError NAMESPACE_FORBIDDEN when another account's pattern took the name since it
   * was authorised (atomic with claims, across replicas).
   */
  async holdFirstPublish(account: string, namespace: string): Promise<() => Promise<void>> {
    const ns = normalizeNamespace(namespace);
    const id = await this.grants.holdFirstPublish(
      account,
      ns,
      coveringPatterns(ns),
      this.clock() + FIRST_PUBLISH_HOLD_MS,
    );
    if (id === undefined)
      throw authError('NAMESPACE_FORBIDDEN', { namespace: ns, action: 'publish' });
    return () => this.grants.endHold(id);
  }

  /**
   * claimNamespace makes `account` the owner (publish, keys) of an unclaimed
   * namespace — call it when the first publish or key event of the namespace
   * succeeded. Atomic (also with other accounts' first-publish holds under a
   * pattern); false when another account holds it.
   */
  claimNamespace(account: string, namespace: string): Promise<boolean> {
    const ns = normalizeNamespace(namespace);
    return this.grants.claimNamespace(
      account,
      ns,
      coveringPatterns(ns),
      ['publish', 'keys'],
      this.now(),
      this.clock(),
    );
  }

  // ── tokens ────────────────────────────────────────────────────────────

  /**
   * createToken makes a token for `account`. The returned `token` text exists
   * only in this return value: the store keeps its SHA-256. Show it once.
   */
  async createToken(
    account: string,
    options: CreateTokenOptions = {},
  ): Promise<{ token: string; info: TokenInfo }> {
    await this.account(account);
    const namespaces = [
      ...new Set(
        (options.namespaces?.length ? options.namespaces : ['*']).map((n) =>
          normalizeNamespace(n, true),
        ),
      ),
    ];
    const actions = parseActions(options.actions?.length ? options.actions : ['publish']);
    if (options.expiresAt !== undefined && !(options.expiresAt.getTime() > this.clock())) {
      throw new AuthError('ACTION_INVALID', 400, 'a token must expire in the future');
    }
    const token = generateToken();
    const id = randomBytes(6).toString('hex');
    await this.state.insertToken({
      id,
      hash: hashToken(token),
      account,
      label: options.label ?? '',
      namespaces,
      actions,
      createdAt: this.now(),
      expiresAt: options.expiresAt?.toISOString() ?? null,
    });
    return { token, info: tokenInfo((await this.state.tokenById(id))!) };
  }

  async listTokens(account?: string): Promise<TokenInfo[]> {
    if (account !== undefined) await this.account(account);
    return (await this.state.listTokens(account)).map(tokenInfo);
  }

  /**
   * revokeToken revokes by id (AuthError TOKEN_NOT_FOUND); revoking twice is harmless. Every
   * process sharing the state refuses the token from its next request on (no cache to expire).
   */
  async revokeToken(id: string): Promise<TokenInfo> {
    const row = await this.state.tokenById(id);
    if (!row)
      throw new AuthError('TOKEN_NOT_FOUND', 404, `there is no token with id "${id}"`, {
        hint: 'list tokens with `sigil account token list`',
      });
    await this.state.revokeToken(id, this.now());
    return tokenInfo((await this.state.tokenById(id))!);
  }

  /**
   * authenticate reads an `Authorization` header value (`Bearer sgl_…`).
   * Wrong prefix, shape or checksum is found offline (TOKEN_MALFORMED). For a
   * well-formed token, the row is found by SHA-256 and the stored hash is
   * compared with timingSafeEqual; unknown, revoked and expired tokens then all
   * answer TOKEN_INVALID after the same work (the account is read for an unknown
   * token too), so the answer and its timing say nothing about which tokens or
   * accounts exist. The row is read from the shared state on every call: a
   * revocation on any replica counts at once.
   */
  async authenticate(header: string | undefined): Promise<AuthenticateResult> {
    if (header === undefined || header.trim() === '')
      return { ok: false, code: 'AUTH_REQUIRED', reason: 'no authorization header' };
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header); // attacker-controlled
    if (!m) return { ok: false, code: 'AUTH_REQUIRED', reason: 'not a Bearer authorization' };
    const token = m[1]!;
    const problem = checkTokenFormat(token);
    if (problem) return { ok: false, code: 'TOKEN_MALFORMED', reason: problem };
    const hash = hashToken(token);
    const row = await this.state.tokenByHash(hash);
    const same = timingSafeEqual(row?.hash ?? NO_HASH, hash);
    const account = await this.state.getAccount(row?.account ?? '');
    const nowMs = this.clock();
    let reason: string | undefined;
    if (!row || !same) reason = 'unknown token';
    else if (row.revokedAt !== null) reason = 'revoked token';
    else if (row.expiresAt !== null && Date.parse(row.expiresAt) <= nowMs) reason = 'expired token';
    else if (!account) reason = 'account deleted';
    if (reason !== undefined || !row || !account)
      return { ok: false, code: 'TOKEN_INVALID', reason: reason ?? 'unknown token' };
    // last-used is for people reading `token list`: a minute's precision is plenty, and a
    // durable write on every request would cost an fsync per publish.
    if (row.lastUsedAt === null || nowMs - Date.parse(row.lastUsedAt) >= 60_000)
      await this.state.touchToken(row.id, this.now());
    return {
      ok: true,
      principal: {
        account: account.name,
        admin: account.admin,
        tokenId: row.id,
        namespaces: row.namespaces,
        actions: row.actions as Action[],
        twoFactor: account.twoFactor === 'on',
      },
    };
  }

  /**
   * authorize says whether `principal` may do `action` on `namespace`: the
   * token must cover both (TOKEN_SCOPE), and the account must hold a grant for
   * them, be an admin, or the namespace must be unclaimed (NAMESPACE_FORBIDDEN).
   * `admin` needs an admin account and no namespace. A namespace that nobody
   * holds is allowed with `unclaimed: true` (trust on first use, as the key ledger).
   *
   * Grants compose; nothing broad overrides something narrow held by someone
   * else (DESIGN.md, "Namespaces and who may publish"):
   *   - a pattern (`pkg:npm/%40acme/*`) is refused, to admins too, when any
   *     narrower pattern or package inside it is held by another account —
   *     otherwise claiming a scope would take over the packages in it;
   *   - among the grants covering a namespace, the narrowest decide: a broad
   *     grant of one account does not reach a package another account holds.
   */
  async authorize(
    principal: Principal,
    action: Action,
    namespace?: string,
  ): Promise<AuthorizeResult> {
    if (!principal.actions.includes(action))
      return { ok: false, code: 'TOKEN_SCOPE', reason: `token lacks action ${action}` };
    if (action === 'admin')
      return principal.admin
        ? { ok: true, unclaimed: false }
        : { ok: false, code: 'NAMESPACE_FORBIDDEN', reason: 'not an admin account' };
    if (namespace === undefined) return { ok: true, unclaimed: false };
    let ns: string;
    try {
      ns = normalizeNamespace(namespace);
    } catch {
      return { ok: false, code: 'NAMESPACE_FORBIDDEN', reason: `not a namespace: ${namespace}` };
    }
    if (!principal.namespaces.some((p) => covers(p, ns)))
      return { ok: false, code: 'TOKEN_SCOPE', reason: `token does not cover ${ns}` };
    // A claim never covers what another account holds inside it (issue 11, item 1).
    const inside = (await this.grants.grantsUnder(ns)).filter(
      (g) => g.account !== principal.account,
    );
    if (inside.length > 0) {
      const held = [...new Set(inside.map((g) => `${g.pattern} (held by ${g.account})`))]
        .slice(0, 5)
        .join(', ');
      return {
        ok: false,
        code: 'NAMESPACE_FORBIDDEN',
        reason: `${ns} would cover namespaces held by other accounts: ${held}`,
        covered: [...new Set(inside.map((g) => g.pattern))].slice(0, 5),
      };
    }
    const grants = await this.grants.grantsFor(coveringPatterns(ns));
    // An admin may act anywhere, but what an admin publishes first is still claimed for the
    // admin's account: otherwise the namespace stays open to every other account (trust on
    // first use would go to whoever comes second).
    if (principal.admin) return { ok: true, unclaimed: grants.length === 0 };
    if (grants.length === 0) return { ok: true, unclaimed: true };
    // Covering patterns are nested prefixes of ns: the longer, the narrower.
    const others = grants.filter((g) => g.account !== principal.account);
    const narrowestOther = Math.max(-1, ...others.map((g) => g.pattern.length));
    if (
      grants.some(
        (g) =>
          g.account === principal.account &&
          g.actions.includes(action) &&
          g.pattern.length >= narrowestOther,
      )
    )
      return { ok: true, unclaimed: false };
    const holders = others.filter((g) => g.pattern.length === narrowestOther);
    if (holders.length === 0)
      return {
        ok: false,
        code: 'NAMESPACE_FORBIDDEN',
        reason: `the account's grant on ${ns} does not include ${action}`,
      };
    return {
      ok: false,
      code: 'NAMESPACE_FORBIDDEN',
      reason: `${ns} is held by ${[...new Set(holders.map((g) => g.account))].join(', ')} (through ${holders[0]!.pattern})`,
    };
  }

  // ── two-factor ────────────────────────────────────────────────────────

  /**
   * enableTwoFactor starts enrolment: a new secret, pending until confirmTwoFactor
   * gets a first good code. Calling it again before confirming replaces the secret.
   * AuthError TWO_FACTOR_STATE when two-factor is on already.
   */
  async enableTwoFactor(account: string): Promise<{ uri: string; secret: string }> {
    await this.account(account);
    const secret = generateTotpSecret();
    if (!(await this.state.setPendingTotp(account, secret, this.now()))) {
      throw new AuthError(
        'TWO_FACTOR_STATE',
        409,
        `two-factor authentication is already on for "${account}"`,
        { hint: 'disable it first (with a code) to enrol a new device' },
      );
    }
    return { uri: otpauthUri(account, secret), secret: base32Encode(secret) };
  }

  /**
   * confirmTwoFactor turns two-factor on with the first code from the app and
   * returns the recovery codes — shown once; only their HMACs are kept.
   * AuthError TWO_FACTOR_STATE (not pending), OTP_INVALID.
   */
  async confirmTwoFactor(account: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const t = await this.state.getTotp(account);
    if (!t || t.state !== 'pending')
      throw new AuthError(
        'TWO_FACTOR_STATE',
        409,
        `two-factor authentication is not being enabled for "${account}"`,
        { hint: 'start with `sigil account 2fa enable`' },
      );
    const step = matchTotp(t.secret, code.trim(), this.clock());
    if (step === undefined) throw authError('OTP_INVALID');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    if (
      !(await this.state.confirmTotp(
        account,
        step,
        codes.map((c) => recoveryHash(account, c)),
        this.now(),
      ))
    )
      throw authError('OTP_INVALID');
    return { recoveryCodes: codes };
  }

  /** disableTwoFactor turns two-factor off; needs a current code or a recovery code (AuthError OTP_REQUIRED, OTP_INVALID, TWO_FACTOR_STATE). */
  async disableTwoFactor(account: string, code: string | undefined): Promise<void> {
    let a = await this.account(account);
    if (a.twoFactor === 'pending') {
      // Never confirmed: nothing to protect yet. A confirmation that won the race meanwhile
      // (another request, another replica) made it `on`, which needs a code like any other.
      if (await this.state.deleteTotp(account, 'pending')) return;
      a = await this.account(account);
    }
    if (a.twoFactor === 'off') throw twoFactorNotOn(account);
    await this.demandSecondFactor(account, code);
    await this.state.deleteTotp(account, 'on');
  }

  /** newRecoveryCodes replaces the recovery codes (needs a code); returns the new ones, shown once. */
  async newRecoveryCodes(account: string, code: string | undefined): Promise<string[]> {
    if ((await this.account(account)).twoFactor !== 'on') throw twoFactorNotOn(account);
    await this.demandSecondFactor(account, code);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    await this.state.replaceRecoveryCodes(
      account,
      codes.map((c) => recoveryHash(account, c)),
    );
    return codes;
  }

  /**
   * requireSecondFactor is the check the registry runs before a publish or key
   * event (`action`): with two-factor off (or only pending) it passes; with it on,
   * `code` must be a TOTP code within ±1 step whose time step is later than the
   * last one accepted (replay refused, RFC 6238 §5.2), or an unused recovery
   * code (consumed). Missing → OTP_REQUIRED; anything else → OTP_INVALID.
   * A successful check consumes the code even if the caller's operation fails.
   */
  requireSecondFactor(
    account: string,
    code: string | undefined,
    action: Action,
  ): Promise<SecondFactorResult> {
    void action; // every write action needs the factor today; the parameter keeps room for a per-action policy
    return this.checkSecondFactor(account, code);
  }

  /** demandSecondFactor throws OTP_REQUIRED / OTP_INVALID unless `code` is a current code or an unused recovery code. */
  private async demandSecondFactor(account: string, code: string | undefined): Promise<void> {
    const r = await this.checkSecondFactor(account, code);
    if (!r.ok) throw authError(r.code);
  }

  private async checkSecondFactor(
    account: string,
    code: string | undefined,
  ): Promise<SecondFactorResult> {
    const t = await this.state.getTotp(account);
    if (!t || t.state !== 'on') return { ok: true, method: 'not-enabled' };
    const given = (code ?? '').trim(); // attacker-controlled
    if (given === '') return { ok: false, code: 'OTP_REQUIRED', reason: 'no code' };
    if (/^[0-9]{6}$/.test(given)) {
      const step = matchTotp(t.secret, given, this.clock());
      if (step === undefined)
        return { ok: false, code: 'OTP_INVALID', reason: 'wrong or expired code' };
      if (!(await this.state.useTotpStep(account, step)))
        return { ok: false, code: 'OTP_INVALID', reason: 'reused code' };
      return { ok: true, method: 'totp' };
    }
    const normalized = normalizeRecoveryCode(given);
    if (normalized === undefined) return { ok: false, code: 'OTP_INVALID', reason: 'not a code' };
    if (!(await this.state.consumeRecoveryCode(account, recoveryHash(account, normalized))))
      return { ok: false, code: 'OTP_INVALID', reason: 'wrong or used recovery code' };
    return { ok: true, method: 'recovery-code' };
  }

  /** currentStep is the RFC 6238 time step now (for tests and diagnostics). */
  currentStep(): number {
    return totpStep(this.clock());
  }
}

function tokenInfo(r: TokenRow): TokenInfo {
  const { hash: _hash, ...info } = r; // the hash never leaves the store
  return info;
}

// Recovery codes: 80 random bits as 16 base32 characters, shown as xxxx-xxxx-xxxx-xxxx.
// 80 bits make offline guessing against a stolen hash hopeless, so a keyed
// SHA-256 (keyed by the account, so equal codes of two accounts differ) suffices.
function newRecoveryCode(): string {
  return base32Encode(randomBytes(10))
    .toLowerCase()
    .replace(/(.{4})(?!$)/g, '$1-');
}

function normalizeRecoveryCode(text: string): string | undefined {
  const clean = text.replace(/[\s-]/g, '').toLowerCase();
  if (!/^[a-z2-7]{16}$/.test(clean) || base32Decode(clean)?.length !== 10) return undefined;
  return clean.replace(/(.{4})(?!$)/g, '$1-');
}

function recoveryHash(account: string, code: string): Buffer {
  return createHmac('sha256', `sigil recovery code v1\n${account}`)
    .update(code.replace(/-/g, ''))
    .digest();
}

/** The refusal of a two-factor operation on an account whose two-factor is not on. */
function twoFactorNotOn(account: string): AuthError {
  return new AuthError(
    'TWO_FACTOR_STATE',
    409,
    `two-factor authentication is not on for "${account}"`,
  );
}
