/**
 * AccountStore: accounts, namespace grants, publish tokens and TOTP state in
 * SQLite (better-sqlite3, synchronous).
 *
 * Contract:
 * - One database file, shared with the registry's own tables: every table here
 *   is prefixed `account_`, `token_` or `totp_` and created by {@link AccountStore.migrate}
 *   with `CREATE TABLE IF NOT EXISTS`, so migrate() is idempotent and may run on
 *   every start, by every process. Open by path (WAL, synchronous=FULL,
 *   busy_timeout 5 s) or pass the registry's own `Database` so that
 *   {@link AccountStore.claimNamespace} can run inside the registry's transaction.
 * - Every method is durable on return (one statement or one transaction).
 * - Secrets: tokens are stored only as SHA-256 (32-byte BLOB); recovery codes
 *   only as HMAC-SHA-256. The TOTP shared secret is stored as is: the server
 *   must recompute codes from it (RFC 6238 has no verifier-only form), so the
 *   database file must be readable only by the registry (0600; TODO: encrypt it
 *   under the registry key).
 * - Replay: {@link AccountStore.useTotpStep} and {@link AccountStore.consumeRecoveryCode}
 *   are single atomic statements; of two concurrent uses of one code exactly
 *   one succeeds, also across processes sharing the file.
 * - Names and patterns are stored as given: callers pass canonical values
 *   (see src/registry/auth/scope.ts). This file has no policy; AuthService has.
 * - Times are ISO 8601 UTC strings, passed in by the caller (injectable clock).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TOKEN_INSERT_COLUMNS, tokenInsertValues } from './token-columns.js';

export interface AccountRow {
  readonly name: string;
  readonly createdAt: string;
  readonly admin: boolean;
  /** Two-factor state: off, pending (enabled, not yet confirmed with a first code) or on. */
  readonly twoFactor: 'off' | 'pending' | 'on';
}

export interface GrantRow {
  readonly account: string;
  readonly pattern: string;
  readonly actions: readonly string[];
  readonly grantedAt: string;
}

export interface TokenRow {
  /** Public id (for list and revoke); says nothing about the secret. */
  readonly id: string;
  /** SHA-256 of the token. */
  readonly hash: Buffer;
  readonly account: string;
  readonly label: string;
  readonly namespaces: readonly string[];
  readonly actions: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface TotpRow {
  readonly account: string;
  readonly secret: Buffer;
  readonly state: 'pending' | 'on';
  readonly createdAt: string;
  readonly enabledAt: string | null;
  /** The last RFC 6238 time step accepted for this account; a code for it or an earlier step is a replay. */
  readonly lastStep: number | null;
}

export class AccountStore {
  readonly db: Database.Database;
  private readonly owned: boolean;
  private readonly statements = new Map<string, Database.Statement>();

  /** q returns a prepared statement, prepared once per store (preparing costs more than running these). */
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Open `path` (created 0600 with its folder when missing) or use an open database. Runs migrate(). */
  constructor(pathOrDb: string | Database.Database) {
    if (typeof pathOrDb === 'string') {
      mkdirSync(dirname(pathOrDb), { recursive: true, mode: 0o700 });
      const fresh = !existsSync(pathOrDb);
      this.db = new Database(pathOrDb);
      if (fresh) chmodSync(pathOrDb, 0o600);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.owned = true;
    } else {
      this.db = pathOrDb;
      this.owned = false;
    }
    this.migrate();
  }

