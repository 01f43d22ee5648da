/**
 * SqliteReleaseTables: {@link ReleaseTables} over the embedded SQLite stores
 * (ReleaseStore, KeyEventStore), unchanged: `reserve` is made durable before
 * it resolves (the store's group-committed sync), `complete` joins the group
 * commit, everything else already is durable. Given the server's own
 * ReleaseStore it shares its handle, so old synchronous callers and the
 * contract see one database.
 */
import type Database from 'better-sqlite3';
import { KeyEventStore } from './key-events.js';
import type {
  LoggedDocument,
  NewRelease,
  ReleaseRow,
  ReleaseTables,
  ReserveGuard,
  ReserveOutcome,
} from './release-tables.js';
import { ReleaseStore } from './releases.js';

const COLUMNS = `purl, type, namespace, name, version, sha256, sha512, size, native, published_at AS publishedAt, filename, account,
  author_bundle AS authorBundle, author_key_id AS authorKeyId, author_key_pem AS authorKeyPem, author_entry AS authorEntry, publish_envelope AS publishEnvelope,
  publish_entry AS publishEntry, registry_signature AS registrySignature, author_index AS authorIndex, publish_index AS publishIndex, state`;

export class SqliteReleaseTables implements ReleaseTables {
  readonly releases: ReleaseStore;
  private readonly events: KeyEventStore;
  /** Closed by close() only when this object opened it. */
  private readonly owned: boolean;
  private readonly statements = new Map<string, Database.Statement>();

  /** `source`: a data directory (opens its own store) or the server's open ReleaseStore (shared). */
  constructor(source: string | ReleaseStore) {
    this.owned = typeof source === 'string';
    this.releases = typeof source === 'string' ? new ReleaseStore(source) : source;
    this.events = new KeyEventStore(this.releases.db);
  }
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.releases.db.prepare(sql)));
    return s;
  }
  async reserve(
    row: NewRelease,
    releaseKey?: string,
    guard?: ReserveGuard,
  ): Promise<ReserveOutcome> {
    const r = this.releases.reserve(row, releaseKey, guard);
    await this.releases.syncBatched();
    return r;
  }
  async complete(purl: string, authorIndex: number | null, publishIndex: number) {
    await this.releases.completeBatched(purl, authorIndex, publishIndex);
  }
  async abandon(purl: string) {
    this.releases.abandon(purl);
  }
  async get(purl: string) {
    return this.releases.get(purl);
  }
  async getByReleaseKey(k: string) {
    return this.releases.getByReleaseKey(k);
  }
  async bySha256(sha256: string) {
    return this.releases.bySha256(sha256);
  }
  async versions(type: string, namespace: string, name: string) {
    return this.releases.versions(type, namespace, name);
  }
  async pendingReleases() {
    return this.releases.pending();
  }
  async filesOfReleaseKey(versionKey: string) {
    return this.releases.filesOfReleaseKey(versionKey);
  }
  async anyOfPackageKey(packageKey: string) {
    return this.releases.anyOfPackageKey(packageKey);
  }
  async keyless() {
    return this.releases.keyless();
  }
  async setReleaseKey(purl: string, releaseKey: string) {
    return this.releases.setReleaseKey(purl, releaseKey);
  }
  async ofType(type: string) {
    return this.releases.ofType(type);
  }
  async releasesOf(packagePurl: string, options: { readonly files?: boolean } = {}) {
    const prefix = `${packagePurl}@`;
    const rows = this.q(
      `SELECT ${COLUMNS} FROM release WHERE state = 'published' AND substr(purl, 1, ?) = ? ORDER BY published_at, rowid`,
    ).all(prefix.length, prefix) as ReleaseRow[];
    return options.files ? rows : rows.filter((r) => !r.purl.slice(prefix.length).includes('?'));
  }
  async packagesOfType(type: string) {
    const purls = this.q(`SELECT DISTINCT purl FROM release WHERE state = 'published' AND type = ?`)
      .pluck()
      .all(type) as string[];
    return versionless(purls);
  }
  async namesOfType(type: string) {
    return (
      this.q(`SELECT DISTINCT name FROM release WHERE state = 'published' AND type = ?`)
        .pluck()
        .all(type) as string[]
    ).sort(byCodeUnit);
  }
  async count(type?: string) {
    return (
      type === undefined
        ? this.q(`SELECT count(*) FROM release WHERE state = 'published'`).pluck().get()
        : this.q(`SELECT count(*) FROM release WHERE state = 'published' AND type = ?`)
            .pluck()
            .get(type)
    ) as number;
  }
  async recent(limit: number) {
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE state = 'published' ORDER BY publish_index DESC LIMIT ?`,
    ).all(limit) as ReleaseRow[];
  }
  async search(query: string, limit: number) {
    const like = likePattern(query);
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE state = 'published'
         AND (lower(name) LIKE ? ESCAPE '\\' OR lower(substr(purl, 5)) LIKE ? ESCAPE '\\'
              OR lower(namespace || '/' || name) LIKE ? ESCAPE '\\')
         ORDER BY type, namespace, name, publish_index DESC LIMIT ?`,
    ).all(like, like, like, limit) as ReleaseRow[];
  }
  async loggedDocuments(start: number, end: number) {
    return this.q(
      `SELECT author_index AS "index", 'author' AS kind, author_bundle AS doc FROM release WHERE state = 'published' AND author_index >= ? AND author_index < ?
       UNION ALL
       SELECT publish_index, 'publish', publish_envelope FROM release WHERE state = 'published' AND publish_index >= ? AND publish_index < ?
       UNION ALL
       SELECT log_index, 'key-event', envelope FROM key_event WHERE log_index >= ? AND log_index < ?
       ORDER BY 1`,
    ).all(start, end, start, end, start, end) as LoggedDocument[];
  }
  async insertKeyEvent(namespace: string, envelope: string, entry: Uint8Array) {
    return this.events.insertPending(namespace, envelope, entry);
  }
  async completeKeyEvent(id: number, logIndex: number) {
    this.events.complete(id, logIndex);
  }
  async removeKeyEvent(id: number) {
    this.events.remove(id);
  }
  async keyEventsFor(namespace: string) {
    return this.events.loggedFor(namespace);
  }
  async pendingKeyEvents() {
    return this.events.pending();
  }
  async loggedKeyEventsAfter(after: number) {
    return this.events.loggedAfter(after);
  }
  async close() {
    if (this.owned) this.releases.close();
  }
}

/** versionless returns the distinct `pkg:…/name` parts of versioned purls, sorted. */
export function versionless(purls: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const purl of purls) {
    const at = purl.lastIndexOf('@');
    if (at > 0) out.add(purl.slice(0, at));
  }
  return [...out].sort(byCodeUnit);
}

/** byCodeUnit orders strings as SQLite's BINARY collation and PostgreSQL's "C" do (for ASCII). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** likePattern is `%query%` for LIKE … ESCAPE '\', lower-cased, with the query's own wildcards taken literally. */
export function likePattern(query: string): string {
  return `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
