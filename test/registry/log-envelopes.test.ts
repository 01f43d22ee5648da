// GET /api/v1/log/envelopes (entry-routes.ts) reads the logged documents through ReleaseTables,
// so any storage answers it: here the in-memory tables (no SQLite handle at all). Entries come
// in log order, author bundles give their DSSE envelope, pending rows and other indexes are absent.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { entryRoutes } from '../../src/registry/entry-routes.js';
import { MemoryReleaseTables } from '../../src/store/registry/memory-release-tables.js';
import type { NewRelease } from '../../src/store/registry/release-tables.js';

function row(version: string, authorBundle: string | null): NewRelease {
  return {
    purl: `pkg:npm/widget@${version}`,
    type: 'npm',
    namespace: '',
    name: 'widget',
    version,
    sha256: 'a'.repeat(64),
    sha512: 'b'.repeat(128),
    size: 1,
    native: '{}',
    publishedAt: '2026-12-03T00:00:00.000Z',
    filename: 'w.tgz',
    account: 'alice',
    authorBundle,
    authorKeyId: null,
    authorKeyPem: null,
    authorEntry: null,
    publishEnvelope: JSON.stringify({ payload: `publish ${version}` }),
    publishEntry: new Uint8Array([1]),
    registrySignature: null,
  };
}

describe('GET /api/v1/log/envelopes', () => {
  it('lists author, publish and key-event envelopes by log index from the release tables', async () => {
    const releases = new MemoryReleaseTables();
    await releases.reserve(row('1.0.0', JSON.stringify({ dsseEnvelope: { payload: 'author' } })));
    await releases.complete('pkg:npm/widget@1.0.0', 3, 4);
    await releases.reserve(row('2.0.0', null));
    await releases.complete('pkg:npm/widget@2.0.0', null, 6);
    await releases.reserve(row('3.0.0', null)); // pending: not served
    const id = await releases.insertKeyEvent(
      'pkg:npm/widget',
      '{"payload":"event"}',
      new Uint8Array([2]),
    );
    await releases.completeKeyEvent(id, 2);
    const app = Fastify();
    await app.register(entryRoutes, { releases });
    const get = (q: string) => app.inject({ method: 'GET', url: `/api/v1/log/envelopes?${q}` });
    const r = await get('start=0&end=10');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      entries: [
        { logIndex: 2, kind: 'key-event', envelope: { payload: 'event' } },
        { logIndex: 3, kind: 'author', envelope: { payload: 'author' } },
        { logIndex: 4, kind: 'publish', envelope: { payload: 'publish 1.0.0' } },
        { logIndex: 6, kind: 'publish', envelope: { payload: 'publish 2.0.0' } },
      ],
    });
    expect((await get('start=4&end=6')).json()).toEqual({
      entries: [{ logIndex: 4, kind: 'publish', envelope: { payload: 'publish 1.0.0' } }],
    });
    const refused = await get('start=5&end=2000');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'BAD_REQUEST' });
    await app.close();
  });
});
