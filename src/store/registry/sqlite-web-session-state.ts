/**
 * SqliteWebSessionState: the embedded default {@link WebSessionState}, table
 * `web_session` in registry.sqlite (so sessions also outlive a restart).
 */
import Database from 'better-sqlite3';
import {
  assertSessionHash,
  MAX_SESSIONS_PER_ACCOUNT,
  type WebEnrolment,
  type WebSessionRow,
  type WebSessionState,
} from './web-session-state.js';

interface Raw {
  account: string;
  tokenId: string;
  expiresAtMs: number;
  enrolment: string | null;
}

export class SqliteWebSessionState implements WebSessionState {
  private readonly db: Database.Database;
  private readonly owned: boolean;

  /** `db`: registry.sqlite (a path, or the registry's open handle). */
  constructor(db: string | Database.Database) {
    this.owned = typeof db === 'string';
    this.db = typeof db === 'string' ? new Database(db) : db;
    if (this.owned) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS web_session (id_hash BLOB PRIMARY KEY CHECK (length(id_hash) = 32), account TEXT NOT NULL,
        token_id TEXT NOT NULL, expires_at_ms INTEGER NOT NULL, enrolment TEXT);
      CREATE INDEX IF NOT EXISTS web_session_account ON web_session (account, expires_at_ms);
      CREATE INDEX IF NOT EXISTS web_session_expiry ON web_session (expires_at_ms)`);
  }

  async create(idHash: Buffer, row: Omit<WebSessionRow, 'enrolment'>, nowMs: number) {
    assertSessionHash(idHash);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM web_session WHERE expires_at_ms <= ?').run(nowMs);
      this.db
        .prepare(
          'INSERT INTO web_session (id_hash, account, token_id, expires_at_ms) VALUES (?, ?, ?, ?)',
        )
        .run(idHash, row.account, row.tokenId, row.expiresAtMs);
      this.db
        .prepare(
          `DELETE FROM web_session WHERE id_hash IN (SELECT id_hash FROM web_session WHERE account = ?
             ORDER BY expires_at_ms DESC, id_hash LIMIT -1 OFFSET ?)`,
        )
        .run(row.account, MAX_SESSIONS_PER_ACCOUNT);
    })();
  }
  async session(idHash: Buffer, nowMs: number): Promise<WebSessionRow | undefined> {
    const r = this.db
      .prepare(
        `SELECT account, token_id AS tokenId, expires_at_ms AS expiresAtMs, enrolment FROM web_session
         WHERE id_hash = ? AND expires_at_ms > ?`,
      )
      .get(idHash, nowMs) as Raw | undefined;
    return r && { ...r, enrolment: r.enrolment === null ? null : JSON.parse(r.enrolment) };
  }
  async setEnrolment(idHash: Buffer, enrolment: WebEnrolment | null) {
    const r = this.db
      .prepare('UPDATE web_session SET enrolment = ? WHERE id_hash = ?')
      .run(enrolment === null ? null : JSON.stringify(enrolment), idHash);
    return r.changes === 1;
  }
  async end(idHash: Buffer) {
    this.db.prepare('DELETE FROM web_session WHERE id_hash = ?').run(idHash);
  }
  async close() {
    if (this.owned) this.db.close();
  }
}
