/**
 * PgPackageState: {@link PackageState} on PostgreSQL (migration 4), shared by
 * every replica. Each method is one statement: upserts for dist-tags and
 * yanks, INSERT … ON CONFLICT DO NOTHING for conflicts and sumdb records
 * (the unique key decides which replica's row stands).
 */
import type pg from 'pg';
import type {
  ConflictRow,
  NpmTarballFacts,
  PackageState,
  YankRow,
} from '../registry/package-state.js';
import { pgCall } from './pg.js';

const CONFLICT_COLUMNS = `id, purl, upstream, seen_at AS "seenAt", logged_sha512 AS "loggedSha512", offered, envelope, log_index AS "logIndex"`;

export class PgPackageState implements PackageState {
  constructor(private readonly pool: pg.Pool) {}

  private q<R extends pg.QueryResultRow>(what: string, sql: string, args: unknown[]) {
    return pgCall(what, () => this.pool.query<R>(sql, args));
  }

  async distTags(type: string, namespace: string, name: string) {
    const r = await this.q<{ tag: string; version: string }>(
      'dist-tags',
      'SELECT tag, version FROM dist_tag WHERE type = $1 AND namespace = $2 AND name = $3 ORDER BY tag COLLATE "C"',
      [type, namespace, name],
    );
    return Object.fromEntries(r.rows.map((t) => [t.tag, t.version]));
  }
  async setDistTag(
    type: string,
    namespace: string,
    name: string,
    tag: string,
    version: string | null,
  ) {
    if (version === null)
      await this.q(
        'dist-tag',
        'DELETE FROM dist_tag WHERE type = $1 AND namespace = $2 AND name = $3 AND tag = $4',
        [type, namespace, name, tag],
      );
    else
      await this.q(
        'dist-tag',
        `INSERT INTO dist_tag (type, namespace, name, tag, version) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (type, namespace, name, tag) DO UPDATE SET version = excluded.version`,
        [type, namespace, name, tag, version],
      );
  }
  async yankOf(key: string): Promise<YankRow | undefined> {
    const r = await this.q<{
      purl: string;
      reason: string;
      yankedAt: string;
      logIndex: string | null;
    }>(
      'yank',
      'SELECT purl, reason, yanked_at AS "yankedAt", log_index AS "logIndex" FROM yank WHERE purl = $1',
      [key],
    );
    const y = r.rows[0];
    return y && { ...y, logIndex: y.logIndex === null ? null : Number(y.logIndex) };
  }
  async setYank(key: string, yanked: boolean, reason: string, at: string, logIndex: number | null) {
    if (yanked)
      await this.q(
        'yank',
        `INSERT INTO yank (purl, reason, yanked_at, log_index) VALUES ($1, $2, $3, $4)
         ON CONFLICT (purl) DO UPDATE SET reason = excluded.reason, yanked_at = excluded.yanked_at, log_index = excluded.log_index`,
        [key, reason, at, logIndex],
      );
    else await this.q('yank', 'DELETE FROM yank WHERE purl = $1', [key]);
  }
  async hasConflict(purl: string, offered: string) {
    const r = await this.q(
      'conflict',
      'SELECT 1 FROM upstream_conflict WHERE purl = $1 AND offered = $2',
      [purl, offered],
    );
    return r.rowCount !== 0;
  }
  async addConflict(row: Omit<ConflictRow, 'id'>) {
    const r = await this.q(
      'conflict',
      `INSERT INTO upstream_conflict (purl, upstream, seen_at, logged_sha512, offered, envelope, log_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (purl, offered) DO NOTHING`,
      [
        row.purl,
        row.upstream,
        row.seenAt,
        row.loggedSha512,
        row.offered,
        row.envelope,
        row.logIndex,
      ],
    );
    return r.rowCount === 1;
  }
  async conflicts(options: { purl?: string; limit?: number } = {}) {
    type Raw = Omit<ConflictRow, 'id' | 'logIndex'> & { id: string; logIndex: string };
    const limit = options.limit ?? 1000;
    const r =
      options.purl !== undefined
        ? await this.q<Raw>(
            'conflicts',
            `SELECT ${CONFLICT_COLUMNS} FROM upstream_conflict WHERE purl = $1 ORDER BY id DESC LIMIT $2`,
            [options.purl, limit],
          )
        : await this.q<Raw>(
            'conflicts',
            `SELECT ${CONFLICT_COLUMNS} FROM upstream_conflict ORDER BY id DESC LIMIT $1`,
            [limit],
          );
    return r.rows.map((c) => ({ ...c, id: Number(c.id), logIndex: Number(c.logIndex) }));
  }
  async loggedConflicts(start: number, end: number) {
    type Raw = Omit<ConflictRow, 'id' | 'logIndex'> & { id: string; logIndex: string };
    const r = await this.q<Raw>(
      'conflicts',
      `SELECT ${CONFLICT_COLUMNS} FROM upstream_conflict WHERE log_index >= $1 AND log_index < $2 ORDER BY log_index`,
      [start, end],
    );
    return r.rows.map((c) => ({ ...c, id: Number(c.id), logIndex: Number(c.logIndex) }));
  }
  async npmTarball(sha256: string) {
    const r = await this.q<NpmTarballFacts>(
      'npm tarball facts',
      'SELECT sha1, manifest FROM npm_tarball WHERE sha256 = $1',
      [sha256],
    );
    return r.rows[0];
  }
  async putNpmTarball(sha256: string, facts: NpmTarballFacts) {
    await this.q(
      'npm tarball facts',
      'INSERT INTO npm_tarball (sha256, sha1, manifest) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [sha256, facts.sha1, facts.manifest],
    );
  }
  async sumdbRecord(path: string, version: string) {
    const r = await this.q<{ id: string }>(
      'sumdb record',
      'SELECT id FROM sumdb_record WHERE path = $1 AND version = $2',
      [path, version],
    );
    return r.rows[0] === undefined ? undefined : Number(r.rows[0].id);
  }
  async recordSumdb(path: string, version: string, id: number) {
    // Insert, or read the row that stood first. A row committed by another replica while this
    // statement ran is not in its snapshot (empty answer): read it again, in a new snapshot.
    const r = await this.q<{ id: string }>(
      'sumdb record',
      `WITH ins AS (INSERT INTO sumdb_record (path, version, id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id)
       SELECT id FROM ins UNION ALL SELECT id FROM sumdb_record WHERE path = $1 AND version = $2 LIMIT 1`,
      [path, version, id],
    );
    if (r.rows[0] !== undefined) return Number(r.rows[0].id);
    const stored = await this.sumdbRecord(path, version);
    if (stored === undefined) throw new Error(`sumdb record ${path}@${version} vanished`); // rows are never deleted
    return stored;
  }
  async close() {}
}
