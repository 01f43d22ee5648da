/**
 * SqliteGrantState: the embedded default {@link GrantState} — AccountStore's
 * `account_namespaces` plus an `account_first_publish_hold` table, so that
 * processes sharing one data directory share holds too. A claim and a hold
 * are each one IMMEDIATE transaction (check and write under SQLite's one
 * write lock).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AccountStore, type GrantRow } from './accounts.js';
import { type GrantState, prefixOf } from './grant-state.js';

export class SqliteGrantState implements GrantState {
  readonly accounts: AccountStore;
  private readonly claim: (
    account: string,
    pattern: string,
    covering: readonly string[],
    actions: readonly string[],
    now: string,
    nowMs: number,
  ) => boolean;
  private readonly hold: (
    account: string,
    namespace: string,
    covering: readonly string[],
    untilMs: number,
  ) => string | undefined;
  private readonly db: Database.Database;

  constructor(pathOrDb: string | Database.Database) {
    this.accounts = new AccountStore(pathOrDb);
    const db = (this.db = this.accounts.db);
    db.exec(`CREATE TABLE IF NOT EXISTS account_first_publish_hold (
      id TEXT PRIMARY KEY, account TEXT NOT NULL, namespace TEXT NOT NULL, until_ms INTEGER NOT NULL)`);
    const heldUnder = db.prepare(
      'SELECT 1 FROM account_first_publish_hold WHERE substr(namespace, 1, ?) = ? AND account <> ? AND until_ms > ? LIMIT 1',
    );
    const insertHold = db.prepare(
      'INSERT INTO account_first_publish_hold (id, account, namespace, until_ms) VALUES (?, ?, ?, ?)',
    );
    const lapsed = db.prepare('DELETE FROM account_first_publish_hold WHERE until_ms <= ?');
    const claimTx = db.transaction(
      (
        account: string,
        pattern: string,
        covering: readonly string[],
        actions: readonly string[],
        now: string,
        nowMs: number,
      ): boolean => {
        const prefix = prefixOf(pattern);
        if (
          prefix !== undefined &&
          heldUnder.get(prefix.length, prefix, account, nowMs) !== undefined
        )
          return false;
        return this.accounts.claimNamespace(account, pattern, covering, actions, now); // runs inside this transaction
      },
    );
    this.claim = (...args) => claimTx.immediate(...args);
    const holdTx = db.transaction(
      (account: string, namespace: string, covering: readonly string[], untilMs: number) => {
        if (this.accounts.grantsFor(covering).some((g) => g.account !== account)) return undefined;
        lapsed.run(untilMs - 24 * 3600_000); // old lapsed holds go; recent ones are harmless
        const id = randomUUID();
        insertHold.run(id, account, namespace, untilMs);
        return id;
      },
    );
    this.hold = (...args) => holdTx.immediate(...args);
  }

  async upsertGrant(account: string, pattern: string, actions: readonly string[], now: string) {
    this.accounts.upsertGrant(account, pattern, actions, now);
  }
  async deleteGrant(account: string, pattern: string) {
    return this.accounts.deleteGrant(account, pattern);
  }
  async grantsOf(account: string): Promise<GrantRow[]> {
    return this.accounts.grantsOf(account);
  }
  async grantsFor(patterns: readonly string[]) {
    return this.accounts.grantsFor(patterns);
  }
  async grantsUnder(pattern: string) {
    return this.accounts.grantsUnder(pattern);
  }
  async claimNamespace(
    account: string,
    pattern: string,
    covering: readonly string[],
    actions: readonly string[],
    now: string,
    nowMs: number,
  ) {
    return this.claim(account, pattern, covering, actions, now, nowMs);
  }
  async holdFirstPublish(
    account: string,
    namespace: string,
    covering: readonly string[],
    untilMs: number,
  ) {
    return this.hold(account, namespace, covering, untilMs);
  }
  async endHold(id: string) {
    this.db.prepare('DELETE FROM account_first_publish_hold WHERE id = ?').run(id);
  }
  async close() {
    this.accounts.close();
  }
}
