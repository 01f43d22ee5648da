/**
 * SqliteAuthState: the embedded default {@link AuthState} — the registry's
 * {@link AccountStore} (SQLite) plus a `rate_bucket` table, so that even
 * processes sharing one data directory share revocations, TOTP steps and
 * budgets. Each method is one statement or one IMMEDIATE transaction.
 */
import type Database from 'better-sqlite3';
import { AccountStore, type AccountRow, type TokenRow, type TotpRow } from './accounts.js';
import {
  type AuthState,
  type RateBucket,
  type RateDecision,
  refill,
  retryAfter,
} from './auth-state.js';

export class SqliteAuthState implements AuthState {
  readonly accounts: AccountStore;
  private readonly take: (
    key: string,
    cost: number,
    bucket: RateBucket,
    nowMs: number,
  ) => RateDecision;

  constructor(pathOrDb: string | Database.Database) {
    this.accounts = new AccountStore(pathOrDb);
    const db = this.accounts.db;
    db.exec(
      'CREATE TABLE IF NOT EXISTS rate_bucket (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL)',
    );
    const get = db.prepare('SELECT tokens, at_ms AS atMs FROM rate_bucket WHERE key = ?');
    const put = db.prepare(
      'INSERT OR REPLACE INTO rate_bucket (key, tokens, at_ms) VALUES (?, ?, ?)',
    );
    const tx = db.transaction(
      (key: string, cost: number, bucket: RateBucket, nowMs: number): RateDecision => {
        const b = get.get(key) as { tokens: number; atMs: number } | undefined;
        const have = b ? refill(b.tokens, b.atMs, nowMs, bucket) : bucket.capacity;
        if (have < cost) return { ok: false, retryAfterSeconds: retryAfter(have, cost, bucket) };
        put.run(key, have - cost, nowMs);
        return { ok: true, retryAfterSeconds: 0 };
      },
    );
    this.take = (...a) => tx.immediate(...a);
  }

  async insertAccount(name: string, admin: boolean, now: string): Promise<boolean> {
    return this.accounts.insertAccount(name, admin, now);
  }
  async getAccount(name: string): Promise<AccountRow | undefined> {
    return this.accounts.getAccount(name);
  }
  async insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    this.accounts.insertToken(t);
  }
  async tokenByHash(hash: Buffer): Promise<TokenRow | undefined> {
    return this.accounts.tokenByHash(hash);
  }
  async revokeToken(id: string, now: string): Promise<boolean> {
    return this.accounts.revokeToken(id, now);
  }
  async getTotp(account: string): Promise<TotpRow | undefined> {
    return this.accounts.getTotp(account);
  }
  async setPendingTotp(account: string, secret: Buffer, now: string): Promise<boolean> {
    return this.accounts.setPendingTotp(account, secret, now);
  }
  async confirmTotp(
    account: string,
    step: number,
    hashes: readonly Buffer[],
    now: string,
  ): Promise<boolean> {
    return this.accounts.confirmTotp(account, step, hashes, now);
  }
  async useTotpStep(account: string, step: number): Promise<boolean> {
    return this.accounts.useTotpStep(account, step);
  }
  async consumeRecoveryCode(account: string, hash: Buffer): Promise<boolean> {
    return this.accounts.consumeRecoveryCode(account, hash);
  }
  async takeRate(
    key: string,
    cost: number,
    bucket: RateBucket,
    nowMs: number,
  ): Promise<RateDecision> {
    return this.take(key, cost, bucket, nowMs);
  }
  async close(): Promise<void> {
    this.accounts.close();
  }
}
