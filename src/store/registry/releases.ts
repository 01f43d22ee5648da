/**
 * ReleaseStore: the registry's release table (SQLite, better-sqlite3) and
 * its content-addressed blob folder.
 *
 * Contract:
 * - `reserve` is the one place where name@version is claimed. It runs in a
 *   SQLite transaction on a PRIMARY KEY, so of many concurrent publishes of
 *   one purl exactly one gets `reserved`; the others see `exists` or `pending`.
 * - A reserved row is `pending` and invisible to readers until `complete`
 *   marks it `published`. Readers only ever see published rows.
 * - Every method is durable on return (WAL, synchronous=FULL), except `reserve`, which is
 *   made durable by the next `syncBatched`/`completeBatched` (group commit).
 * - Blobs are stored under their sha256 and are durable before their row can be completed;
 *   identical bytes are stored once. Small blobs (≤ SMALL_BLOB_BYTES) are rows of the
 *   database, made durable by the same group commit as their reservation (no fsync of
 *   their own: a publish costs O(1) fsyncs amortised over the batch); larger ones are
 *   files (temp, fsync, rename, fsync dir). An orphaned blob (row rolled back) is harmless.
 */
import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../../io/durable-file.js';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { WalSync } from '../wal-sync.js';

/** ReleaseRow is one release as stored. JSON columns are kept as text. */
export interface ReleaseRow {
  readonly purl: string;
  readonly type: string;
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly sha512: string;
  readonly size: number;
  readonly native: string;
  readonly publishedAt: string;
  readonly filename: string;
  readonly account: string | null;
  readonly authorBundle: string | null;
  readonly authorKeyId: string | null;
  /** PEM SPKI of the author key the signature verified with. */
  readonly authorKeyPem: string | null;
  readonly authorEntry: Uint8Array | null;
  readonly publishEnvelope: string;
  readonly publishEntry: Uint8Array;
  readonly registrySignature: string | null;
  readonly authorIndex: number | null;
  readonly publishIndex: number | null;
  readonly state: 'pending' | 'published';
}

/**
 * ReserveGuard sees every row (pending ones too) of the package being reserved, inside the
 * reservation's transaction, and throws to refuse it (nothing is written): a rule about the
 * package's other releases that must hold atomically with the reservation (observed/shadowing.ts).
 */
export type ReserveGuard = (siblings: readonly ReleaseRow[]) => void;

export type ReserveOutcome =
  | { readonly kind: 'reserved' }
  | { readonly kind: 'exists'; readonly row: ReleaseRow }
  | { readonly kind: 'pending'; readonly row: ReleaseRow };

/**
 * Blobs up to this size live in the database. SQLite reads and writes blobs of this size
 * faster than the file system does (sqlite.org/intern-v-extern-blob.html), and a file costs
 * two fsyncs (file and folder) that cannot share the batch's one WAL fsync.
 */
export const SMALL_BLOB_BYTES = 128 * 1024;

/** One write of a group commit: a durability barrier, a completion, or a small blob. */
type GroupWrite =
  | { readonly kind: 'sync' }
  | {
      readonly kind: 'complete';
      readonly purl: string;
      readonly authorIndex: number | null;
      readonly publishIndex: number;
    }
  | { readonly kind: 'blob'; readonly sha256: string; readonly bytes: Uint8Array };

const COLUMNS = `purl, type, namespace, name, version, sha256, sha512, size, native, published_at AS publishedAt, filename, account,
  author_bundle AS authorBundle, author_key_id AS authorKeyId, author_key_pem AS authorKeyPem, author_entry AS authorEntry, publish_envelope AS publishEnvelope,
  publish_entry AS publishEntry, registry_signature AS registrySignature, author_index AS authorIndex, publish_index AS publishIndex, state`;

