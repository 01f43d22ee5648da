/**
 * ConflictStore: conflict records (an upstream offering other bytes, or another index
 * digest, for a purl Sigil already observed), in the registry's SQLite database.
 *
 * A conflict is logged once per (purl, offered digest): an upstream that keeps serving
 * the republished bytes does not grow the log on every request. The row is written
 * after its log entry is durable; a crash in between leaves a logged conflict without
 * a row, which the next sighting appends again (the log deduplicates the same entry
 * bytes only if they are identical, so the row stores the entry's index as logged).
 */
import type Database from 'better-sqlite3';

export interface ConflictRow {
  readonly id: number;
  readonly purl: string;
  readonly upstream: string;
  readonly seenAt: string;
  readonly loggedSha512: string;
  /** What was offered: the bytes' sha512, or `<algorithm>:<value>` of the index digest. */
  readonly offered: string;
  readonly envelope: string;
  readonly logIndex: number;
}

export class ConflictStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS upstream_conflict (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      purl TEXT NOT NULL, upstream TEXT NOT NULL, seen_at TEXT NOT NULL,
      logged_sha512 TEXT NOT NULL, offered TEXT NOT NULL,
      envelope TEXT NOT NULL, log_index INTEGER NOT NULL,
      UNIQUE (purl, offered))`);
  }

  /** has: was this offer for this purl already recorded? */
  has(purl: string, offered: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM upstream_conflict WHERE purl = ? AND offered = ?')
        .get(purl, offered) !== undefined
    );
  }

  /** add stores a conflict; false when (purl, offered) was already recorded. */
  add(row: Omit<ConflictRow, 'id'>): boolean {
    return (
      this.db
        .prepare(
          'INSERT OR IGNORE INTO upstream_conflict (purl, upstream, seen_at, logged_sha512, offered, envelope, log_index) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          row.purl,
          row.upstream,
          row.seenAt,
          row.loggedSha512,
          row.offered,
          row.envelope,
          row.logIndex,
        ).changes === 1
    );
  }

  /** list returns conflicts, newest first; with `purl`, only that purl's. */
  list(options: { purl?: string; limit?: number } = {}): ConflictRow[] {
    const cols =
      'id, purl, upstream, seen_at AS seenAt, logged_sha512 AS loggedSha512, offered, envelope, log_index AS logIndex';
    const limit = options.limit ?? 1000;
    return (
      options.purl !== undefined
        ? this.db
            .prepare(
              `SELECT ${cols} FROM upstream_conflict WHERE purl = ? ORDER BY id DESC LIMIT ?`,
            )
            .all(options.purl, limit)
        : this.db
            .prepare(`SELECT ${cols} FROM upstream_conflict ORDER BY id DESC LIMIT ?`)
            .all(limit)
    ) as ConflictRow[];
  }

  /** loggedIn lists the conflicts logged at start ≤ index < end, by index. */
  loggedIn(start: number, end: number): ConflictRow[] {
    return this.db
      .prepare(
        'SELECT id, purl, upstream, seen_at AS seenAt, logged_sha512 AS loggedSha512, offered, envelope, log_index AS logIndex FROM upstream_conflict WHERE log_index >= ? AND log_index < ? ORDER BY log_index',
      )
      .all(start, end) as ConflictRow[];
  }
}
