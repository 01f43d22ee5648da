// Release keys in the release store: a database from before release keys gets the column
// and its rows' keys at start-up; two spellings of one version stored back then are reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backfillReleaseKeys, findRelease } from '../../src/registry/release-keys.js';
import { SqliteReleaseTables } from '../../src/store/registry/sqlite-release-tables.js';
import { ReleaseStore, type ReleaseRow } from '../../src/store/registry/releases.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function row(
  purl: string,
  version: string,
): Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'> {
  return {
    purl,
    type: 'npm',
    namespace: '',
    name: 'a',
    version,
    sha256: 'a'.repeat(64),
    sha512: 'b'.repeat(128),
    size: 1,
    native: '{}',
    publishedAt: '2026-01-01T00:00:00Z',
    filename: 'a.tgz',
    account: null,
    authorBundle: null,
    authorKeyId: null,
    authorKeyPem: null,
    authorEntry: null,
    publishEnvelope: '{}',
    publishEntry: new Uint8Array([1]),
    registrySignature: null,
  };
}

describe('release keys in the store', () => {
  it('an older database gets the column; backfill keys its rows and reports two spellings of one version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-relkey-'));
    dirs.push(dir);
    const old = new ReleaseStore(dir);
    old.db.exec('DROP INDEX release_key; ALTER TABLE release DROP COLUMN release_key');
    old.db
      .prepare(
        `INSERT INTO release (purl, type, namespace, name, version, sha256, sha512, size, native, published_at, filename, publish_envelope, publish_entry, state)
      VALUES (?, 'npm', '', 'a', ?, ?, ?, 1, '{}', '2026-01-01', 'a.tgz', '{}', x'01', 'published')`,
      )
      .run('pkg:npm/a@1.0.0', '1.0.0', 'a'.repeat(64), 'b'.repeat(128));
    old.db
      .prepare(
        `INSERT INTO release (purl, type, namespace, name, version, sha256, sha512, size, native, published_at, filename, publish_envelope, publish_entry, state)
      VALUES (?, 'npm', '', 'a', ?, ?, ?, 1, '{}', '2026-01-02', 'a.tgz', '{}', x'02', 'published')`,
      )
      .run('pkg:npm/a@1.0.0+b', '1.0.0+b', 'c'.repeat(64), 'd'.repeat(128));
    old.db.close();
    const store = new ReleaseStore(dir);
    expect(store.keyless().sort()).toEqual(['pkg:npm/a@1.0.0', 'pkg:npm/a@1.0.0+b']);
    expect(await backfillReleaseKeys(new SqliteReleaseTables(store))).toEqual([
      'pkg:npm/a@1.0.0+b',
    ]);
    expect(findRelease(store, 'pkg:npm/a@1.0.0+anything')?.purl).toBe('pkg:npm/a@1.0.0');
    // From now on the key holds: another spelling of 1.0.0 finds the existing row.
    expect(store.reserve(row('pkg:npm/a@1.0.0+c', '1.0.0+c'), 'pkg:npm/a@1.0.0')).toMatchObject({
      kind: 'exists',
      row: { purl: 'pkg:npm/a@1.0.0' },
    });
    store.db.close();
  });
});
