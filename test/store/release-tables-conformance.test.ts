// One conformance suite for the publish records (src/store/registry/release-tables.ts) on the
// in-memory driver, SQLite (two handles on one data directory, as two processes) and PostgreSQL
// (two pools, as two replicas, on a throw-away PostgreSQL 15 cluster): one version is reserved
// once however many replicas race for it, spellings that fold to one release key collide,
// pending rows stay invisible, abandon frees the name, key events keep log order.
import { describe, expect, it } from 'vitest';
import { MemoryReleaseTables } from '../../src/store/registry/memory-release-tables.js';
import type {
  NewRelease,
  ReleaseRow,
  ReleaseTables,
} from '../../src/store/registry/release-tables.js';
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

  it.skipIf(d.skip)(
    "a guard sees the package's rows (pending too) atomically with the reservation, across replicas; a refusal writes nothing",
    async () => {
      const [a, b] = await d.pair();
      // Eight replicas' first publishes of different versions, each refused if the package has any row:
      // exactly one lands, whatever the interleaving.
      const onlyFirst = (siblings: readonly ReleaseRow[]) => {
        if (siblings.length > 0) throw new Error(`refused: ${siblings.length} rows already`);
      };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? a : b).reserve(release(`${i + 1}.0.0`), `npm:widget@${i + 1}.0.0`, onlyFirst),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(7);
      const [won] = await b.pendingReleases();
      const seen: string[][] = [];
      await expect(
        a.reserve(release('9.0.0'), 'npm:widget@9.0.0', (siblings) => {
          seen.push(siblings.map((r) => `${r.version}:${r.state}`));
          throw new Error('no');
        }),
      ).rejects.toThrow('no');
      expect(seen).toEqual([[`${won!.version}:pending`]]);
      expect((await a.pendingReleases()).map((r) => r.version)).toEqual([won!.version]);
      // The same version again: the existing row answers, the guard is not asked.
      expect(
        await b.reserve(release(won!.version), `npm:widget@${won!.version}`, () => {
          throw new Error('not asked');
        }),
      ).toMatchObject({ kind: 'pending' });
    },
  );

  it.skipIf(d.skip)(
    "release keys: files of a version, a package's stored spelling, keyless rows filled in once",
    async () => {
      const [a, b] = await d.pair();
      const file = (q: string, at: string) => ({
        ...release('1.0.0', 'd'.repeat(64), at),
        purl: `pkg:npm/widget@1.0.0?file_name=${q}`,
      });
      await a.reserve(file('b.tgz', '2026-12-03T00:00:02.000Z'), 'npm:widget@1.0.0?b.tgz');
      await a.reserve(file('a.tgz', '2026-12-03T00:00:01.000Z'), 'npm:widget@1.0.0?a.tgz');
      await b.reserve(release('1.0.0'), 'npm:widget@1.0.0');
      await b.reserve(release('1.0.1'), 'npm:widget@1.0.1');
      expect(await a.filesOfReleaseKey('npm:widget@1.0.0')).toEqual([]); // pending: invisible
      expect((await a.anyOfPackageKey('npm:widget'))?.name).toBe('widget'); // pending counts
      expect(await a.anyOfPackageKey('npm:widge')).toBeUndefined();
      for (const [purl, i] of [
        ['pkg:npm/widget@1.0.0?file_name=b.tgz', 1],
        ['pkg:npm/widget@1.0.0?file_name=a.tgz', 2],
        ['pkg:npm/widget@1.0.0', 3],
        ['pkg:npm/widget@1.0.1', 4],
      ] as const)
        await (i % 2 ? a : b).complete(purl, null, i);
      expect((await b.filesOfReleaseKey('npm:widget@1.0.0')).map((r) => r.purl)).toEqual([
        'pkg:npm/widget@1.0.0',
        'pkg:npm/widget@1.0.0?file_name=a.tgz',
        'pkg:npm/widget@1.0.0?file_name=b.tgz',
      ]);
      // Rows stored before release keys existed, and two spellings of one version among them.
      const old = (v: string) => ({ ...release(v), purl: `pkg:npm/old@${v}`, name: 'old' });
      await a.reserve(old('1.0.0'));
      await a.reserve(old('1.0.0+x'));
      expect((await b.keyless()).sort()).toEqual(['pkg:npm/old@1.0.0', 'pkg:npm/old@1.0.0+x']);
      expect(await b.setReleaseKey('pkg:npm/old@1.0.0', 'npm:old@1.0.0')).toBe(true);
      expect(await a.setReleaseKey('pkg:npm/old@1.0.0+x', 'npm:old@1.0.0')).toBe(false);
      expect(await a.setReleaseKey('pkg:npm/old@1.0.0', 'npm:old@other')).toBe(false); // keyed already
      expect(await a.keyless()).toEqual(['pkg:npm/old@1.0.0+x']);
    },
  );

  it.skipIf(d.skip)(
    'listings: by type, by package purl (files on request), names, counts, newest, search, logged documents',
    async () => {
      const [a, b] = await d.pair();
      const rel = (
        type: string,
        name: string,
        version: string,
        index: number,
        extra: Partial<NewRelease> = {},
      ) => ({
        ...release(version, 'e'.repeat(64), `2026-12-03T00:00:0${index}.000Z`),
        type,
        name,
        purl: `pkg:${type}/${name}@${version}`,
        ...extra,
      });
      const rows = [
        rel('pypi', 'foo_bar', '1.0', 1),
        rel('pypi', 'foo_bar', '1.0', 2, { purl: 'pkg:pypi/foo_bar@1.0?file_name=f.whl' }),
        rel('pypi', 'Zed', '2.0', 3, { authorBundle: '{"bundle":1}' }),
        rel('cargo', '100%_real', '0.1.0', 4),
        rel('pypi', 'foo_bar', '0.9', 5),
        rel('pypi', 'foo_barbaz', '1.0', 6),
      ];
      for (const [i, r] of rows.entries()) {
        expect(await (i % 2 ? a : b).reserve(r)).toEqual({ kind: 'reserved' });
        await (i % 2 ? b : a).complete(r.purl, r.authorBundle ? 100 + i : null, 10 + i);
      }
      await a.reserve(rel('pypi', 'pending', '1.0', 7)); // never listed
      const eventId = await b.insertKeyEvent('pkg:pypi/foo_bar', 'event-env', new Uint8Array([9]));
      await a.completeKeyEvent(eventId, 50);
      expect((await b.ofType('pypi')).map((r) => r.purl)).toEqual([
        'pkg:pypi/foo_bar@1.0',
        'pkg:pypi/foo_bar@1.0?file_name=f.whl',
        'pkg:pypi/Zed@2.0',
        'pkg:pypi/foo_bar@0.9',
        'pkg:pypi/foo_barbaz@1.0',
      ]);
      expect((await a.releasesOf('pkg:pypi/foo_bar')).map((r) => r.purl)).toEqual([
        'pkg:pypi/foo_bar@1.0',
        'pkg:pypi/foo_bar@0.9',
      ]);
      expect((await a.releasesOf('pkg:pypi/foo_bar', { files: true })).map((r) => r.purl)).toEqual([
        'pkg:pypi/foo_bar@1.0',
        'pkg:pypi/foo_bar@1.0?file_name=f.whl',
        'pkg:pypi/foo_bar@0.9',
      ]);
      expect(await b.packagesOfType('pypi')).toEqual([
        'pkg:pypi/Zed',
        'pkg:pypi/foo_bar',
        'pkg:pypi/foo_barbaz',
      ]);
      expect(await a.namesOfType('pypi')).toEqual(['Zed', 'foo_bar', 'foo_barbaz']);
      expect(await a.namesOfType('gem')).toEqual([]);
      expect([await b.count(), await b.count('cargo'), await b.count('gem')]).toEqual([6, 1, 0]);
      expect((await a.recent(2)).map((r) => r.publishIndex)).toEqual([15, 14]);
      expect((await b.search('FOO_BAR', 10)).map((r) => r.purl)).toEqual([
        'pkg:pypi/foo_bar@0.9',
        'pkg:pypi/foo_bar@1.0?file_name=f.whl',
        'pkg:pypi/foo_bar@1.0',
        'pkg:pypi/foo_barbaz@1.0',
      ]);
      expect((await b.search('foo_bar', 1)).length).toBe(1);
      // Wildcards are literal: "%" matches only a "%", "_" only a "_".
      expect((await a.search('0%_', 10)).map((r) => r.name)).toEqual(['100%_real']);
      expect(await a.search('1%r', 10)).toEqual([]);
      expect(await a.search('0__r', 10)).toEqual([]);
      expect(await a.search('cargo/100', 10)).toHaveLength(1); // the purl without "pkg:"
      const publish = (index: number) => ({ index, kind: 'publish', doc: '{"payload":"…"}' });
      expect(await b.loggedDocuments(11, 103)).toEqual([
        publish(11),
        publish(12),
        publish(13),
        publish(14),
        publish(15),
        { index: 50, kind: 'key-event', doc: 'event-env' },
        { index: 102, kind: 'author', doc: '{"bundle":1}' },
      ]);
      expect(await a.loggedDocuments(16, 50)).toEqual([]);
    },
  );
});