export class ReleaseStore {
  readonly db: Database.Database;
  private readonly blobDir: string;
  /** The WAL's fsync, off the event loop (see flushCompletions). */
  private readonly wal: WalSync;
  private readonly statements = new Map<string, Database.Statement>();
  /** Writes waiting for the next group commit (flushCompletions). */
  private completions: {
    c: GroupWrite;
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.blobDir = join(dataDir, 'blobs', 'sha256');
    mkdirSync(this.blobDir, { recursive: true });
    const dbFile = join(dataDir, 'registry.sqlite');
    this.db = new Database(dbFile);
    this.wal = new WalSync(dbFile);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS release (
        purl TEXT PRIMARY KEY,
        type TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
        sha256 TEXT NOT NULL, sha512 TEXT NOT NULL, size INTEGER NOT NULL, native TEXT NOT NULL,
        published_at TEXT NOT NULL, filename TEXT NOT NULL, account TEXT,
        author_bundle TEXT, author_key_id TEXT, author_key_pem TEXT, author_entry BLOB,
        publish_envelope TEXT NOT NULL, publish_entry BLOB NOT NULL,
        registry_signature TEXT,
        author_index INTEGER, publish_index INTEGER,
        state TEXT NOT NULL CHECK (state IN ('pending', 'published'))
      );
      CREATE INDEX IF NOT EXISTS release_sha256 ON release (sha256);
      CREATE INDEX IF NOT EXISTS release_sha512 ON release (sha512);
      CREATE INDEX IF NOT EXISTS release_namespace ON release (type, namespace, name);
      -- Repository indexes count an ecosystem's published releases on every request (release-stamp.ts):
      -- from this index alone, without reading any row (measured 38 ms → 0.7 ms at 2,000 rows).
      CREATE INDEX IF NOT EXISTS release_published_type ON release (type) WHERE state = 'published';
      -- npm personality: facts read once from a tarball (sha1 for dist.shasum, its package.json), by content.
      CREATE TABLE IF NOT EXISTS npm_tarball (sha256 TEXT PRIMARY KEY, sha1 TEXT NOT NULL, manifest TEXT NOT NULL);
      -- npm dist-tags set explicitly (npm publish --tag, npm dist-tag add); latest defaults to the highest version.
      CREATE TABLE IF NOT EXISTS dist_tag (type TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, tag TEXT NOT NULL, version TEXT NOT NULL,
        PRIMARY KEY (type, namespace, name, tag));
      CREATE TABLE IF NOT EXISTS release_sync (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
      -- Small artifacts, content-addressed (SMALL_BLOB_BYTES); larger ones are files under blobs/sha256.
      CREATE TABLE IF NOT EXISTS blob (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL);
    `);
    // The release key (src/ecosystems/release-key.ts): one row per version as the ecosystem counts
    // versions (npm 1.0.0 = 1.0.0+build, NuGet ids case-insensitive, …). Added to older databases
    // here; the registry fills it in for their rows at start-up (keyless/setReleaseKey).
    const columns = this.db
      .prepare(`SELECT name FROM pragma_table_info('release')`)
      .pluck()
      .all() as string[];
    if (!columns.includes('release_key'))
      this.db.exec(`ALTER TABLE release ADD COLUMN release_key TEXT`);
    this.db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS release_key ON release (release_key)`);
  }

  /** q returns a prepared statement, prepared once (preparing costs more than running these). */
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /**
   * reserve claims a purl for a new release (state pending), atomically. It is NOT durable
   * on return (no fsync: 16 uploads would wait in line on the event loop for 16 fsyncs);
   * call `syncBatched()` before anything depends on the reservation surviving a power loss
   * (the log appends). A reservation lost that way was never acknowledged.
   */
  reserve(
    row: Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'>,
    releaseKey?: string,
    guard?: ReserveGuard,
  ): ReserveOutcome {
    return this.unsynced(() => this.reserveTx(row, releaseKey ?? null, guard));
  }

  /** unsynced runs writes without their own WAL fsync; the next syncBatched makes them durable. */
  private unsynced<T>(fn: () => T): T {
    this.q('PRAGMA synchronous = NORMAL').run();
    try {
      return fn();
    } finally {
      this.q('PRAGMA synchronous = FULL').run();
    }
  }

  /** syncBatched resolves once every earlier write is durable; concurrent callers share one WAL fsync. */
  syncBatched(): Promise<void> {
    return this.enqueue({ kind: 'sync' });
  }

  private reserveTx(
    row: Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'>,
    releaseKey: string | null,
    guard: ReserveGuard | undefined,
  ): ReserveOutcome {
    return this.db
      .transaction((): ReserveOutcome => {
        // The same purl, or another spelling of the same version (same release key).
        const existing =
          this.getAny(row.purl) ??
          (releaseKey === null
            ? undefined
            : (this.q(`SELECT ${COLUMNS} FROM release WHERE release_key = ?`).get(releaseKey) as
                ReleaseRow | undefined));
        if (existing)
          return existing.state === 'published'
            ? { kind: 'exists', row: existing }
            : { kind: 'pending', row: existing };
        guard?.(
          this.q(
            `SELECT ${COLUMNS} FROM release WHERE type = ? AND namespace = ? AND name = ?`,
          ).all(row.type, row.namespace, row.name) as ReleaseRow[],
        );
        this.q(
          `INSERT INTO release (purl, type, namespace, name, version, sha256, sha512, size, native, published_at, filename, account,
            author_bundle, author_key_id, author_key_pem, author_entry, publish_envelope, publish_entry, registry_signature, state, release_key)
           VALUES (@purl, @type, @namespace, @name, @version, @sha256, @sha512, @size, @native, @publishedAt, @filename, @account,
            @authorBundle, @authorKeyId, @authorKeyPem, @authorEntry, @publishEnvelope, @publishEntry, @registrySignature, 'pending', @releaseKey)`,
        ).run({ ...row, releaseKey });
        return { kind: 'reserved' };
      })
      .immediate();
  }

