/**
 * PgReleaseTables: {@link ReleaseTables} on PostgreSQL (migration 3), shared
 * by every replica. `reserve` is one INSERT … ON CONFLICT DO NOTHING on the
 * purl primary key and the unique release key: the database decides which
 * concurrent publish of a version wins, whatever replica it arrived on.
 *
 * A reservation with a guard (observed/shadowing.ts) is a transaction that
 * holds the package's advisory lock (PACKAGE_LOCK, hashtext of type/namespace/name)
 * while it reads the package's rows, runs the guard and inserts. Every
 * unguarded INSERT takes the same lock inside its one statement, so no
 * reservation of the package lands between the guard's read and its insert,
 * on any replica, and the unguarded path still costs one round trip.
 */
import type pg from 'pg';
import type {
  KeyEventRow,
  LoggedDocument,
  NewRelease,
  ReleaseRow,
  ReleaseTables,
  ReserveGuard,
  ReserveOutcome,
} from '../registry/release-tables.js';
import { byCodeUnit, likePattern, versionless } from '../registry/sqlite-release-tables.js';
import { pgCall } from './pg.js';

/** First key of the per-package advisory locks (two-key form: a space apart from the one-key locks of pg-turn.ts). */
export const PACKAGE_LOCK = 0x5191_0006;

const COLUMNS = `purl, type, namespace, name, version, sha256, sha512, size, native, published_at AS "publishedAt", filename, account,
  author_bundle AS "authorBundle", author_key_id AS "authorKeyId", author_key_pem AS "authorKeyPem", author_entry AS "authorEntry",
  publish_envelope AS "publishEnvelope", publish_entry AS "publishEntry", registry_signature AS "registrySignature",
  author_index AS "authorIndex", publish_index AS "publishIndex", state`;

type Raw = Omit<ReleaseRow, 'size' | 'authorIndex' | 'publishIndex'> & {
  size: string;
  authorIndex: string | null;
  publishIndex: string | null;
};

function row(r: Raw): ReleaseRow {
  return {
    ...r,
    size: Number(r.size),
    authorIndex: r.authorIndex === null ? null : Number(r.authorIndex),
    publishIndex: r.publishIndex === null ? null : Number(r.publishIndex),
  };
}

function event(r: {
  id: string;
  namespace: string;
  envelope: string;
  entry: Buffer;
  logIndex: string | null;
}): KeyEventRow {
  return { ...r, id: Number(r.id), logIndex: r.logIndex === null ? null : Number(r.logIndex) };
}

/** The INSERT of a reservation, under the package's advisory lock (taken in the same statement). */
const INSERT_LOCKED = `WITH package_lock AS (SELECT pg_advisory_xact_lock($21::int, hashtext($22::text)))
  INSERT INTO release (purl, type, namespace, name, version, sha256, sha512, size, native, published_at, filename, account,
    author_bundle, author_key_id, author_key_pem, author_entry, publish_envelope, publish_entry, registry_signature, state, release_key)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::bigint, $9::text, $10::text, $11::text, $12::text,
    $13::text, $14::text, $15::text, $16::bytea, $17::text, $18::bytea, $19::text, 'pending', $20::text FROM package_lock
  ON CONFLICT DO NOTHING`;

/** packageLockName names the package a release belongs to, for its advisory lock. */
function packageLockName(r: Pick<NewRelease, 'type' | 'namespace' | 'name'>): string {
  return JSON.stringify([r.type, r.namespace, r.name]);
}

function isPool(p: pg.Pool | pg.PoolClient): p is pg.Pool {
  return 'totalCount' in p;
}

export class PgReleaseTables implements ReleaseTables {
  /** `pool`, or one session's client (a turn's: writes through it prove the turn is still held). */
  constructor(private readonly pool: pg.Pool | pg.PoolClient) {}

  private async rows(what: string, sql: string, args: unknown[]): Promise<ReleaseRow[]> {
    return (await pgCall(what, () => this.pool.query<Raw>(sql, args))).rows.map(row);
  }

