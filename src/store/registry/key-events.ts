/**
 * KeyEventStore: the key events a registry has logged, with their log
 * indexes, so the ledger can be replayed at start-up without reading the
 * whole log (leaves hold only the dsse entry, not the event payload).
 *
 * Same discipline as releases: a row is inserted `pending` before its log
 * append and completed with the index after; recovery re-appends pending
 * rows (the log deduplicates) and completes them.
 */
import type Database from 'better-sqlite3';

export interface KeyEventRow {
  readonly id: number;
  readonly namespace: string;
  readonly envelope: string;
  readonly entry: Uint8Array;
  readonly logIndex: number | null;
}

export class KeyEventStore {
  private readonly statements = new Map<string, Database.Statement>();

  /** q returns a prepared statement, prepared once per store (preparing costs more than running these). */
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS key_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        namespace TEXT NOT NULL,
        envelope TEXT NOT NULL,
        entry BLOB NOT NULL,
        log_index INTEGER UNIQUE
      );
      CREATE INDEX IF NOT EXISTS key_event_namespace ON key_event (namespace, log_index);
    `);
  }

  insertPending(namespace: string, envelope: string, entry: Uint8Array): number {
    return Number(
      this.q('INSERT INTO key_event (namespace, envelope, entry) VALUES (?, ?, ?)').run(
        namespace,
        envelope,
        entry,
      ).lastInsertRowid,
    );
  }

  complete(id: number, logIndex: number): void {
    this.q('UPDATE key_event SET log_index = ? WHERE id = ?').run(logIndex, id);
  }

  remove(id: number): void {
    this.q('DELETE FROM key_event WHERE id = ? AND log_index IS NULL').run(id);
  }

  /** logged lists completed events in log order. */
  logged(): KeyEventRow[] {
    return this.q(
      'SELECT id, namespace, envelope, entry, log_index AS logIndex FROM key_event WHERE log_index IS NOT NULL ORDER BY log_index',
    ).all() as KeyEventRow[];
  }

  /** loggedFor lists one namespace's completed events in log order (indexed: cost does not grow with the registry). */
  loggedFor(namespace: string): KeyEventRow[] {
    return this.q(
      'SELECT id, namespace, envelope, entry, log_index AS logIndex FROM key_event WHERE namespace = ? AND log_index IS NOT NULL ORDER BY log_index',
    ).all(namespace) as KeyEventRow[];
  }

  /** loggedAfter lists the completed events above log index `after`, in log order (another process's, for replicas). */
  loggedAfter(after: number): KeyEventRow[] {
    return this.q(
      'SELECT id, namespace, envelope, entry, log_index AS logIndex FROM key_event WHERE log_index > ? ORDER BY log_index',
    ).all(after) as KeyEventRow[];
  }

  pending(): KeyEventRow[] {
    return this.q(
      'SELECT id, namespace, envelope, entry, log_index AS logIndex FROM key_event WHERE log_index IS NULL ORDER BY id',
    ).all() as KeyEventRow[];
  }
}
