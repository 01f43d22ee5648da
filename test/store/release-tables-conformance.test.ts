// One conformance suite for the publish records (src/store/registry/release-tables.ts) on the
// in-memory driver, SQLite (two handles on one data directory, as two processes) and PostgreSQL
// (two pools, as two replicas, on a throw-away PostgreSQL 15 cluster): one version is reserved
// once however many replicas race for it, spellings that fold to one release key collide,
// pending rows stay invisible, abandon frees the name, key events keep log order.
import { describe, expect, it } from 'vitest';
import { MemoryReleaseTables } from '../../src/store/registry/memory-release-tables.js';
import type { NewRelease, ReleaseTables } from '../../src/store/registry/release-tables.js';
import { SqliteReleaseTables } from '../../src/store/registry/sqlite-release-tables.js';
import { driverPairs } from '../helpers/driver-pairs.js';
import { PgReleaseTables } from '../../src/store/scale/pg-release-tables.js';

/** Each driver opens two handles on one shared state (two replicas / processes). */
const drivers = driverPairs<ReleaseTables>('test/store/release-tables-conformance.test.ts', {
  prefix: 'rel',
  memory: () => new MemoryReleaseTables(),
  sqlite: (dir) => [new SqliteReleaseTables(dir), new SqliteReleaseTables(dir)],
  postgres: (p1, p2) => [new PgReleaseTables(p1), new PgReleaseTables(p2)],
});

function release(
  version: string,
  sha = 'a'.repeat(64),
  at = '2026-12-03T00:00:00.000Z',
): NewRelease {
  return {
    purl: `pkg:npm/widget@${version}`,
    type: 'npm',
    namespace: '',
    name: 'widget',
    version,
    sha256: sha,
    sha512: 'b'.repeat(128),
    size: 123,
    native: 'sha512-xyz',
    publishedAt: at,
    filename: `widget-${version}.tgz`,
    account: 'alice',
    authorBundle: null,
    authorKeyId: null,
    authorKeyPem: null,
    authorEntry: null,
    publishEnvelope: '{"payload":"…"}',
    publishEntry: new Uint8Array([1, 2, 3]),
    registrySignature: null,
  };
}

describe.each(drivers)('ReleaseTables conformance: $name', (d) => {
  it.skipIf(d.skip)(
    'of many concurrent reservations of one version, across replicas, exactly one wins',
    async () => {
      const [a, b] = await d.pair();
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 ? a : b).reserve(release('1.0.0'), 'npm:widget@1.0.0'),
        ),
      );
      expect(outcomes.filter((o) => o.kind === 'reserved')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'pending')).toHaveLength(15);
      expect(await b.get('pkg:npm/widget@1.0.0')).toBeUndefined(); // pending is invisible
      expect((await a.pendingReleases()).map((r) => r.purl)).toEqual(['pkg:npm/widget@1.0.0']);
      await a.complete('pkg:npm/widget@1.0.0', 4, 5);
      expect(await b.get('pkg:npm/widget@1.0.0')).toMatchObject({
        authorIndex: 4,
        publishIndex: 5,
        state: 'published',
        size: 123,
      });
      expect(await b.reserve(release('1.0.0'), 'npm:widget@1.0.0')).toMatchObject({
        kind: 'exists',
      });
      // Another spelling of the same version (npm ignores build metadata) collides on the release key.
      const other = { ...release('1.0.0+build'), purl: 'pkg:npm/widget@1.0.0%2Bbuild' };
      expect(await a.reserve(other, 'npm:widget@1.0.0')).toMatchObject({
        kind: 'exists',
        row: { version: '1.0.0' },
      });
      expect((await b.getByReleaseKey('npm:widget@1.0.0'))?.purl).toBe('pkg:npm/widget@1.0.0');
    },
  );

  it.skipIf(d.skip)(
    'abandon frees a pending name only; readers list published versions in order',
    async () => {
      const [a, b] = await d.pair();
      expect(await a.reserve(release('2.0.0', 'c'.repeat(64), '2026-12-03T00:00:02.000Z'))).toEqual(
        { kind: 'reserved' },
      );
      await b.abandon('pkg:npm/widget@2.0.0');
      expect(await b.reserve(release('2.0.0', 'c'.repeat(64), '2026-12-03T00:00:02.000Z'))).toEqual(
        { kind: 'reserved' },
      );
      await a.complete('pkg:npm/widget@2.0.0', null, 9);
      await b.abandon('pkg:npm/widget@2.0.0'); // published: untouched
      expect(await a.get('pkg:npm/widget@2.0.0')).toBeDefined();
      await a.reserve(release('1.5.0', 'c'.repeat(64), '2026-12-03T00:00:01.000Z'));
      await b.complete('pkg:npm/widget@1.5.0', null, 10);
      expect((await b.versions('npm', '', 'widget')).map((r) => r.version)).toEqual([
        '1.5.0',
        '2.0.0',
      ]);
      expect((await a.bySha256('c'.repeat(64))).map((r) => r.version).sort()).toEqual([
        '1.5.0',
        '2.0.0',
      ]);
      expect(await a.bySha256('f'.repeat(64))).toEqual([]);
    },
  );

  it.skipIf(d.skip)(
    'key events: pending until completed, then listed per namespace in log order',
    async () => {
      const [a, b] = await d.pair();
      const e1 = await a.insertKeyEvent('pkg:npm/widget', 'env1', new Uint8Array([1]));
      const e2 = await b.insertKeyEvent('pkg:npm/widget', 'env2', new Uint8Array([2]));
      const e3 = await b.insertKeyEvent('pkg:npm/other', 'env3', new Uint8Array([3]));
      expect((await a.pendingKeyEvents()).map((e) => e.envelope)).toEqual(['env1', 'env2', 'env3']);
      await b.completeKeyEvent(e2, 7);
      await a.completeKeyEvent(e1, 12);
      await a.removeKeyEvent(e3);
      await a.removeKeyEvent(e2); // logged: stays
      const events = await b.keyEventsFor('pkg:npm/widget');
      expect(events.map((e) => [e.envelope, e.logIndex])).toEqual([
        ['env2', 7],
        ['env1', 12],
      ]);
      expect(Buffer.from(events[0]!.entry)).toEqual(Buffer.from([2]));
      expect(await a.pendingKeyEvents()).toEqual([]);
      // What another replica logged, across namespaces, above the last index this one applied.
      const e4 = await a.insertKeyEvent('pkg:npm/other', 'env4', new Uint8Array([4]));
      await b.completeKeyEvent(e4, 9);
      expect((await a.loggedKeyEventsAfter(-1)).map((e) => [e.envelope, e.logIndex])).toEqual([
        ['env2', 7],
        ['env4', 9],
        ['env1', 12],
      ]);
      expect((await b.loggedKeyEventsAfter(7)).map((e) => e.envelope)).toEqual(['env4', 'env1']);
      expect(await b.loggedKeyEventsAfter(12)).toEqual([]);
    },
  );
});