  async reserve(r: NewRelease, releaseKey?: string, guard?: ReserveGuard): Promise<ReserveOutcome> {
    const args = [
      r.purl,
      r.type,
      r.namespace,
      r.name,
      r.version,
      r.sha256,
      r.sha512,
      r.size,
      r.native,
      r.publishedAt,
      r.filename,
      r.account,
      r.authorBundle,
      r.authorKeyId,
      r.authorKeyPem,
      r.authorEntry === null ? null : Buffer.from(r.authorEntry),
      r.publishEnvelope,
      Buffer.from(r.publishEntry),
      r.registrySignature,
      releaseKey ?? null,
      PACKAGE_LOCK,
      packageLockName(r),
    ];
    if (guard) return this.reserveGuarded(r, releaseKey, guard, args);
    for (;;) {
      const ins = await pgCall('reserve', () => this.pool.query(INSERT_LOCKED, args));
      if (ins.rowCount === 1) return { kind: 'reserved' };
      const existing = await this.existing(this.pool, r.purl, releaseKey);
      // The winner abandoned between our INSERT and SELECT: try again.
      if (existing === undefined) continue;
      return existing;
    }
  }

  private async existing(
    on: pg.Pool | pg.PoolClient,
    purl: string,
    releaseKey: string | undefined,
  ): Promise<ReserveOutcome | undefined> {
    const [existing] = (
      await pgCall('reserve', () =>
        on.query<Raw>(
          `SELECT ${COLUMNS} FROM release WHERE purl = $1 OR ($2::text IS NOT NULL AND release_key = $2) LIMIT 1`,
          [purl, releaseKey ?? null],
        ),
      )
    ).rows.map(row);
    if (existing === undefined) return undefined;
    return existing.state === 'published'
      ? { kind: 'exists', row: existing }
      : { kind: 'pending', row: existing };
  }

