/**
 * PgReleaseTables: {@link ReleaseTables} on PostgreSQL (migration 3), shared
 * by every replica. `reserve` is one INSERT … ON CONFLICT DO NOTHING on the
 * purl primary key and the unique release key: the database decides which
 * concurrent publish of a version wins, whatever replica it arrived on.
 */
import type pg from 'pg';
import type {
  KeyEventRow,
  NewRelease,
  ReleaseRow,
  ReleaseTables,
  ReserveOutcome,
} from '../registry/release-tables.js';
import { pgCall } from './pg.js';

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

export class PgReleaseTables implements ReleaseTables {
  /** `pool`, or one session's client (a turn's: writes through it prove the turn is still held). */
  constructor(private readonly pool: pg.Pool | pg.PoolClient) {}

  private async rows(what: string, sql: string, args: unknown[]): Promise<ReleaseRow[]> {
    return (await pgCall(what, () => this.pool.query<Raw>(sql, args))).rows.map(row);
  }

  async reserve(r: NewRelease, releaseKey?: string): Promise<ReserveOutcome> {
    for (;;) {
      const ins = await pgCall('reserve', () =>
        this.pool.query(
          `INSERT INTO release (purl, type, namespace, name, version, sha256, sha512, size, native, published_at, filename, account,
             author_bundle, author_key_id, author_key_pem, author_entry, publish_envelope, publish_entry, registry_signature, state, release_key)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,'pending',$20) ON CONFLICT DO NOTHING`,
          [
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
          ],
        ),
      );
      if (ins.rowCount === 1) return { kind: 'reserved' };
      const [existing] = await this.rows(
        'reserve',
        `SELECT ${COLUMNS} FROM release WHERE purl = $1 OR ($2::text IS NOT NULL AND release_key = $2) LIMIT 1`,
        [r.purl, releaseKey ?? null],
      );
      // The winner abandoned between our INSERT and SELECT: try again.
      if (existing === undefined) continue;
      return existing.state === 'published'
        ? { kind: 'exists', row: existing }
        : { kind: 'pending', row: existing };
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