  /** complete publishes a reserved release with its log indexes. */
  complete(purl: string, authorIndex: number | null, publishIndex: number): void {
    const r = this.q(
      `UPDATE release SET state = 'published', author_index = ?, publish_index = ? WHERE purl = ? AND state = 'pending'`,
    ).run(authorIndex, publishIndex, purl);
    if (r.changes !== 1) throw new Error(`release store: ${purl} was not pending`); // internal bug
  }

  /**
   * completeBatched is complete() with group commit: the completions that arrive in the same
   * turn of the event loop (the publishes of one log batch) share one transaction, so one
   * WAL fsync instead of one each. Durable when the promise resolves, like complete().
   */
  completeBatched(purl: string, authorIndex: number | null, publishIndex: number): Promise<void> {
    return this.enqueue({ kind: 'complete', purl, authorIndex, publishIndex });
  }

  private enqueue(c: GroupWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.completions.push({ c, resolve, reject }) === 1)
        setImmediate(() => void this.flushCompletions());
    });
  }

  /**
   * One write transaction, then one fsync of the WAL (src/store/wal-sync.ts), which makes it
   * and every earlier write durable; the fsync runs off the event loop, which keeps serving
   * the next batch meanwhile. Waiters resolve only after it.
   */
  private async flushCompletions(): Promise<void> {
    const batch = this.completions;
    this.completions = [];
    const update = this.q(
      `UPDATE release SET state = 'published', author_index = ?, publish_index = ? WHERE purl = ? AND state = 'pending'`,
    );
    const mark = this.q(`INSERT OR REPLACE INTO release_sync (id, at) VALUES (1, ?)`);
    const blob = this.q(`INSERT OR IGNORE INTO blob (sha256, bytes) VALUES (?, ?)`);
    let changed: number[];
    try {
      changed = this.unsynced(() =>
        this.db.transaction(() => {
          mark.run(Date.now()); // a write: the WAL exists (and holds this batch) before its fsync
          return batch.map(({ c }) => {
            if (c.kind === 'complete')
              return update.run(c.authorIndex, c.publishIndex, c.purl).changes;
            if (c.kind === 'blob') blob.run(c.sha256, c.bytes);
            return 1;
          });
        })(),
      );
      await this.wal.sync();
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    batch.forEach((b, i) =>
      changed[i] === 1
        ? b.resolve()
        : b.reject(
            new Error(`release store: ${b.c.kind === 'complete' ? b.c.purl : ''} was not pending`),
          ),
    );
  }

  /** abandon removes a pending reservation (publish failed before it was logged). */
  abandon(purl: string): void {
    this.q(`DELETE FROM release WHERE purl = ? AND state = 'pending'`).run(purl);
  }

  /** get returns a published release. */
  get(purl: string): ReleaseRow | undefined {
    const row = this.q(`SELECT ${COLUMNS} FROM release WHERE purl = ? AND state = 'published'`).get(
      purl,
    ) as ReleaseRow | undefined;
    return row;
  }

  /** getByReleaseKey returns the published release with this release key (any spelling of that version). */
  getByReleaseKey(releaseKey: string): ReleaseRow | undefined {
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE release_key = ? AND state = 'published'`,
    ).get(releaseKey) as ReleaseRow | undefined;
  }

  /**
   * filesOfReleaseKey returns the published files of one version: the row whose release key is
   * `versionKey` itself (stored without a file qualifier) and every `<versionKey>?…` row (one per
   * file, src/ecosystems/release-key.ts FILE_QUALIFIERS), oldest first.
   */
  filesOfReleaseKey(versionKey: string): ReleaseRow[] {
    // A range on the unique index: "<versionKey>?…" sorts between "<versionKey>?" and "<versionKey>@".
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE state = 'published' AND (release_key = ? OR (release_key >= ? AND release_key < ?)) ORDER BY published_at, rowid`,
    ).all(versionKey, `${versionKey}?`, `${versionKey}@`) as ReleaseRow[];
  }

  /** anyOfPackageKey returns one release (pending or published) whose release key is `<packageKey>@…`: how that package is spelled here. */
  anyOfPackageKey(packageKey: string): ReleaseRow | undefined {
    // A range on the unique index: every key "<packageKey>@<version>" sorts between "<packageKey>@" and "<packageKey>A".
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE release_key >= ? AND release_key < ? LIMIT 1`,
    ).get(`${packageKey}@`, `${packageKey}A`) as ReleaseRow | undefined;
  }

  /** keyless lists the purls of rows stored before release keys existed. */
  keyless(): string[] {
    return this.q(`SELECT purl FROM release WHERE release_key IS NULL`).pluck().all() as string[];
  }

  /** setReleaseKey fills in a row's release key; false when another row has it already (two spellings stored before keys existed). */
  setReleaseKey(purl: string, releaseKey: string): boolean {
    try {
      return (
        this.q(`UPDATE release SET release_key = ? WHERE purl = ? AND release_key IS NULL`).run(
          releaseKey,
          purl,
        ).changes === 1
      );
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw e;
    }
  }

  private getAny(purl: string): ReleaseRow | undefined {
    return this.q(`SELECT ${COLUMNS} FROM release WHERE purl = ?`).get(purl) as
      ReleaseRow | undefined;
  }

  /** bySha256 returns published releases whose artifact has this sha256. */
  bySha256(sha256: string): ReleaseRow[] {
    return this.q(`SELECT ${COLUMNS} FROM release WHERE sha256 = ? AND state = 'published'`).all(
      sha256,
    ) as ReleaseRow[];
  }

  /** versions lists the published releases of one package (any version), oldest first. */
  versions(type: string, namespace: string, name: string): ReleaseRow[] {
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE type = ? AND namespace = ? AND name = ? AND state = 'published' ORDER BY published_at, rowid`,
    ).all(type, namespace, name) as ReleaseRow[];
  }

  /** ofType lists every published release of one ecosystem, oldest first (repository indexes: apt's Packages). */
  ofType(type: string): ReleaseRow[] {
    return this.q(
      `SELECT ${COLUMNS} FROM release WHERE type = ? AND state = 'published' ORDER BY published_at, rowid`,
    ).all(type) as ReleaseRow[];
  }

  /** pending lists reservations left by a crash, for recovery at start-up. */
  pending(): ReleaseRow[] {
    return this.q(`SELECT ${COLUMNS} FROM release WHERE state = 'pending'`).all() as ReleaseRow[];
  }

  /** npmTarball returns the cached facts of an npm tarball (by its sha256), or undefined. */
  npmTarball(sha256: string): { sha1: string; manifest: string } | undefined {
    return this.db
      .prepare(`SELECT sha1, manifest FROM npm_tarball WHERE sha256 = ?`)
      .get(sha256) as { sha1: string; manifest: string } | undefined;
  }

  /**
   * putNpmTarball caches facts derived from a tarball's bytes (idempotent: same bytes, same facts).
   * Not fsynced on its own (a row lost to a power cut is computed again from the blob): one fsync
   * per first-seen tarball blocked the event loop for most of a cold proxy install's store time.
   */
  putNpmTarball(sha256: string, sha1: string, manifest: string): void {
    this.db.pragma('synchronous = NORMAL');
    try {
      this.q(`INSERT OR IGNORE INTO npm_tarball (sha256, sha1, manifest) VALUES (?, ?, ?)`).run(
        sha256,
        sha1,
        manifest,
      );
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  count(): number {
    return (
      this.q(`SELECT count(*) AS n FROM release WHERE state = 'published'`).get() as { n: number }
    ).n;
  }

  // ---- blobs ------------------------------------------------------------

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('blobPath: not a sha256 hex'); // callers validate input first
    return join(this.blobDir, sha256.slice(0, 2), sha256.slice(2));
  }

  /**
   * putBlob stores bytes under their sha256, durably before it resolves; identical bytes are
   * stored once. A small blob joins the next group commit (a row); a larger one is a file
   * (file and folder fsync'd off the event loop, in parallel with the other uploads).
   */
  async putBlob(sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.blobPath(sha256);
    if (bytes.length <= SMALL_BLOB_BYTES) {
      // A row, written and made durable by the next group commit (one transaction, one fsync).
      return this.enqueue({ kind: 'blob', sha256, bytes });
    }
    try {
      if ((await stat(path)).size === bytes.length) return;
    } catch {
      /* not there yet */
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, bytes);
  }

  /** readBlob returns the bytes stored under a sha256, or undefined. */
  readBlob(sha256: string): Buffer | undefined {
    const row = this.q(`SELECT bytes FROM blob WHERE sha256 = ?`).pluck().get(sha256) as
      Buffer | undefined;
    if (row !== undefined) return row;
    try {
      return readFileSync(this.blobPath(sha256));
    } catch {
      return undefined;
    }
  }

  removeBlob(sha256: string): void {
    this.q(`DELETE FROM blob WHERE sha256 = ?`).run(sha256);
    try {
      unlinkSync(this.blobPath(sha256));
    } catch {
      /* already gone */
    }
  }

  close(): void {
    this.wal.close();
    this.db.close();
  }
}
