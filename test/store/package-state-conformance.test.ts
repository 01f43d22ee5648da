// One conformance suite for per-package state (src/store/registry/package-state.ts) on the
// in-memory driver, SQLite (two handles on the same files, as two processes) and PostgreSQL (two
// pools, as two replicas): dist-tags and yanks written on one handle read back on the other at
// once, a conflict seen by many replicas at once is recorded (and so logged) by exactly one, and
// racing sumdb records keep the first id for everyone.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryPackageState } from '../../src/store/registry/memory-package-state.js';
import type { PackageState } from '../../src/store/registry/package-state.js';
import { SqlitePackageState } from '../../src/store/registry/sqlite-package-state.js';
import { driverPairs } from '../helpers/driver-pairs.js';
import { PgPackageState } from '../../src/store/scale/pg-package-state.js';

const drivers = driverPairs<PackageState>('test/store/package-state-conformance.test.ts', {
  prefix: 'pkgstate',
  memory: () => new MemoryPackageState(),
  sqlite(dir) {
    const files = [join(dir, 'registry.sqlite'), join(dir, 'records.sqlite')] as const;
    return [new SqlitePackageState(...files), new SqlitePackageState(...files)];
  },
  postgres: (p1, p2) => [new PgPackageState(p1), new PgPackageState(p2)],
});

function conflict(offered: string, logIndex: number, purl = 'pkg:npm/left-pad@1.3.0') {
  return {
    purl,
    upstream: 'https://registry.npmjs.org',
    seenAt: '2026-12-03T00:00:00.000Z',
    loggedSha512: 'a'.repeat(128),
    offered,
    envelope: `{"payload":"${offered}"}`,
    logIndex,
  };
}

describe.each(drivers)('PackageState conformance: $name', (d) => {
  it.skipIf(d.skip)(
    'dist-tags: set, moved and removed on one handle, seen on the other',
    async () => {
      const [a, b] = await d.pair();
      expect(await b.distTags('npm', '', 'widget')).toEqual({});
      await a.setDistTag('npm', '', 'widget', 'latest', '1.0.0');
      await a.setDistTag('npm', '', 'widget', 'beta', '2.0.0-beta.1');
      await b.setDistTag('npm', '', 'widget', 'latest', '1.1.0');
      await a.setDistTag('npm', '@acme', 'widget', 'latest', '9.9.9'); // another package
      expect(await b.distTags('npm', '', 'widget')).toEqual({
        beta: '2.0.0-beta.1',
        latest: '1.1.0',
      });
      expect(Object.keys(await b.distTags('npm', '', 'widget'))).toEqual(['beta', 'latest']);
      await b.setDistTag('npm', '', 'widget', 'beta', null);
      await b.setDistTag('npm', '', 'widget', 'nope', null); // absent: fine
      expect(await a.distTags('npm', '', 'widget')).toEqual({ latest: '1.1.0' });
      expect(await a.distTags('npm', '@acme', 'widget')).toEqual({ latest: '9.9.9' });
    },
  );

  it.skipIf(d.skip)(
    'yanks: a yank and its log index on one handle, un-yanked on the other',
    async () => {
      const [a, b] = await d.pair();
      const purl = 'pkg:cargo/widget@1.0.0';
      expect(await b.yankOf(purl)).toBeUndefined();
      await a.setYank(purl, true, 'broken build', '2026-12-03T00:00:00.000Z', 41);
      expect(await b.yankOf(purl)).toEqual({
        purl,
        reason: 'broken build',
        yankedAt: '2026-12-03T00:00:00.000Z',
        logIndex: 41,
      });
      await b.setYank(purl, true, '', '2026-12-03T01:00:00.000Z', null); // again: replaced
      expect(await a.yankOf(purl)).toMatchObject({ reason: '', logIndex: null });
      await b.setYank(purl, false, '', '2026-12-03T02:00:00.000Z', 44);
      expect(await a.yankOf(purl)).toBeUndefined();
    },
  );

  it.skipIf(d.skip)(
    'a conflict seen by many replicas at once is recorded by exactly one; newest first',
    async () => {
      const [a, b] = await d.pair();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).addConflict(conflict('sha512:x', 7 + i)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.hasConflict('pkg:npm/left-pad@1.3.0', 'sha512:x')).toBe(true);
      expect(await b.hasConflict('pkg:npm/left-pad@1.3.0', 'sha512:y')).toBe(false);
      expect(await b.addConflict(conflict('sha512:y', 30))).toBe(true);
      expect(await a.addConflict(conflict('sha512:x', 31, 'pkg:npm/other@1.0.0'))).toBe(true);
      const all = await b.conflicts();
      expect(all.map((c) => [c.purl, c.offered, c.logIndex])).toEqual([
        ['pkg:npm/other@1.0.0', 'sha512:x', 31],
        ['pkg:npm/left-pad@1.3.0', 'sha512:y', 30],
        ['pkg:npm/left-pad@1.3.0', 'sha512:x', all[2]!.logIndex],
      ]);
      expect(all[0]).toMatchObject({
        envelope: '{"payload":"sha512:x"}',
        upstream: 'https://registry.npmjs.org',
      });
      expect(
        (await a.conflicts({ purl: 'pkg:npm/left-pad@1.3.0', limit: 1 })).map((c) => c.offered),
      ).toEqual(['sha512:y']);
      expect(await a.conflicts({ purl: 'pkg:npm/none@1.0.0' })).toEqual([]);
    },
  );

  it.skipIf(d.skip)('racing sumdb records keep the first id for everyone', async () => {
    const [a, b] = await d.pair();
    expect(await a.sumdbRecord('example.com/m', 'v1.0.0')).toBeUndefined();
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).recordSumdb('example.com/m', 'v1.0.0', 100 + i),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect(await b.sumdbRecord('example.com/m', 'v1.0.0')).toBe(ids[0]);
    expect(await a.recordSumdb('example.com/m', 'v1.1.0', 5)).toBe(5);
    expect(await b.sumdbRecord('example.com/m', 'v1.1.0')).toBe(5);
  });

  it.skipIf(d.skip)('conflicts are listed by the log range they were logged in', async () => {
    const [a, b] = await d.pair();
    await a.addConflict(conflict('sha512-x', 30));
    await b.addConflict(conflict('sha512-y', 7, 'pkg:npm/other@1.0.0'));
    await a.addConflict(conflict('sha512-z', 12));
    expect((await b.loggedConflicts(7, 30)).map((c) => [c.logIndex, c.offered])).toEqual([
      [7, 'sha512-y'],
      [12, 'sha512-z'],
    ]);
    expect((await a.loggedConflicts(30, 31))[0]).toMatchObject({
      purl: 'pkg:npm/left-pad@1.3.0',
      envelope: '{"payload":"sha512-x"}',
    });
    expect(await a.loggedConflicts(13, 30)).toEqual([]);
  });

  it.skipIf(d.skip)(
    'npm tarball facts: cached once, the first facts stay, seen by the other handle',
    async () => {
      const [a, b] = await d.pair();
      const sha = 'c'.repeat(64);
      expect(await b.npmTarball(sha)).toBeUndefined();
      await a.putNpmTarball(sha, { sha1: 'f'.repeat(40), manifest: '{"name":"widget"}' });
      await b.putNpmTarball(sha, { sha1: '0'.repeat(40), manifest: '{}' }); // same bytes, same facts: ignored
      expect(await b.npmTarball(sha)).toEqual({
        sha1: 'f'.repeat(40),
        manifest: '{"name":"widget"}',
      });
      expect(await a.npmTarball('d'.repeat(64))).toBeUndefined();
    },
  );
});
