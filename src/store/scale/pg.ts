/**
 * PostgreSQL connection and versioned schema migrations for the scale-out
 * drivers (`pg` 8.23).
 *
 * - `openPostgres(url)` returns a pool; connection-level failures surface as
 *   {@link StorageUnavailableError} (503 + Retry-After), never as a crash.
 * - Migrations are numbered and applied in order, each in its own
 *   transaction, under a PostgreSQL advisory lock: N replicas starting at
 *   once apply each migration exactly once, and a replica whose code is older
 *   than the schema refuses to start instead of writing rows it does not
 *   understand.
 */
import pg from 'pg';
import { InputError } from '../../core/errors.js';
import { isUnavailable, StorageUnavailableError } from './unavailable.js';

/** Advisory lock keys (any 64-bit number unique within the database). */
export const MIGRATION_LOCK = 0x5191_0001;

/** MIGRATIONS: append only; never edit a released one. */
export const MIGRATIONS: readonly {
  readonly version: number;
  readonly why: string;
  readonly sql: string;
}[] = [
  {
    version: 1,
    why: 'transparency log on PostgreSQL + object store',
    sql: `
      -- The commit record of each log: size, root, signed checkpoint (compare-and-swap on size).
      CREATE TABLE log_state (log TEXT PRIMARY KEY, size BIGINT NOT NULL, root BYTEA NOT NULL, checkpoint TEXT NOT NULL);
      -- Every tree size ever committed, with its root: a second root for one size is refused (Sunlight's rule).
      CREATE TABLE log_tree (log TEXT NOT NULL, size BIGINT NOT NULL, root BYTEA NOT NULL, PRIMARY KEY (log, size));
      -- Dedup: leaf hash -> index (the unique index makes one entry one index).
      CREATE TABLE log_dedup (log TEXT NOT NULL, hash BYTEA NOT NULL, idx BIGINT NOT NULL, PRIMARY KEY (log, hash));
      -- Which content-addressed object holds each C2SP path of the committed tree.
      CREATE TABLE log_object (log TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (log, path));
      -- The shared append queue: any replica inserts, the integrator drains (durable before the integrator sees it).
      CREATE TABLE log_queue (log TEXT NOT NULL, id BIGSERIAL, hash BYTEA NOT NULL, entry BYTEA NOT NULL,
        PRIMARY KEY (log, id), UNIQUE (log, hash));
    `,
  },
  {
    version: 2,
    why: 'registry state shared by replicas: rate limits, TOTP replay, token revocation',
    sql: `
      CREATE TABLE rate_bucket (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at_ms BIGINT NOT NULL);
      CREATE TABLE account_accounts (name TEXT PRIMARY KEY, created_at TEXT NOT NULL, is_admin BOOLEAN NOT NULL DEFAULT false);
      CREATE TABLE token_tokens (id TEXT PRIMARY KEY, hash BYTEA NOT NULL UNIQUE CHECK (length(hash) = 32),
        account TEXT NOT NULL REFERENCES account_accounts (name), label TEXT NOT NULL DEFAULT '',
        namespaces TEXT NOT NULL, actions TEXT NOT NULL, created_at TEXT NOT NULL,
        expires_at TEXT, revoked_at TEXT, last_used_at TEXT);
      CREATE INDEX token_tokens_account ON token_tokens (account);
      CREATE TABLE totp_secrets (account TEXT PRIMARY KEY REFERENCES account_accounts (name), secret BYTEA NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'on')), created_at TEXT NOT NULL, enabled_at TEXT, last_step BIGINT);
      CREATE TABLE totp_recovery_codes (account TEXT NOT NULL REFERENCES account_accounts (name), hash BYTEA NOT NULL,
        PRIMARY KEY (account, hash));
    `,
  },
  {
    version: 3,
    why: 'publish records shared by replicas: releases (reservations, observed records) and key events',
    sql: `
      CREATE TABLE release (
        seq BIGSERIAL UNIQUE, purl TEXT PRIMARY KEY,
        type TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
        sha256 TEXT NOT NULL, sha512 TEXT NOT NULL, size BIGINT NOT NULL, native TEXT NOT NULL,
        published_at TEXT NOT NULL, filename TEXT NOT NULL, account TEXT,
        author_bundle TEXT, author_key_id TEXT, author_key_pem TEXT, author_entry BYTEA,
        publish_envelope TEXT NOT NULL, publish_entry BYTEA NOT NULL, registry_signature TEXT,
        author_index BIGINT, publish_index BIGINT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'published')),
        release_key TEXT UNIQUE);
      CREATE INDEX release_sha256 ON release (sha256);
      CREATE INDEX release_package ON release (type, namespace, name);
      CREATE TABLE key_event (id BIGSERIAL PRIMARY KEY, namespace TEXT NOT NULL, envelope TEXT NOT NULL,
        entry BYTEA NOT NULL, log_index BIGINT UNIQUE);
      CREATE INDEX key_event_namespace ON key_event (namespace, log_index);
    `,
  },
  {
    version: 4,
    why: 'who may publish (grants, first-publish holds) and per-package state (dist-tags, yanks, conflicts, sumdb records) shared by replicas',
    sql: `
      CREATE TABLE account_namespaces (account TEXT NOT NULL REFERENCES account_accounts (name), pattern TEXT NOT NULL,
        actions TEXT NOT NULL, granted_at TEXT NOT NULL, PRIMARY KEY (account, pattern));
      CREATE INDEX account_namespaces_pattern ON account_namespaces (pattern text_pattern_ops);
      -- First publishes in flight: a pattern claim over them waits (until_ms: a dead replica's hold lapses).
      CREATE TABLE account_first_publish_hold (id TEXT PRIMARY KEY, account TEXT NOT NULL, namespace TEXT NOT NULL,
        until_ms BIGINT NOT NULL);
      CREATE INDEX account_first_publish_hold_namespace ON account_first_publish_hold (namespace text_pattern_ops);
      CREATE TABLE dist_tag (type TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, tag TEXT NOT NULL,
        version TEXT NOT NULL, PRIMARY KEY (type, namespace, name, tag));
      CREATE TABLE yank (purl TEXT PRIMARY KEY, reason TEXT NOT NULL, yanked_at TEXT NOT NULL, log_index BIGINT);
      CREATE TABLE upstream_conflict (id BIGSERIAL PRIMARY KEY, purl TEXT NOT NULL, upstream TEXT NOT NULL,
        seen_at TEXT NOT NULL, logged_sha512 TEXT NOT NULL, offered TEXT NOT NULL, envelope TEXT NOT NULL,
        log_index BIGINT NOT NULL, UNIQUE (purl, offered));
      CREATE TABLE sumdb_record (path TEXT NOT NULL, version TEXT NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (path, version));
    `,
  },
  {
    version: 5,
    why: "the npm personality's tarball facts (sha1, package.json) shared by replicas; release lookups by purl prefix",
    sql: `
      CREATE TABLE npm_tarball (sha256 TEXT PRIMARY KEY, sha1 TEXT NOT NULL, manifest TEXT NOT NULL);
      CREATE INDEX release_purl_c ON release (purl COLLATE "C");
      CREATE INDEX release_key_c ON release (release_key COLLATE "C");
      CREATE INDEX upstream_conflict_log_index ON upstream_conflict (log_index);
    `,
  },
  {
    version: 6,
    why: "the web UI's sign-in sessions, shared by replicas (keyed by the SHA-256 of the cookie's id); indexes for its release listings",
    sql: `
      CREATE TABLE web_session (id_hash BYTEA PRIMARY KEY CHECK (length(id_hash) = 32), account TEXT NOT NULL,
        token_id TEXT NOT NULL, expires_at_ms BIGINT NOT NULL, enrolment JSONB);
      CREATE INDEX web_session_account ON web_session (account, expires_at_ms);
      CREATE INDEX web_session_expiry ON web_session (expires_at_ms);
      -- The UI's home page (newest releases) and log pages (documents of an index range).
      CREATE INDEX release_publish_index ON release (publish_index);
      CREATE INDEX release_author_index ON release (author_index);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * checkDatabaseUrl refuses what `--database` (or the config's `database`,
 * named by `field`) must not be: another scheme, or a password in the URL —
 * it would end up in process listings, shell history and start-up lines.
 */
export function checkDatabaseUrl(url: string, field = '--database'): void {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new InputError(
      'DATABASE_URL_INVALID',
      `${field}: expected postgres://…, got ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}`,
      {
        field,
        hint: 'write it as postgres://user@host:5432/sigil (password from PGPASSWORD or ~/.pgpass)',
      },
    );
  if (/^postgres(ql)?:\/\/[^/@?#]*:[^/@?#]*@/.test(url) || /[?&]password=/i.test(url))
    throw new InputError(
      'DATABASE_URL_INVALID',
      `${field}: a password does not belong in the URL`,
      {
        field,
        hint: 'set PGPASSWORD, or put the password in ~/.pgpass (mode 0600), and drop it from the URL',
      },
    );
}

/** openPostgres returns a pool for `url` (postgres://…, checked by {@link checkDatabaseUrl}); it connects lazily. */
export function openPostgres(url: string, max = 10): pg.Pool {
  checkDatabaseUrl(url);
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client whose server went away emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => undefined);
  return pool;
}

/** pgCall runs `f`, turning connection failures into {@link StorageUnavailableError}. */
export async function pgCall<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (isUnavailable(e)) throw new StorageUnavailableError(`PostgreSQL (${what})`, e);
    throw e;
  }
}

