// The embedded RegistryStorage (src/store/registry/registry-storage.ts) is the server's own
// SQLite store seen through the async contracts: what the old synchronous callers write, the
// contracts read, and back, while routes are converted one by one; small blobs stay rows of the
// group commit, larger ones files; closing the bundle leaves the server's store open.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/registry/accounts.js';
import {
  embeddedRegistryStorage,
  memoryRegistryStorage,
} from '../../src/store/registry/registry-storage.js';
import { ReleaseStore, SMALL_BLOB_BYTES } from '../../src/store/registry/releases.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function row(version: string, sha256: string) {
  return {
    purl: `pkg:npm/widget@${version}`,
    type: 'npm',
    namespace: '',
    name: 'widget',
    version,
    sha256,
    sha512: 'b'.repeat(128),
    size: 1,
    native: 'sha512-x',
    publishedAt: '2026-12-03T00:00:00.000Z',
    filename: `widget-${version}.tgz`,
    account: 'alice',
    authorBundle: null,
    authorKeyId: null,
    authorKeyPem: null,
    authorEntry: null,
    publishEnvelope: '{}',
    publishEntry: new Uint8Array([1]),
    registrySignature: null,
  };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('embeddedRegistryStorage', () => {
  it('shares the server store: writes on either side are read on the other at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-regstorage-'));
    dirs.push(dir);
    const store = new ReleaseStore(dir);
    const storage = embeddedRegistryStorage(store, dir);
    expect(storage.shared).toBe(false);

    store.reserve(row('1.0.0', 'a'.repeat(64)), 'npm:widget@1.0.0');
    store.complete('pkg:npm/widget@1.0.0', null, 3);
    expect((await storage.releases.get('pkg:npm/widget@1.0.0'))?.publishIndex).toBe(3);
    expect(
      await storage.releases.reserve(row('2.0.0', 'c'.repeat(64)), 'npm:widget@2.0.0'),
    ).toEqual({ kind: 'reserved' });
    await storage.releases.complete('pkg:npm/widget@2.0.0', null, 4);
    expect(store.versions('npm', '', 'widget').map((r) => r.version)).toEqual(['1.0.0', '2.0.0']);

    await storage.packages.setDistTag('npm', '', 'widget', 'beta', '2.0.0');
    // The tag lands in the server's own registry.sqlite (ReleaseStore no longer has its own reader).
    expect(
      store.db
        .prepare('SELECT tag, version FROM dist_tag WHERE type = ? AND name = ?')
        .all('npm', 'widget'),
    ).toEqual([{ tag: 'beta', version: '2.0.0' }]);
    // A yank as the old synchronous YankStore wrote it (a data directory from before issue 19).
    store.db
      .prepare('INSERT INTO yank (purl, reason, yanked_at, log_index) VALUES (?, ?, ?, ?)')
      .run('pkg:npm/widget@1.0.0', 'broken', new Date(0).toISOString(), 7);
    expect(await storage.packages.yankOf('pkg:npm/widget@1.0.0')).toMatchObject({
      reason: 'broken',
      logIndex: 7,
    });
    store.putNpmTarball('d'.repeat(64), 'f'.repeat(40), '{}');
    expect(await storage.packages.npmTarball('d'.repeat(64))).toEqual({
      sha1: 'f'.repeat(40),
      manifest: '{}',
    });
    expect(await storage.auth.insertAccount('bob', false, '2026-12-03T00:00:00.000Z')).toBe(true);
    expect(new AccountStore(store.db).getAccount('bob')?.name).toBe('bob');

    // Blobs: small ones are rows (the group commit), large ones files; both checked on read.
    const small = new Uint8Array(1000).fill(1);
    const large = new Uint8Array(SMALL_BLOB_BYTES + 1).fill(2);
    await storage.blobs.put(sha(small), small);
    await storage.blobs.put(sha(large), large);
    expect(store.db.prepare('SELECT count(*) FROM blob').pluck().get()).toBe(1);
    expect(existsSync(store.blobPath(sha(large)))).toBe(true);
    expect(Buffer.from(store.readBlob(sha(small))!)).toEqual(Buffer.from(small));
    overwriteStoredBlob(store, sha(large), new Uint8Array(SMALL_BLOB_BYTES + 1));
    await expect(storage.blobs.read(sha(large))).rejects.toThrow(/holds other bytes/);

    await storage.close(); // the server's store stays open
    expect(store.get('pkg:npm/widget@2.0.0')?.publishIndex).toBe(4);
    store.close();
  });

  it('the memory bundle holds one state for all its contracts', async () => {
    const storage = memoryRegistryStorage();
    await storage.releases.reserve(row('1.0.0', 'a'.repeat(64)));
    expect((await storage.releases.pendingReleases()).map((r) => r.version)).toEqual(['1.0.0']);
    const bytes = new Uint8Array([1, 2, 3]);
    await storage.blobs.put(sha(bytes), bytes);
    expect(await storage.blobs.read(sha(bytes))).toEqual(bytes);
    await storage.close();
  });
});
