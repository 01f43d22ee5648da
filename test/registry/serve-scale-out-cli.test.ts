// `sigil serve --database/--objects [--migrate]` and the config file's `database`/`objects`:
// half a configuration, URLs of the wrong kind, credentials in either URL, an unreachable
// engine and a schema that is not this code's are refused with a message and a hint (exit 2),
// before anything is created in --data. The schema checks run against a real PostgreSQL.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openPostgres } from '../../src/store/scale/pg.js';
import { runCli } from '../helpers/cli.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-serve-scale-cli-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const serve = (...flags: string[]) =>
  runCli(['serve', '--data', data, '--port', '0', '--origin', 'cli.sigil.test/log', ...flags]);
/** Nothing may be created by a refused start. */
const dataUntouched = () => !existsSync(data) || readdirSync(data).length === 0;
const S3 = 's3://sigil?endpoint=http://127.0.0.1:9';

describe('sigil serve scale-out flags', () => {
  it('refuses --database without --objects, the reverse, and --migrate alone', async () => {
    const a = await serve('--database', 'postgres://sigil@db/sigil');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--database needs --objects/);
    expect(a.stderr).toMatch(/hint: pass both/);
    const b = await serve('--objects', S3);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--objects needs --database/);
    const c = await serve('--migrate');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--migrate needs --database/);
    expect(dataUntouched()).toBe(true);
  });

  it('refuses URLs of the wrong kind and credentials in either URL', async () => {
    const a = await serve('--database', 'mysql://db/sigil', '--objects', S3);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--database: expected postgres:\/\//);
    const b = await serve('--database', 'postgres://sigil:hunter2@db/sigil', '--objects', S3);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--database: a password does not belong in the URL/);
    expect(b.stderr).toMatch(/PGPASSWORD/);
    expect(b.stderr).not.toMatch(/hunter2/);
    const c = await serve(
      '--database',
      'postgres://sigil@db/sigil?password=hunter2',
      '--objects',
      S3,
    );
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/a password does not belong in the URL/);
    const d = await serve(
      '--database',
      'postgres://sigil@db/sigil',
      '--objects',
      's3://key:secret@bucket',
    );
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--objects: credentials do not belong in the URL/);
    expect(d.stderr).toMatch(/AWS_ACCESS_KEY_ID/);
    const e = await serve('--database', 'postgres://sigil@db/sigil', '--objects', 'https://b');
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--objects: expected s3:\/\/bucket/);
    expect(dataUntouched()).toBe(true);
  });

  it('reads database and objects from the config file; the flags win; its errors name the file', async () => {
    const cfg = join(dir, 'sigil.config.json');
    writeFileSync(cfg, JSON.stringify({ database: 'postgres://sigil:pw@db/sigil' }));
    const a = await serve('--config', cfg);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/database in .*sigil\.config\.json needs --objects/);
    writeFileSync(cfg, JSON.stringify({ database: 'postgres://sigil:pw@db/sigil', objects: S3 }));
    const b = await serve('--config', cfg);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/database in .*sigil\.config\.json: a password does not belong/);
    // The flag replaces the file's database: the file's bad URL is never used.
    const c = await serve('--config', cfg, '--database', 'mysql://db/x');
    expect(c.stderr).toMatch(/--database: expected postgres:\/\//);
    writeFileSync(cfg, JSON.stringify({ database: 42, objects: S3 }));
    const d = await serve('--config', cfg);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/database must be a URL string/);
    expect(dataUntouched()).toBe(true);
  });

  it('names an unreachable PostgreSQL instead of crashing', async () => {
    const r = await serve(
      '--database',
      `postgres://sigil@/sigil?host=${encodeURIComponent(join(dir, 'no-such-socket-dir'))}`,
      '--objects',
      S3,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot start: PostgreSQL .* is unavailable \(connect ENOENT/);
    expect(r.stderr).not.toMatch(/this is a bug/);
    expect(dataUntouched()).toBe(true);
  });
});

const pgProgram = needsPostgres('test/registry/serve-scale-out-cli.test.ts');
let cluster: PostgresCluster;
beforeAll(async () => {
  if (skipUnlessPresent(pgProgram)) return;
  pgProgram.require();
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.destroy();
});

describe.skipIf(skipUnlessPresent(pgProgram))(
  'sigil serve and the schema (real PostgreSQL)',
  () => {
    it('refuses an unmigrated database without --migrate (SCHEMA_TOO_OLD, hint --migrate)', async () => {
      const url = await cluster.createDatabase('fresh');
      const r = await serve('--database', url, '--objects', S3);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/schema is version 0; this sigil needs \d+/);
      expect(r.stderr).toMatch(/hint: run `sigil serve --migrate`/);
      expect(dataUntouched()).toBe(true);
    });

    it('refuses a database migrated past this code (SCHEMA_TOO_NEW), with --migrate too', async () => {
      const url = await cluster.createDatabase('newer');
      const pool = openPostgres(url, 1);
      try {
        const { migrate } = await import('../../src/store/scale/pg.js');
        await migrate(pool);
        const next = MIGRATIONS[MIGRATIONS.length - 1]!.version + 1;
        await pool.query(`INSERT INTO sigil_schema (version, why) VALUES ($1, 'from the future')`, [
          next,
        ]);
      } finally {
        await pool.end();
      }
      for (const extra of [[], ['--migrate']]) {
        const r = await serve('--database', url, '--objects', S3, ...extra);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/newer than this sigil knows|this sigil needs/);
        expect(r.stderr).toMatch(/hint: upgrade sigil/);
      }
      expect(dataUntouched()).toBe(true);
    });
  },
);
