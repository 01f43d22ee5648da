/**
 * PgAuthState: {@link AuthState} on PostgreSQL, shared by every replica
 * (schema: migration 2 in pg.ts). Each atomic step of the contract is one
 * statement: a conditional UPDATE (TOTP step, revocation), a DELETE that
 * reports whether it deleted (recovery code), an upsert whose WHERE refuses
 * an empty bucket (rate limit) — no read-modify-write across round trips.
 */
import type pg from 'pg';
import type { AccountRow, TokenRow, TotpRow } from '../registry/accounts.js';
import { TOKEN_INSERT_COLUMNS, tokenInsertValues } from '../registry/token-columns.js';
import {
  type AuthState,
  type RateBucket,
  type RateDecision,
  refill,
  retryAfter,
} from '../registry/auth-state.js';
import { inTransaction, pgCall } from './pg.js';

interface RawToken {
  id: string;
  hash: Buffer;
  account: string;
  label: string;
  namespaces: string;
  actions: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

function tokenRow(r: RawToken): TokenRow {
  return {
    id: r.id,
    hash: r.hash,
    account: r.account,
    label: r.label,
    namespaces: JSON.parse(r.namespaces) as string[],
    actions: JSON.parse(r.actions) as string[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

interface RawAccount {
  name: string;
  created_at: string;
  is_admin: boolean;
  state: 'pending' | 'on' | null;
}

/** An account with its two-factor state (no totp row: off). */
const ACCOUNTS =
  'SELECT a.name, a.created_at, a.is_admin, t.state FROM account_accounts a LEFT JOIN totp_secrets t ON t.account = a.name';

function accountRow(x: RawAccount): AccountRow {
  return { name: x.name, createdAt: x.created_at, admin: x.is_admin, twoFactor: x.state ?? 'off' };
}

export class PgAuthState implements AuthState {
  constructor(private readonly pool: pg.Pool) {}

  private q<R extends pg.QueryResultRow>(
    what: string,
    sql: string,
    args: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return pgCall(what, () => this.pool.query<R>(sql, args));
  }

  async insertAccount(name: string, admin: boolean, now: string): Promise<boolean> {
    const r = await this.q(
      'insert account',
      'INSERT INTO account_accounts (name, created_at, is_admin) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [name, now, admin],
    );
    return r.rowCount === 1;
  }

  async getAccount(name: string): Promise<AccountRow | undefined> {
    const r = await this.q<RawAccount>('get account', `${ACCOUNTS} WHERE a.name = $1`, [name]);
    return r.rows[0] && accountRow(r.rows[0]);
  }

  async listAccounts(): Promise<AccountRow[]> {
    const r = await this.q<RawAccount>(
      'list accounts',
      `${ACCOUNTS} ORDER BY a.name COLLATE "C"`,
      [],
    );
    return r.rows.map(accountRow);
  }

  async insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    await this.q(
      'insert token',
      `INSERT INTO token_tokens (${TOKEN_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      tokenInsertValues(t),
    );
  }

  async tokenByHash(hash: Buffer): Promise<TokenRow | undefined> {
    const r = await this.q<RawToken>('token lookup', 'SELECT * FROM token_tokens WHERE hash = $1', [
      hash,
    ]);
    return r.rows[0] && tokenRow(r.rows[0]);
  }

  async tokenById(id: string): Promise<TokenRow | undefined> {
    const r = await this.q<RawToken>('token lookup', 'SELECT * FROM token_tokens WHERE id = $1', [
      id,
    ]);
    return r.rows[0] && tokenRow(r.rows[0]);
  }

  async listTokens(account?: string): Promise<TokenRow[]> {
    const r = await this.q<RawToken>(
      'list tokens',
      `SELECT * FROM token_tokens WHERE $1::text IS NULL OR account = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"`,
      [account ?? null],
    );
    return r.rows.map(tokenRow);
  }

  async touchToken(id: string, now: string): Promise<void> {
    await this.q('touch token', 'UPDATE token_tokens SET last_used_at = $2 WHERE id = $1', [
      id,
      now,
    ]);
  }

  async revokeToken(id: string, now: string): Promise<boolean> {
    const r = await this.q(
      'revoke token',
      'UPDATE token_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, now],
    );
    return r.rowCount === 1;
  }

  async getTotp(account: string): Promise<TotpRow | undefined> {
    const r = await this.q<{
      account: string;
      secret: Buffer;
      state: 'pending' | 'on';
      created_at: string;
      enabled_at: string | null;
      last_step: string | null;
    }>('get totp', 'SELECT * FROM totp_secrets WHERE account = $1', [account]);
    const x = r.rows[0];
    return (
      x && {
        account: x.account,
        secret: x.secret,
        state: x.state,
        createdAt: x.created_at,
        enabledAt: x.enabled_at,
        lastStep: x.last_step === null ? null : Number(x.last_step),
      }
    );
  }

  async setPendingTotp(account: string, secret: Buffer, now: string): Promise<boolean> {
    const r = await this.q(
      'set totp',
      `INSERT INTO totp_secrets (account, secret, state, created_at) VALUES ($1, $2, 'pending', $3)
       ON CONFLICT (account) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = NULL
       WHERE totp_secrets.state = 'pending'`,
      [account, secret, now],
    );
    return r.rowCount === 1;
  }

  async confirmTotp(
    account: string,
    step: number,
    hashes: readonly Buffer[],
    now: string,
  ): Promise<boolean> {
    return pgCall('confirm totp', () =>
      inTransaction(this.pool, async (c) => {
        const r = await c.query(
          `UPDATE totp_secrets SET state = 'on', enabled_at = $2, last_step = $3 WHERE account = $1 AND state = 'pending'`,
          [account, now, step],
        );
        if (r.rowCount !== 1) return false;
        await c.query('DELETE FROM totp_recovery_codes WHERE account = $1', [account]);
        if (hashes.length > 0)
          await c.query(
            'INSERT INTO totp_recovery_codes (account, hash) SELECT $1, unnest($2::bytea[])',
            [account, [...hashes]],
          );
        return true;
      }),
    );
  }

  async deleteTotp(account: string, state: 'pending' | 'on'): Promise<boolean> {
    return pgCall('delete totp', () =>
      inTransaction(this.pool, async (c) => {
        const r = await c.query('DELETE FROM totp_secrets WHERE account = $1 AND state = $2', [
          account,
          state,
        ]);
        if (r.rowCount !== 1) return false;
        await c.query('DELETE FROM totp_recovery_codes WHERE account = $1', [account]);
        return true;
      }),
    );
  }

  async useTotpStep(account: string, step: number): Promise<boolean> {
    const r = await this.q(
      'use totp step',
      `UPDATE totp_secrets SET last_step = $2 WHERE account = $1 AND state = 'on' AND (last_step IS NULL OR last_step < $2)`,
      [account, step],
    );
    return r.rowCount === 1;
  }

  async consumeRecoveryCode(account: string, hash: Buffer): Promise<boolean> {
    const r = await this.q(
      'use recovery code',
      'DELETE FROM totp_recovery_codes WHERE account = $1 AND hash = $2',
      [account, hash],
    );
    return r.rowCount === 1;
  }

  async replaceRecoveryCodes(account: string, hashes: readonly Buffer[]): Promise<void> {
    await pgCall('replace recovery codes', () =>
      inTransaction(this.pool, async (c) => {
        await c.query('DELETE FROM totp_recovery_codes WHERE account = $1', [account]);
        if (hashes.length > 0)
          await c.query(
            'INSERT INTO totp_recovery_codes (account, hash) SELECT $1, unnest($2::bytea[])',
            [account, [...hashes]],
          );
      }),
    );
  }

  async countRecoveryCodes(account: string): Promise<number> {
    const r = await this.q<{ n: string }>(
      'count recovery codes',
      'SELECT count(*) AS n FROM totp_recovery_codes WHERE account = $1',
      [account],
    );
    return Number(r.rows[0]!.n);
  }

  async takeRate(
    key: string,
    cost: number,
    bucket: RateBucket,
    nowMs: number,
  ): Promise<RateDecision> {
    // One statement: refill, check and spend under the row lock the upsert takes.
    const r = await this.q<{ tokens: number }>(
      'rate limit',
      `INSERT INTO rate_bucket AS b (key, tokens, at_ms) SELECT $1, $3::float8 - $2::float8, $5 WHERE $3::float8 >= $2::float8
       ON CONFLICT (key) DO UPDATE SET
         tokens = LEAST($3::float8, b.tokens + GREATEST(0, $5 - b.at_ms) / 1000.0 * $4::float8) - $2::float8, at_ms = GREATEST(b.at_ms, $5)
       WHERE LEAST($3::float8, b.tokens + GREATEST(0, $5 - b.at_ms) / 1000.0 * $4::float8) >= $2::float8
       RETURNING tokens`,
      [key, cost, bucket.capacity, bucket.refillPerSecond, nowMs],
    );
    if (r.rowCount === 1) return { ok: true, retryAfterSeconds: 0 };
    const cur = await this.q<{ tokens: number; at_ms: string }>(
      'rate limit',
      'SELECT tokens, at_ms FROM rate_bucket WHERE key = $1',
      [key],
    );
    const row = cur.rows[0];
    const have = row ? refill(row.tokens, Number(row.at_ms), nowMs, bucket) : bucket.capacity;
    return { ok: false, retryAfterSeconds: retryAfter(have, cost, bucket) };
  }

  async refundRate(key: string, cost: number, bucket: RateBucket, nowMs: number): Promise<void> {
    // No row: the bucket is full, nothing to give back.
    await this.q(
      'rate limit',
      `UPDATE rate_bucket AS b SET
         tokens = LEAST($3::float8, b.tokens + GREATEST(0, $5 - b.at_ms) / 1000.0 * $4::float8 + $2::float8), at_ms = GREATEST(b.at_ms, $5)
       WHERE key = $1`,
      [key, cost, bucket.capacity, bucket.refillPerSecond, nowMs],
    );
  }

  async pruneRates(beforeMs: number): Promise<number> {
    const r = await this.q('rate limit', 'DELETE FROM rate_bucket WHERE at_ms < $1', [beforeMs]);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {}
}
