/**
 * SqlitePackageState: the embedded default {@link PackageState}, on the tables
 * the embedded stores already use — `dist_tag` (ReleaseStore), `yank`
 * (YankStore), `upstream_conflict` (ConflictStore) in registry.sqlite, and
 * the Go checksum database's `record` in gosumdb/records.sqlite — so the
 * driver reads and writes an existing data directory as it is.
 */
import Database from 'better-sqlite3';
import { ConflictStore } from './conflicts.js';
import type { ConflictRow, NpmTarballFacts, PackageState, YankRow } from './package-state.js';

export class SqlitePackageState implements PackageState {
  private readonly conflictStore: ConflictStore;
  private readonly owned: Database.Database[] = [];
  private readonly db: Database.Database;
  private readonly sumdb: Database.Database;

  /** `db`: registry.sqlite (path or open handle); `sumdb`: gosumdb/records.sqlite (path or handle). */
  constructor(db: string | Database.Database, sumdb: string | Database.Database) {
    this.db = this.open(db);
    this.sumdb = this.open(sumdb);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS dist_tag (type TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, tag TEXT NOT NULL, version TEXT NOT NULL,
        PRIMARY KEY (type, namespace, name, tag));
      CREATE TABLE IF NOT EXISTS yank (purl TEXT PRIMARY KEY, reason TEXT NOT NULL, yanked_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS npm_tarball (sha256 TEXT PRIMARY KEY, sha1 TEXT NOT NULL, manifest TEXT NOT NULL)`);
    const columns = this.db.prepare(`SELECT name FROM pragma_table_info('yank')`).pluck().all();
    if (!columns.includes('log_index'))
      this.db.exec(`ALTER TABLE yank ADD COLUMN log_index INTEGER`);
    this.sumdb.exec(
      'CREATE TABLE IF NOT EXISTS record (path TEXT NOT NULL, version TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (path, version))',
    );
    this.conflictStore = new ConflictStore(this.db);
  }

  private open(pathOrDb: string | Database.Database): Database.Database {
    if (typeof pathOrDb !== 'string') return pathOrDb;
    const db = new Database(pathOrDb);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    this.owned.push(db);
    return db;
  }

  async distTags(type: string, namespace: string, name: string) {
    const rows = this.db
      .prepare(
        `SELECT tag, version FROM dist_tag WHERE type = ? AND namespace = ? AND name = ? ORDER BY tag`,
      )
      .all(type, namespace, name) as { tag: string; version: string }[];
    return Object.fromEntries(rows.map((r) => [r.tag, r.version]));
  }
  async setDistTag(
    type: string,
    namespace: string,
    name: string,
    tag: string,
    version: string | null,
  ) {
    if (version === null)
      this.db
        .prepare(`DELETE FROM dist_tag WHERE type = ? AND namespace = ? AND name = ? AND tag = ?`)
        .run(type, namespace, name, tag);
    else
      this.db
        .prepare(
          `INSERT INTO dist_tag (type, namespace, name, tag, version) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version`,
        )
        .run(type, namespace, name, tag, version);
  }
  async yankOf(key: string) {
    return this.db
      .prepare(
        `SELECT purl, reason, yanked_at AS yankedAt, log_index AS logIndex FROM yank WHERE purl = ?`,
      )
      .get(key) as YankRow | undefined;
  }
  async setYank(key: string, yanked: boolean, reason: string, at: string, logIndex: number | null) {
    if (yanked)
      this.db
        .prepare(
          `INSERT INTO yank (purl, reason, yanked_at, log_index) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET reason = excluded.reason, yanked_at = excluded.yanked_at, log_index = excluded.log_index`,
        )
        .run(key, reason, at, logIndex);
    else this.db.prepare(`DELETE FROM yank WHERE purl = ?`).run(key);
  }
  async hasConflict(purl: string, offered: string) {
    return this.conflictStore.has(purl, offered);
  }
  async addConflict(row: Omit<ConflictRow, 'id'>) {
    return this.conflictStore.add(row);
  }
  async conflicts(options: { purl?: string; limit?: number } = {}) {
    return this.conflictStore.list(options);
  }
  async loggedConflicts(start: number, end: number) {
    return this.conflictStore.loggedIn(start, end);
  }
  async npmTarball(sha256: string) {
    return this.db
      .prepare(`SELECT sha1, manifest FROM npm_tarball WHERE sha256 = ?`)
      .get(sha256) as NpmTarballFacts | undefined;
  }
  async putNpmTarball(sha256: string, facts: NpmTarballFacts) {
    // Not fsynced on its own (see PackageState): one fsync per first-seen tarball blocked the
    // event loop for most of a cold proxy install's store time.
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db
        .prepare(`INSERT OR IGNORE INTO npm_tarball (sha256, sha1, manifest) VALUES (?, ?, ?)`)
        .run(sha256, facts.sha1, facts.manifest);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }
  async sumdbRecord(path: string, version: string) {
    const r = this.sumdb
      .prepare('SELECT id FROM record WHERE path = ? AND version = ?')
      .get(path, version) as { id: number } | undefined;
    return r?.id;
  }
  async recordSumdb(path: string, version: string, id: number) {
    this.sumdb
      .prepare('INSERT OR IGNORE INTO record (path, version, id) VALUES (?, ?, ?)')
      .run(path, version, id);
    return (await this.sumdbRecord(path, version))!;
  }
  async close() {
    for (const db of this.owned) db.close();
  }
}