  /** migrate creates the tables when missing. Idempotent. */
  migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS account_accounts (
        name TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS account_namespaces (
        account TEXT NOT NULL REFERENCES account_accounts (name),
        pattern TEXT NOT NULL,
        actions TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        PRIMARY KEY (account, pattern)
      );
      CREATE INDEX IF NOT EXISTS account_namespaces_pattern ON account_namespaces (pattern);
      CREATE TABLE IF NOT EXISTS token_tokens (
        id TEXT PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
        account TEXT NOT NULL REFERENCES account_accounts (name),
        label TEXT NOT NULL DEFAULT '',
        namespaces TEXT NOT NULL,
        actions TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT,
        last_used_at TEXT
      );
      CREATE INDEX IF NOT EXISTS token_tokens_account ON token_tokens (account);
      CREATE TABLE IF NOT EXISTS totp_secrets (
        account TEXT PRIMARY KEY REFERENCES account_accounts (name),
        secret BLOB NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'on')),
        created_at TEXT NOT NULL,
        enabled_at TEXT,
        last_step INTEGER
      );
      CREATE TABLE IF NOT EXISTS totp_recovery_codes (
        account TEXT NOT NULL REFERENCES account_accounts (name),
        hash BLOB NOT NULL,
        PRIMARY KEY (account, hash)
      );
    `);
  }

  /** close closes the database when this store opened it. */
  close(): void {
    if (this.owned) this.db.close();
  }

  // ── accounts ──────────────────────────────────────────────────────────

  /** insertAccount adds an account; false when the name is taken. */
  insertAccount(name: string, admin: boolean, now: string): boolean {
    return (
      this.q(
        'INSERT OR IGNORE INTO account_accounts (name, created_at, is_admin) VALUES (?, ?, ?)',
      ).run(name, now, admin ? 1 : 0).changes === 1
    );
  }

  getAccount(name: string): AccountRow | undefined {
    const r = this.q(
      `SELECT a.name, a.created_at AS createdAt, a.is_admin AS admin, t.state AS state
                FROM account_accounts a LEFT JOIN totp_secrets t ON t.account = a.name WHERE a.name = ?`,
    ).get(name) as
      | { name: string; createdAt: string; admin: number; state: 'pending' | 'on' | null }
      | undefined;
    return (
      r && {
        name: r.name,
        createdAt: r.createdAt,
        admin: r.admin === 1,
        twoFactor: r.state ?? 'off',
      }
    );
  }

  listAccounts(): AccountRow[] {
    const names = this.q('SELECT name FROM account_accounts ORDER BY name')
      .pluck()
      .all() as string[];
    return names.map((n) => this.getAccount(n)!);
  }

  // ── namespace grants ──────────────────────────────────────────────────

  /** upsertGrant gives `account` the `actions` on `pattern` (replacing an earlier grant of the same pattern). */
  upsertGrant(account: string, pattern: string, actions: readonly string[], now: string): void {
    this.q(
      'INSERT INTO account_namespaces (account, pattern, actions, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT (account, pattern) DO UPDATE SET actions = excluded.actions, granted_at = excluded.granted_at',
    ).run(account, pattern, JSON.stringify(actions), now);
  }

  /** deleteGrant removes one grant; false when there was none. */
  deleteGrant(account: string, pattern: string): boolean {
    return (
      this.q('DELETE FROM account_namespaces WHERE account = ? AND pattern = ?').run(
        account,
        pattern,
      ).changes === 1
    );
  }

  grantsOf(account: string): GrantRow[] {
    return (
      this.q(
        'SELECT account, pattern, actions, granted_at AS grantedAt FROM account_namespaces WHERE account = ? ORDER BY pattern',
      ).all(account) as RawGrant[]
    ).map(grantRow);
  }

  /** grantsFor returns every grant, of any account, whose pattern is one of `patterns` (see coveringPatterns). */
  grantsFor(patterns: readonly string[]): GrantRow[] {
    if (patterns.length === 0) return [];
    const marks = patterns.map(() => '?').join(', ');
    return (
      this.q(
        `SELECT account, pattern, actions, granted_at AS grantedAt FROM account_namespaces WHERE pattern IN (${marks}) ORDER BY account, pattern`,
      ).all(...patterns) as RawGrant[]
    ).map(grantRow);
  }

  /**
   * grantsUnder returns every grant, of any account, whose pattern lies strictly
   * inside the prefix pattern `pattern` (`pkg:npm/%40acme/*` → `pkg:npm/%40acme/widget`,
   * `pkg:npm/%40acme/x/*`); none for a package pattern.
   */
  grantsUnder(pattern: string): GrantRow[] {
    if (!pattern.endsWith('/*')) return [];
    const prefix = pattern.slice(0, -1);
    return (
      this.db
        .prepare(
          'SELECT account, pattern, actions, granted_at AS grantedAt FROM account_namespaces WHERE substr(pattern, 1, ?) = ? AND pattern <> ? ORDER BY account, pattern',
        )
        .all(prefix.length, prefix, pattern) as RawGrant[]
    ).map(grantRow);
  }

  /**
   * claimNamespace grants `account` the `actions` on `pattern` only if no grant
   * with any of `covering` exists, and (for a prefix pattern) no other account
   * holds a grant inside it — atomically (one IMMEDIATE transaction), so of
   * two first publishers of a namespace only one becomes its owner.
   * Returns true when `account` owns it afterwards (just claimed, or already).
   */
  claimNamespace(
    account: string,
    pattern: string,
    covering: readonly string[],
    actions: readonly string[],
    now: string,
  ): boolean {
    const run = this.db.transaction(() => {
      const existing = this.grantsFor(covering);
      if (existing.length > 0) return existing.some((g) => g.account === account);
      if (this.grantsUnder(pattern).some((g) => g.account !== account)) return false;
      this.upsertGrant(account, pattern, actions, now);
      return true;
    });
    return this.db.inTransaction ? run() : run.immediate();
  }

  // ── tokens ────────────────────────────────────────────────────────────

  insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): void {
    this.q(
      `INSERT INTO token_tokens (${TOKEN_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...tokenInsertValues(t));
  }

  /** tokenByHash finds a token by the SHA-256 of its text. */
  tokenByHash(hash: Buffer): TokenRow | undefined {
    const r = this.q(`SELECT ${TOKEN_COLUMNS} FROM token_tokens WHERE hash = ?`).get(hash) as
      RawToken | undefined;
    return r && tokenRow(r);
  }

  tokenById(id: string): TokenRow | undefined {
    const r = this.q(`SELECT ${TOKEN_COLUMNS} FROM token_tokens WHERE id = ?`).get(id) as
      RawToken | undefined;
    return r && tokenRow(r);
  }

  listTokens(account?: string): TokenRow[] {
    const rows = (
      account === undefined
        ? this.q(`SELECT ${TOKEN_COLUMNS} FROM token_tokens ORDER BY created_at, id`).all()
        : this.q(
            `SELECT ${TOKEN_COLUMNS} FROM token_tokens WHERE account = ? ORDER BY created_at, id`,
          ).all(account)
    ) as RawToken[];
    return rows.map(tokenRow);
  }

  /** revokeToken marks a token revoked; false when it does not exist or was revoked already. */
  revokeToken(id: string, now: string): boolean {
    return (
      this.q('UPDATE token_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(
        now,
        id,
      ).changes === 1
    );
  }

  touchToken(id: string, now: string): void {
    this.q('UPDATE token_tokens SET last_used_at = ? WHERE id = ?').run(now, id);
  }

  // ── TOTP ──────────────────────────────────────────────────────────────

  getTotp(account: string): TotpRow | undefined {
    const r = this.q(
      'SELECT account, secret, state, created_at AS createdAt, enabled_at AS enabledAt, last_step AS lastStep FROM totp_secrets WHERE account = ?',
    ).get(account) as TotpRow | undefined;
    return r;
  }

  /** setPendingTotp stores a new, unconfirmed secret; false when two-factor is already on. */
  setPendingTotp(account: string, secret: Buffer, now: string): boolean {
    return (
      this.q(
        `INSERT INTO totp_secrets (account, secret, state, created_at) VALUES (?, ?, 'pending', ?)
                  ON CONFLICT (account) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = NULL WHERE state = 'pending'`,
      ).run(account, secret, now).changes === 1
    );
  }

  /** confirmTotp turns a pending secret on and records `step` as used, with fresh recovery code hashes; false unless pending. */
  confirmTotp(
    account: string,
    step: number,
    recoveryHashes: readonly Buffer[],
    now: string,
  ): boolean {
    return this.db
      .transaction(() => {
        const ok =
          this.q(
            `UPDATE totp_secrets SET state = 'on', enabled_at = ?, last_step = ? WHERE account = ? AND state = 'pending'`,
          ).run(now, step, account).changes === 1;
        if (ok) this.replaceRecoveryCodes(account, recoveryHashes);
        return ok;
      })
      .immediate();
  }

  /** deleteTotp turns two-factor off and forgets its recovery codes, only while its state is `state`; false otherwise. */
  deleteTotp(account: string, state: 'pending' | 'on'): boolean {
    return this.db
      .transaction(() => {
        if (
          this.q('DELETE FROM totp_secrets WHERE account = ? AND state = ?').run(account, state)
            .changes !== 1
        )
          return false;
        this.q('DELETE FROM totp_recovery_codes WHERE account = ?').run(account);
        return true;
      })
      .immediate();
  }

  /** useTotpStep records `step` as used when it is later than the last used one. Atomic: false means replay. */
  useTotpStep(account: string, step: number): boolean {
    return (
      this.q(
        `UPDATE totp_secrets SET last_step = ? WHERE account = ? AND state = 'on' AND (last_step IS NULL OR last_step < ?)`,
      ).run(step, account, step).changes === 1
    );
  }

  replaceRecoveryCodes(account: string, hashes: readonly Buffer[]): void {
    const run = this.db.transaction(() => {
      this.q('DELETE FROM totp_recovery_codes WHERE account = ?').run(account);
      const ins = this.q('INSERT INTO totp_recovery_codes (account, hash) VALUES (?, ?)');
      for (const h of hashes) ins.run(account, h);
    });
    if (this.db.inTransaction) run();
    else run.immediate();
  }

  /** consumeRecoveryCode deletes a recovery code hash; true only for the one caller that deleted it. */
  consumeRecoveryCode(account: string, hash: Buffer): boolean {
    return (
      this.q('DELETE FROM totp_recovery_codes WHERE account = ? AND hash = ?').run(account, hash)
        .changes === 1
    );
  }

  countRecoveryCodes(account: string): number {
    return this.q('SELECT count(*) FROM totp_recovery_codes WHERE account = ?')
      .pluck()
      .get(account) as number;
  }
}

interface RawGrant {
  account: string;
  pattern: string;
  actions: string;
  grantedAt: string;
}

interface RawToken {
  id: string;
  hash: Buffer;
  account: string;
  label: string;
  namespaces: string;
  actions: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const TOKEN_COLUMNS =
  'id, hash, account, label, namespaces, actions, created_at AS createdAt, expires_at AS expiresAt, revoked_at AS revokedAt, last_used_at AS lastUsedAt';

// The JSON columns are written only by this file; a parse failure is database corruption, not input.
function grantRow(r: RawGrant): GrantRow {
  return { ...r, actions: JSON.parse(r.actions) as string[] };
}

function tokenRow(r: RawToken): TokenRow {
  return {
    ...r,
    namespaces: JSON.parse(r.namespaces) as string[],
    actions: JSON.parse(r.actions) as string[],
  };
}
