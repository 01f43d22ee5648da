// Replicas: when PostgreSQL or the object store is out of reach, the npm routes answer 503 +
// Retry-After (pushback the client retries), not 507 "storage full, free disk space" — the same
// answer as the registry API and the other personalities (docs/scale-out.md, "Faults").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openRegistry } from '../../src/registry/server.js';
import { StorageUnavailableError } from '../../src/store/scale/unavailable.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sigil-npm-unavailable-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('a packument read while the storage is out of reach is 503 STORAGE_UNAVAILABLE with Retry-After, and recovers', async () => {
  const reg = await openRegistry({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    passphrase: 'pw',
  });
  try {
    const releases = reg.storage.releases;
    const versions = releases.versions.bind(releases);
    releases.versions = async () => {
      throw new StorageUnavailableError('PostgreSQL', new Error('connect ECONNREFUSED'));
    };
    const down = await reg.app.inject({ method: 'GET', url: '/npm/left-pad' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    releases.versions = versions;
    const up = await reg.app.inject({ method: 'GET', url: '/npm/left-pad' });
    expect(up.statusCode).toBe(404); // nothing published: the storage answers again
  } finally {
    await reg.close();
  }
});
