/**
 * PgGrantState: {@link GrantState} on PostgreSQL (migration 4), shared by
 * every replica. A claim and a hold each run in one transaction that first
 * takes a transaction-level advisory lock (GRANT_LOCK): claims and first
 * publishes are rare (once per new package), so one lock for all of them
 * is simpler than predicate locks and cannot deadlock. Plain grant reads and
 * writes are single statements.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type GrantRow, type GrantState, prefixOf } from '../registry/grant-state.js';
import { inTransaction, pgCall } from './pg.js';

/** Advisory lock serialising claims and first-publish holds across replicas. */
export const GRANT_LOCK = 0x5191_0004;

const COLUMNS = 'account, pattern, actions, granted_at AS "grantedAt"';

type Query = Pick<pg.Pool, 'query'> | pg.PoolClient;

function grant(r: {
  account: string;
  pattern: string;
  actions: string;
  grantedAt: string;
}): GrantRow {
  return { ...r, actions: JSON.parse(r.actions) as string[] }; // written only here: not input
}

export class PgGrantState implements GrantState {
  constructor(private readonly pool: pg.Pool) {}

  private async grants(q: Query, sql: string, args: unknown[]): Promise<GrantRow[]> {
    const r = await q.query<{
      account: string;
      pattern: string;
      actions: string;
      grantedAt: string;
    }>(sql, args);
    return r.rows.map(grant);
  }
  private covering(q: Query, patterns: readonly string[]) {
    return this.grants(
      q,
      `SELECT ${COLUMNS} FROM account_namespaces WHERE pattern = ANY($1::text[]) ORDER BY account, pattern`,
      [patterns],
    );
  }
  private under(q: Query, pattern: string) {
    const prefix = prefixOf(pattern);
    if (prefix === undefined) return Promise.resolve([]);
    return this.grants(
      q,
      `SELECT ${COLUMNS} FROM account_namespaces WHERE left(pattern, $1) = $2 AND pattern <> $3 ORDER BY account, pattern`,
      [prefix.length, prefix, pattern],
    );
  }
  private upsert(
    q: Query,
    account: string,
    pattern: string,
    actions: readonly string[],
    now: string,
  ) {
    return q.query(
      `INSERT INTO account_namespaces (account, pattern, actions, granted_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account, pattern) DO UPDATE SET actions = excluded.actions, granted_at = excluded.granted_at`,
      [account, pattern, JSON.stringify(actions), now],
    );
  }

  async upsertGrant(account: string, pattern: string, actions: readonly string[], now: string) {
    await pgCall('grant', () => this.upsert(this.pool, account, pattern, actions, now));
  }
  async deleteGrant(account: string, pattern: string) {
    const r = await pgCall('grant', () =>
      this.pool.query('DELETE FROM account_namespaces WHERE account = $1 AND pattern = $2', [
        account,
        pattern,
      ]),
    );
    return r.rowCount === 1;
  }
  async grantsOf(account: string) {
    return pgCall('grants', () =>
      this.grants(
        this.pool,
        `SELECT ${COLUMNS} FROM account_namespaces WHERE account = $1 ORDER BY pattern`,
        [account],
      ),
    );
  }
  async grantsFor(patterns: readonly string[]) {
    if (patterns.length === 0) return [];
    return pgCall('grants', () => this.covering(this.pool, patterns));
  }
  async grantsUnder(pattern: string) {
    return pgCall('grants', () => this.under(this.pool, pattern));
  }

  async claimNamespace(
    account: string,
    pattern: string,
    covering: readonly string[],
    actions: readonly string[],
    now: string,
    nowMs: number,
  ) {
    return pgCall('claim', () =>
      inTransaction(this.pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [GRANT_LOCK]);
        const existing = await this.covering(c, covering);
        if (existing.length > 0) return existing.some((g) => g.account === account);
        if ((await this.under(c, pattern)).some((g) => g.account !== account)) return false;
        const prefix = prefixOf(pattern);
        if (prefix !== undefined) {
          const held = await c.query(
            'SELECT 1 FROM account_first_publish_hold WHERE left(namespace, $1) = $2 AND account <> $3 AND until_ms > $4 LIMIT 1',
            [prefix.length, prefix, account, nowMs],
          );
          if (held.rowCount !== 0) return false;
        }
        await this.upsert(c, account, pattern, actions, now);
        return true;
      }),
    );
  }

  async holdFirstPublish(
    account: string,
    namespace: string,
    covering: readonly string[],
    untilMs: number,
  ) {
    return pgCall('first-publish hold', () =>
      inTransaction(this.pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [GRANT_LOCK]);
        if ((await this.covering(c, covering)).some((g) => g.account !== account)) return undefined;
        await c.query('DELETE FROM account_first_publish_hold WHERE until_ms <= $1', [
          untilMs - 24 * 3600_000, // old lapsed holds go; recent ones are harmless
        ]);
        const id = randomUUID();
        await c.query(
          'INSERT INTO account_first_publish_hold (id, account, namespace, until_ms) VALUES ($1, $2, $3, $4)',
          [id, account, namespace, untilMs],
        );
        return id;
      }),
    );
  }
  async endHold(id: string) {
    await pgCall('first-publish hold', () =>
      this.pool.query('DELETE FROM account_first_publish_hold WHERE id = $1', [id]),
    );
  }
  async close() {}
}
