/**
 * PgWebSessionState: {@link WebSessionState} on PostgreSQL (migration 6),
 * shared by every replica: a browser's session is found on whichever
 * replica the load balancer picks.
 */
import type pg from 'pg';
import {
  assertSessionHash,
  MAX_SESSIONS_PER_ACCOUNT,
  type WebEnrolment,
  type WebSessionRow,
  type WebSessionState,
} from '../registry/web-session-state.js';
import { inTransaction, pgCall } from './pg.js';

export class PgWebSessionState implements WebSessionState {
  constructor(private readonly pool: pg.Pool) {}

  async create(idHash: Buffer, row: Omit<WebSessionRow, 'enrolment'>, nowMs: number) {
    assertSessionHash(idHash);
    await pgCall('web session', () =>
      inTransaction(this.pool, async (c) => {
        await c.query('DELETE FROM web_session WHERE expires_at_ms <= $1', [nowMs]);
        await c.query(
          'INSERT INTO web_session (id_hash, account, token_id, expires_at_ms) VALUES ($1, $2, $3, $4)',
          [idHash, row.account, row.tokenId, row.expiresAtMs],
        );
        await c.query(
          `DELETE FROM web_session WHERE id_hash IN (SELECT id_hash FROM web_session WHERE account = $1
             ORDER BY expires_at_ms DESC, id_hash OFFSET $2)`,
          [row.account, MAX_SESSIONS_PER_ACCOUNT],
        );
      }),
    );
  }
  async session(idHash: Buffer, nowMs: number): Promise<WebSessionRow | undefined> {
    const r = await pgCall('web session', () =>
      this.pool.query<{
        account: string;
        tokenId: string;
        expiresAtMs: string;
        enrolment: WebEnrolment | null;
      }>(
        `SELECT account, token_id AS "tokenId", expires_at_ms AS "expiresAtMs", enrolment FROM web_session
         WHERE id_hash = $1 AND expires_at_ms > $2`,
        [idHash, nowMs],
      ),
    );
    const s = r.rows[0];
    return s && { ...s, expiresAtMs: Number(s.expiresAtMs) };
  }
  async setEnrolment(idHash: Buffer, enrolment: WebEnrolment | null) {
    const r = await pgCall('web session', () =>
      this.pool.query('UPDATE web_session SET enrolment = $1 WHERE id_hash = $2', [
        enrolment === null ? null : JSON.stringify(enrolment),
        idHash,
      ]),
    );
    return r.rowCount === 1;
  }
  async end(idHash: Buffer) {
    await pgCall('web session', () =>
      this.pool.query('DELETE FROM web_session WHERE id_hash = $1', [idHash]),
    );
  }
  async close() {}
}
