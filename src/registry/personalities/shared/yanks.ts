/**
 * YankStore: which releases are yanked (PEP 592, `cargo yank`, `gem yank`).
 *
 * A yank is registry state, not history: the release stays published,
 * logged and downloadable (lockfiles that pin it keep working); indexes
 * mark it so resolvers do not pick it for new installs. Releases are
 * immutable, so yanking never touches the release row or the log.
 */
import type Database from 'better-sqlite3';

export class YankStore {
  constructor(private readonly db: Database.Database) {
    db.exec(
      `CREATE TABLE IF NOT EXISTS yank (purl TEXT PRIMARY KEY, reason TEXT NOT NULL, yanked_at TEXT NOT NULL)`,
    );
  }

  /** reason returns the yank reason ("" when yanked without one), or undefined when not yanked. */
  reason(purl: string): string | undefined {
    return (
      this.db.prepare(`SELECT reason FROM yank WHERE purl = ?`).get(purl) as
        { reason: string } | undefined
    )?.reason;
  }

  set(purl: string, yanked: boolean, reason = '', at = new Date()): void {
    if (yanked)
      this.db
        .prepare(
          `INSERT INTO yank (purl, reason, yanked_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET reason = excluded.reason`,
        )
        .run(purl, reason, at.toISOString());
    else this.db.prepare(`DELETE FROM yank WHERE purl = ?`).run(purl);
  }
}
