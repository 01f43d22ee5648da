/**
 * SqliteAuthState: the embedded default {@link AuthState} — the registry's
 * {@link AccountStore} (SQLite) plus a `rate_bucket` table, so that even
 * processes sharing one data directory share revocations, TOTP steps and
 * budgets. Each method is one statement or one IMMEDIATE transaction.
 *
 * Rate buckets and last-used times are written through a second connection
 * to the same file at `synchronous = NORMAL`, without an fsync per commit:
 * the contract does not need them durable, and at the registry's FULL every
 * write request would stop the event loop for two disk flushes. In WAL mode a
 * NORMAL commit survives a process crash; only a power failure can lose it,
 * and the next FULL commit (any registry write) makes it durable anyway. A
 * connection of its own, rather than switching the registry's connection to
 * NORMAL and back around each take, leaves the registry's level alone for
 * certain (SQLite applies `PRAGMA synchronous` when the statement is
 * prepared, which makes switching back and forth easy to get wrong).
 */
import Database from 'better-sqlite3';
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

  private readonly give: (key: string, cost: number, bucket: RateBucket, nowMs: number) => void;
  private readonly prune: Database.Statement;
  private readonly touch: Database.Statement;
  /** The unsynced connection for buckets and last-used times (the registry's own one for an in-memory database). */
  private readonly rates: Database.Database;

  constructor(pathOrDb: string | Database.Database) {
    this.accounts = new AccountStore(pathOrDb);
    this.accounts.db.exec(
      'CREATE TABLE IF NOT EXISTS rate_bucket (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL)',
    );
    const db = (this.rates = this.accounts.db.memory
      ? this.accounts.db
      : new Database(this.accounts.db.name, { timeout: 5000 }));
    if (db !== this.accounts.db) db.pragma('synchronous = NORMAL'); // WAL: the file's mode already
    this.prune = db.prepare('DELETE FROM rate_bucket WHERE at_ms < ?');
    this.touch = db.prepare('UPDATE token_tokens SET last_used_at = ? WHERE id = ?');
    const get = db.prepare('SELECT tokens, at_ms AS atMs FROM rate_bucket WHERE key = ?');
    const put = db.prepare(
      'INSERT OR REPLACE INTO rate_bucket (key, tokens, at_ms) VALUES (?, ?, ?)',
    );
    const tx = db.transaction(
      (key: string, cost: number, bucket: RateBucket, nowMs: number): RateDecision => {
        const b = get.get(key) as { tokens: number; atMs: number } | undefined;
        const have = b ? refill(b.tokens, b.atMs, nowMs, bucket) : bucket.capacity;
        if (have < cost) return { ok: false, retryAfterSeconds: retryAfter(have, cost, bucket) };
        put.run(key, have - cost, Math.max(b?.atMs ?? nowMs, nowMs)); // a clock stepping back mints nothing
        return { ok: true, retryAfterSeconds: 0 };
      },
    );
    this.take = (...a) => tx.immediate(...a);
    const giveTx = db.transaction(
      (key: string, cost: number, bucket: RateBucket, nowMs: number): void => {
        const b = get.get(key) as { tokens: number; atMs: number } | undefined;
        if (!b) return; // no row: the bucket is full
        put.run(
          key,
          Math.min(bucket.capacity, refill(b.tokens, b.atMs, nowMs, bucket) + cost),
          Math.max(b.atMs, nowMs),
        );
      },
    );
    this.give = (...a) => giveTx.immediate(...a);
  }

  async insertAccount(name: string, admin: boolean, now: string): Promise<boolean> {
    return this.accounts.insertAccount(name, admin, now);
  }
  async getAccount(name: string): Promise<AccountRow | undefined> {
    return this.accounts.getAccount(name);
  }
  async listAccounts(): Promise<AccountRow[]> {
    return this.accounts.listAccounts();
  }
  async insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    this.accounts.insertToken(t);
  }
  async tokenByHash(hash: Buffer): Promise<TokenRow | undefined> {
    return this.accounts.tokenByHash(hash);
  }
  async tokenById(id: string): Promise<TokenRow | undefined> {
    return this.accounts.tokenById(id);
  }
  async listTokens(account?: string): Promise<TokenRow[]> {
    return this.accounts.listTokens(account);
  }
  async touchToken(id: string, now: string): Promise<void> {
    this.touch.run(now, id);
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
  async deleteTotp(account: string, state: 'pending' | 'on'): Promise<boolean> {
    return this.accounts.deleteTotp(account, state);
  }
  async useTotpStep(account: string, step: number): Promise<boolean> {
    return this.accounts.useTotpStep(account, step);
  }
  async consumeRecoveryCode(account: string, hash: Buffer): Promise<boolean> {
    return this.accounts.consumeRecoveryCode(account, hash);
  }
  async replaceRecoveryCodes(account: string, hashes: readonly Buffer[]): Promise<void> {
    this.accounts.replaceRecoveryCodes(account, hashes);
  }
  async countRecoveryCodes(account: string): Promise<number> {
    return this.accounts.countRecoveryCodes(account);
  }
  async takeRate(
    key: string,
    cost: number,
    bucket: RateBucket,
    nowMs: number,
  ): Promise<RateDecision> {
    return this.take(key, cost, bucket, nowMs);
  }
  async refundRate(key: string, cost: number, bucket: RateBucket, nowMs: number): Promise<void> {
    this.give(key, cost, bucket, nowMs);
  }
  async pruneRates(beforeMs: number): Promise<number> {
    return this.prune.run(beforeMs).changes;
  }
  async close(): Promise<void> {
    if (this.rates !== this.accounts.db && this.rates.open) this.rates.close();
    this.accounts.close();
  }
}
