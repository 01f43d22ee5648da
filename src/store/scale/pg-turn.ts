/**
 * pgTurn: one process at a time across replicas, for work that must be
 * serialised (judging key events). A session-level advisory lock on a pooled
 * connection of its own: held until the turn ends, and released by
 * PostgreSQL when the holder's session dies (kill -9), so a dead replica
 * never blocks the others. Waiting is bounded: the lock is polled with
 * pg_try_advisory_lock, so a replica never sits in PostgreSQL for ever and an
 * outage surfaces as StorageUnavailableError.
 */
import type pg from 'pg';
import { pgCall } from './pg.js';
import { PgReleaseTables } from './pg-release-tables.js';
import { StorageUnavailableError } from './unavailable.js';

/** Advisory lock keys of the turns (unique within the database, beside MIGRATION_LOCK and GRANT_LOCK). */
export const KEY_EVENT_TURN = 0x5191_0005;
/** Finishing the reservations a dead replica left (recoverPending). */
export const RECOVERY_TURN = 0x5191_0007;

export function pgTurn(
  pool: pg.Pool,
  key: number,
  what: string,
  waitMs = 30_000,
): () => Promise<{ readonly client: pg.PoolClient; end(): Promise<void> }> {
  return async () => {
    const client = await pgCall(what, () => pool.connect());
    // The session may die while idle between queries (kill -9 of PostgreSQL's backend, a network
    // cut): pg then emits 'error' on the checked-out client, which unheard would end this process.
    // The next query through the turn fails instead, as it should.
    const onError = () => undefined;
    client.on('error', onError);
    try {
      const deadline = Date.now() + waitMs;
      for (let delay = 5; ; delay = Math.min(200, delay * 2)) {
        const got = await pgCall(what, () =>
          client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]),
        );
        if (got.rows[0]!.ok) break;
        if (Date.now() > deadline)
          throw new StorageUnavailableError(
            `the ${what} turn (held by another replica for ${waitMs / 1000} s)`,
          );
        await new Promise((r) => setTimeout(r, delay));
      }
    } catch (e) {
      client.off('error', onError);
      client.release(true);
      throw e;
    }
    let ended = false;
    return {
      client,
      end: async () => {
        if (ended) return; // ending a turn twice is harmless
        ended = true;
        // A failed unlock means the session is gone, and with it the lock: drop the connection.
        const ok = await client.query('SELECT pg_advisory_unlock($1)', [key]).then(
          () => true,
          () => false,
        );
        client.off('error', onError);
        client.release(!ok);
      },
    };
  };
}

/** pgKeyEventTurns: the key-event turn, with the release tables seen through its session (tablesJournal). */
export function pgKeyEventTurns(
  pool: pg.Pool,
): () => Promise<{ readonly tables: PgReleaseTables; end(): Promise<void> }> {
  const take = pgTurn(pool, KEY_EVENT_TURN, 'key event');
  return async () => {
    const t = await take();
    return { tables: new PgReleaseTables(t.client), end: t.end };
  };
}