  /** One transaction under the package lock: existing row, guard over the siblings, insert. */
  private async reserveGuarded(
    r: NewRelease,
    releaseKey: string | undefined,
    guard: ReserveGuard,
    args: unknown[],
  ): Promise<ReserveOutcome> {
    const pooled = isPool(this.pool);
    const c = pooled ? await pgCall('reserve', () => (this.pool as pg.Pool).connect()) : this.pool;
    try {
      await pgCall('reserve', () => c.query('BEGIN'));
      await pgCall('reserve', () =>
        c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PACKAGE_LOCK, args[21]]),
      );
      const outcome =
        (await this.existing(c, r.purl, releaseKey)) ??
        (await (async (): Promise<ReserveOutcome> => {
          const siblings = (
            await pgCall('reserve', () =>
              c.query<Raw>(
                `SELECT ${COLUMNS} FROM release WHERE type = $1 AND namespace = $2 AND name = $3 ORDER BY seq`,
                [r.type, r.namespace, r.name],
              ),
            )
          ).rows.map(row);
          guard(siblings); // throws to refuse: rolled back below
          await pgCall('reserve', () => c.query(INSERT_LOCKED, args));
          return { kind: 'reserved' };
        })());
      await pgCall('reserve', () => c.query('COMMIT'));
      return outcome;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      if (pooled) (c as pg.PoolClient).release();
    }
  }

  async complete(purl: string, authorIndex: number | null, publishIndex: number): Promise<void> {
    const r = await pgCall('complete', () =>
      this.pool.query(
        `UPDATE release SET state = 'published', author_index = $2, publish_index = $3 WHERE purl = $1 AND state = 'pending'`,
        [purl, authorIndex, publishIndex],
      ),
    );
    if (r.rowCount !== 1) throw new Error(`release tables: ${purl} was not pending`); // internal bug
  }

  async abandon(purl: string): Promise<void> {
    await pgCall('abandon', () =>
      this.pool.query(`DELETE FROM release WHERE purl = $1 AND state = 'pending'`, [purl]),
    );
  }

  async get(purl: string) {
    return (
      await this.rows(
        'get release',
        `SELECT ${COLUMNS} FROM release WHERE purl = $1 AND state = 'published'`,
        [purl],
      )
    )[0];
  }
  async getByReleaseKey(k: string) {
    return (
      await this.rows(
        'get release',
        `SELECT ${COLUMNS} FROM release WHERE release_key = $1 AND state = 'published'`,
        [k],
      )
    )[0];
  }
  async bySha256(sha256: string) {
    return this.rows(
      'releases by digest',
      `SELECT ${COLUMNS} FROM release WHERE sha256 = $1 AND state = 'published'`,
      [sha256],
    );
  }
  async versions(type: string, namespace: string, name: string) {
    return this.rows(
      'versions',
      `SELECT ${COLUMNS} FROM release WHERE type = $1 AND namespace = $2 AND name = $3 AND state = 'published' ORDER BY published_at, seq`,
      [type, namespace, name],
    );
  }
  async pendingReleases() {
    return this.rows(
      'pending releases',
      `SELECT ${COLUMNS} FROM release WHERE state = 'pending' ORDER BY seq`,
      [],
    );
  }

  async filesOfReleaseKey(versionKey: string) {
    // A range on the unique index: "<versionKey>?…" sorts between "<versionKey>?" and "<versionKey>@" (in "C" order).
    return this.rows(
      'files of a version',
      `SELECT ${COLUMNS} FROM release WHERE state = 'published'
         AND (release_key = $1 OR (release_key COLLATE "C" >= $2 AND release_key COLLATE "C" < $3)) ORDER BY published_at COLLATE "C", seq`,
      [versionKey, `${versionKey}?`, `${versionKey}@`],
    );
  }
  async anyOfPackageKey(packageKey: string) {
    return (
      await this.rows(
        'package spelling',
        `SELECT ${COLUMNS} FROM release WHERE release_key COLLATE "C" >= $1 AND release_key COLLATE "C" < $2 LIMIT 1`,
        [`${packageKey}@`, `${packageKey}A`],
      )
    )[0];
  }
  async keyless() {
    const r = await pgCall('keyless releases', () =>
      this.pool.query<{ purl: string }>(
        'SELECT purl FROM release WHERE release_key IS NULL ORDER BY seq',
      ),
    );
    return r.rows.map((x) => x.purl);
  }
  async setReleaseKey(purl: string, releaseKey: string) {
    const r = await pgCall('release key', () =>
      this.pool.query(
        `UPDATE release SET release_key = $2 WHERE purl = $1 AND release_key IS NULL
           AND NOT EXISTS (SELECT 1 FROM release WHERE release_key = $2)`,
        [purl, releaseKey],
      ),
    ).catch((e: unknown) => {
      if ((e as { code?: string }).code === '23505') return { rowCount: 0 }; // unique_violation: a racing writer took it
      throw e;
    });
    return r.rowCount === 1;
  }
  async ofType(type: string) {
    return this.rows(
      'releases of a type',
      `SELECT ${COLUMNS} FROM release WHERE type = $1 AND state = 'published' ORDER BY published_at COLLATE "C", seq`,
      [type],
    );
  }
  async releasesOf(packagePurl: string, options: { readonly files?: boolean } = {}) {
    const prefix = `${packagePurl}@`;
    const rows = await this.rows(
      'releases of a package',
      // A range on the purl index: "<packagePurl>@…" sorts between "<packagePurl>@" and "<packagePurl>A".
      `SELECT ${COLUMNS} FROM release WHERE state = 'published' AND purl COLLATE "C" >= $1 AND purl COLLATE "C" < $2
         ORDER BY published_at COLLATE "C", seq`,
      [prefix, `${packagePurl}A`],
    );
    return options.files ? rows : rows.filter((x) => !x.purl.slice(prefix.length).includes('?'));
  }
  async packagesOfType(type: string) {
    const r = await pgCall('packages of a type', () =>
      this.pool.query<{ purl: string }>(
        `SELECT DISTINCT purl FROM release WHERE state = 'published' AND type = $1`,
        [type],
      ),
    );
    return versionless(r.rows.map((x) => x.purl));
  }
  async namesOfType(type: string) {
    const r = await pgCall('names of a type', () =>
      this.pool.query<{ name: string }>(
        `SELECT DISTINCT name FROM release WHERE state = 'published' AND type = $1`,
        [type],
      ),
    );
    return r.rows.map((x) => x.name).sort(byCodeUnit);
  }
  async count(type?: string) {
    const r = await pgCall('count releases', () =>
      this.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM release WHERE state = 'published' AND ($1::text IS NULL OR type = $1)`,
        [type ?? null],
      ),
    );
    return Number(r.rows[0]!.n);
  }
  async recent(limit: number) {
    return this.rows(
      'recent releases',
      `SELECT ${COLUMNS} FROM release WHERE state = 'published' ORDER BY publish_index DESC LIMIT $1`,
      [limit],
    );
  }
  async search(query: string, limit: number) {
    return this.rows(
      'search releases',
      `SELECT ${COLUMNS} FROM release WHERE state = 'published'
         AND (lower(name) LIKE $1 ESCAPE '\\' OR lower(substr(purl, 5)) LIKE $1 ESCAPE '\\'
              OR lower(namespace || '/' || name) LIKE $1 ESCAPE '\\')
         ORDER BY type COLLATE "C", namespace COLLATE "C", name COLLATE "C", publish_index DESC LIMIT $2`,
      [likePattern(query), limit],
    );
  }
  async loggedDocuments(start: number, end: number) {
    const r = await pgCall('logged documents', () =>
      this.pool.query<{ index: string; kind: LoggedDocument['kind']; doc: string }>(
        `SELECT author_index AS index, 'author' AS kind, author_bundle AS doc FROM release WHERE state = 'published' AND author_index >= $1 AND author_index < $2
         UNION ALL
         SELECT publish_index, 'publish', publish_envelope FROM release WHERE state = 'published' AND publish_index >= $1 AND publish_index < $2
         UNION ALL
         SELECT log_index, 'key-event', envelope FROM key_event WHERE log_index >= $1 AND log_index < $2
         ORDER BY 1`,
        [start, end],
      ),
    );
    return r.rows.map((x) => ({ index: Number(x.index), kind: x.kind, doc: x.doc }));
  }

  async insertKeyEvent(namespace: string, envelope: string, entry: Uint8Array): Promise<number> {
    const r = await pgCall('key event', () =>
      this.pool.query<{ id: string }>(
        'INSERT INTO key_event (namespace, envelope, entry) VALUES ($1, $2, $3) RETURNING id',
        [namespace, envelope, Buffer.from(entry)],
      ),
    );
    return Number(r.rows[0]!.id);
  }
  async completeKeyEvent(id: number, logIndex: number): Promise<void> {
    await pgCall('key event', () =>
      this.pool.query('UPDATE key_event SET log_index = $2 WHERE id = $1', [id, logIndex]),
    );
  }
  async removeKeyEvent(id: number): Promise<void> {
    await pgCall('key event', () =>
      this.pool.query('DELETE FROM key_event WHERE id = $1 AND log_index IS NULL', [id]),
    );
  }
  private async events(sql: string, args: unknown[]): Promise<KeyEventRow[]> {
    const r = await pgCall('key events', () =>
      this.pool.query<{
        id: string;
        namespace: string;
        envelope: string;
        entry: Buffer;
        logIndex: string | null;
      }>(sql, args),
    );
    return r.rows.map(event);
  }
  async keyEventsFor(namespace: string) {
    return this.events(
      'SELECT id, namespace, envelope, entry, log_index AS "logIndex" FROM key_event WHERE namespace = $1 AND log_index IS NOT NULL ORDER BY log_index',
      [namespace],
    );
  }
  async pendingKeyEvents() {
    return this.events(
      'SELECT id, namespace, envelope, entry, log_index AS "logIndex" FROM key_event WHERE log_index IS NULL ORDER BY id',
      [],
    );
  }
  async loggedKeyEventsAfter(after: number) {
    return this.events(
      'SELECT id, namespace, envelope, entry, log_index AS "logIndex" FROM key_event WHERE log_index > $1 ORDER BY log_index',
      [after],
    );
  }
  async close(): Promise<void> {}
}
