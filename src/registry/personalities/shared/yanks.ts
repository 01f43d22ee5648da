/**
 * YankStore: which releases are yanked (PEP 592, `cargo yank`, `gem yank`).
 *
 * A yank hides a version from new resolutions: the release stays published,
 * logged and downloadable (lockfiles that pin it keep working); indexes mark
 * or drop it. Releases are immutable, so yanking never touches the release
 * row; each yank and un-yank is itself a logged event (yank-event.ts), whose
 * log index is kept here beside the current state.
 */
import type Database from 'better-sqlite3';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryContext } from '../../publish.js';
import { logYank } from './yank-event.js';

export class YankStore {
  /** Asked once per release on every index request: prepared once (preparing costs more than running). */
  private readonly reasonOf: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(
      `CREATE TABLE IF NOT EXISTS yank (purl TEXT PRIMARY KEY, reason TEXT NOT NULL, yanked_at TEXT NOT NULL)`,
    );
    const columns = db.prepare(`SELECT name FROM pragma_table_info('yank')`).pluck().all();
    if (!columns.includes('log_index')) db.exec(`ALTER TABLE yank ADD COLUMN log_index INTEGER`);
    this.reasonOf = db.prepare(`SELECT reason FROM yank WHERE purl = ?`);
  }

  /** reason returns the yank reason ("" when yanked without one), or undefined when not yanked. */
  reason(purl: string): string | undefined {
    return (this.reasonOf.get(purl) as { reason: string } | undefined)?.reason;
  }

  /** logIndex is where the yank of `purl` is logged (undefined: not yanked, or yanked before yanks were logged). */
  logIndex(purl: string): number | undefined {
    return (
      (
        this.db.prepare(`SELECT log_index FROM yank WHERE purl = ?`).get(purl) as
          { log_index: number | null } | undefined
      )?.log_index ?? undefined
    );
  }

  set(purl: string, yanked: boolean, reason = '', at = new Date(), logIndex?: number): void {
    if (yanked)
      this.db
        .prepare(
          `INSERT INTO yank (purl, reason, yanked_at, log_index) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET reason = excluded.reason, yanked_at = excluded.yanked_at, log_index = excluded.log_index`,
        )
        .run(purl, reason, at.toISOString(), logIndex ?? null);
    else this.db.prepare(`DELETE FROM yank WHERE purl = ?`).run(purl);
  }

  /**
   * yank logs the registry's yank statement for `files` and then records the state under `key`
   * (a release's purl, or a version key for PyPI's whole-version yanks). Returns the log index.
   * Logged first: a crash in between leaves a logged yank the state lacks (visible, retried),
   * never hidden state nobody can audit.
   */
  async yank(
    ctx: RegistryContext,
    key: string,
    files: readonly ReleaseRow[],
    yanked: boolean,
    reason: string,
    account: string | null,
  ): Promise<number> {
    const index = await logYank(ctx, files, yanked, reason, account);
    this.set(key, yanked, reason, ctx.now(), index);
    return index;
  }
}