/** inTransaction runs `f` in one transaction on one pooled client (rolled back on any error). */
export async function inTransaction<T>(
  pool: pg.Pool,
  f: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const c = await pool.connect();
  // A session that dies while checked out between two statements (PostgreSQL restarted, a
  // backend terminated) makes pg emit 'error' on the client: unheard, that ends the process.
  // The next statement fails instead, and the pool drops the client at release.
  const onError = (): void => undefined;
  c.on('error', onError);
  try {
    await c.query('BEGIN');
    const r = await f(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.off('error', onError);
    c.release();
  }
}

/** schemaVersion returns the applied schema version (0 for an empty database). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  // Two statements: PostgreSQL resolves every table a statement names before it runs,
  // so one CASE over a missing sigil_schema fails instead of answering 0.
  const t = await pool.query<{ t: string | null }>(`SELECT to_regclass('sigil_schema') AS t`);
  if (t.rows[0]?.t === null || t.rows[0]?.t === undefined) return 0;
  const r = await pool.query<{ v: number | null }>(
    'SELECT coalesce(max(version), 0) AS v FROM sigil_schema',
  );
  return Number(r.rows[0]?.v ?? 0);
}

/**
 * migrate brings the schema to {@link SCHEMA_VERSION}, under an advisory lock so
 * that replicas starting together apply each migration once. Returns the
 * versions it applied. Refuses a schema newer than this code knows.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  return pgCall('migrate', async () => {
    const c = await pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await c.query(
          'CREATE TABLE IF NOT EXISTS sigil_schema (version INTEGER PRIMARY KEY, why TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
        );
        const have = Number(
          (await c.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM sigil_schema'))
            .rows[0]!.v,
        );
        if (have > SCHEMA_VERSION)
          throw new InputError(
            'SCHEMA_TOO_NEW',
            `the database's schema is version ${have}, newer than this sigil knows (${SCHEMA_VERSION})`,
            {
              hint: 'upgrade sigil on this replica; never run an older replica against a migrated database',
            },
          );
        const applied: number[] = [];
        for (const m of MIGRATIONS) {
          if (m.version <= have) continue;
          await c.query('BEGIN');
          try {
            await c.query(m.sql);
            await c.query('INSERT INTO sigil_schema (version, why) VALUES ($1, $2)', [
              m.version,
              m.why,
            ]);
            await c.query('COMMIT');
          } catch (e) {
            await c.query('ROLLBACK').catch(() => undefined);
            throw e;
          }
          applied.push(m.version);
        }
        return applied;
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      }
    } finally {
      c.release();
    }
  });
}

/** requireSchema refuses to run against a database that is not migrated to this code's version. */
export async function requireSchema(pool: pg.Pool): Promise<void> {
  const v = await pgCall('schema check', () => schemaVersion(pool));
  if (v !== SCHEMA_VERSION)
    throw new InputError(
      v < SCHEMA_VERSION ? 'SCHEMA_TOO_OLD' : 'SCHEMA_TOO_NEW',
      `the database's schema is version ${v}; this sigil needs ${SCHEMA_VERSION}`,
      {
        hint:
          v < SCHEMA_VERSION
            ? 'run `sigil serve --migrate` once (or start with --migrate) to apply the migrations'
            : 'upgrade sigil on this replica',
      },
    );
}
