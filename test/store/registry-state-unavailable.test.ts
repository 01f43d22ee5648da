// PostgreSQL restarted under the registry's shared state (issue 19 faults): while it is down, every
// contract call of the scale-out drivers — who may publish (GrantState), per-package state
// (PackageState), release rows (ReleaseTables) and auth (AuthState) — rejects with
// StorageUnavailableError, the pushback that answers 503 + Retry-After, never a crash or a wrong
// answer ("not found", "not yours"); nothing attempted during the outage is half-written, and the
// same handles work again once PostgreSQL is back, with everything written before intact.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PushbackError } from '../../src/log/service.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { PgAuthState } from '../../src/store/scale/pg-auth-state.js';
import { PgGrantState } from '../../src/store/scale/pg-grant-state.js';
import { PgPackageState } from '../../src/store/scale/pg-package-state.js';
import { PgReleaseTables } from '../../src/store/scale/pg-release-tables.js';
import { StorageUnavailableError } from '../../src/store/scale/unavailable.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';

const pgProgram = needsPostgres('test/store/registry-state-unavailable.test.ts');
const skipPg = skipUnlessPresent(pgProgram);
let cluster: PostgresCluster | undefined;
beforeAll(async () => {
  if (skipPg) return;
  pgProgram.require();
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.destroy();
});

const NOW = '2026-12-03T00:00:00.000Z';
const PKG = 'pkg:npm/%40acme/widget';
const SCOPE = 'pkg:npm/%40acme/*';

it.skipIf(skipPg)(
  'with PostgreSQL down every shared-state call is 503-class pushback; after the restart all works, nothing half-written',
  { timeout: 90_000 },
  async () => {
    const url = await cluster!.createDatabase('outage');
    const pool = openPostgres(url, 4);
    try {
      await migrate(pool);
      const auth = new PgAuthState(pool);
      const grants = new PgGrantState(pool);
      const packages = new PgPackageState(pool);
      const releases = new PgReleaseTables(pool);
      await auth.insertAccount('alice', false, NOW);
      await auth.insertAccount('bob', false, NOW);
      expect(await grants.claimNamespace('alice', PKG, [PKG, SCOPE], ['publish'], NOW, 0)).toBe(
        true,
      );
      await packages.setDistTag('npm', '@acme', 'widget', 'latest', '1.0.0');

      await cluster!.stop();
      const calls: [string, () => Promise<unknown>][] = [
        ['getAccount', () => auth.getAccount('alice')],
        ['tokenByHash', () => auth.tokenByHash(Buffer.alloc(32))],
        ['takeRate', () => auth.takeRate('ip:1', 1, { capacity: 5, refillPerSecond: 1 }, 0)],
        ['grantsFor', () => grants.grantsFor([PKG, SCOPE])],
        ['claimNamespace', () => grants.claimNamespace('bob', SCOPE, [SCOPE], ['publish'], NOW, 0)],
        [
          'holdFirstPublish',
          () => grants.holdFirstPublish('bob', 'pkg:npm/%40bob/x', ['pkg:npm/%40bob/x'], 1),
        ],
        ['distTags', () => packages.distTags('npm', '@acme', 'widget')],
        ['setYank', () => packages.setYank('pkg:npm/%40acme/widget@1.0.0', true, 'outage', NOW, 3)],
        [
          'addConflict',
          () =>
            packages.addConflict({
              purl: 'p',
              upstream: 'u',
              seenAt: NOW,
              loggedSha512: 'a',
              offered: 'o',
              envelope: '{}',
              logIndex: 1,
            }),
        ],
        ['recordSumdb', () => packages.recordSumdb('example.com/m', 'v1.0.0', 1)],
        ['get release', () => releases.get('pkg:npm/%40acme/widget@1.0.0')],
        ['pendingReleases', () => releases.pendingReleases()],
      ];
      for (const [what, call] of calls) {
        const e = await call().then(
          () => `${what}: answered while PostgreSQL was down`,
          (err: unknown) => err,
        );
        expect(e, what).toBeInstanceOf(StorageUnavailableError);
        expect(e, what).toBeInstanceOf(PushbackError); // what the HTTP layers turn into 503 + Retry-After
        expect((e as PushbackError).retryAfterSeconds, what).toBe(5);
        expect((e as Error).message, what).toMatch(
          /PostgreSQL \(.+\) is unavailable: nothing was written/,
        );
      }

      await cluster!.start();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ok = await grants.grantsFor([PKG, SCOPE]).then(
          () => true,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error('PostgreSQL did not come back within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      // Everything from before is there; nothing tried during the outage landed.
      expect((await grants.grantsFor([PKG, SCOPE])).map((g) => [g.account, g.pattern])).toEqual([
        ['alice', PKG],
      ]);
      expect(await grants.grantsOf('bob')).toEqual([]);
      expect(await packages.distTags('npm', '@acme', 'widget')).toEqual({ latest: '1.0.0' });
      expect(await packages.yankOf('pkg:npm/%40acme/widget@1.0.0')).toBeUndefined();
      expect(await packages.conflicts()).toEqual([]);
      expect(await packages.sumdbRecord('example.com/m', 'v1.0.0')).toBeUndefined();
      // And the same handles work again.
      expect(
        await grants.claimNamespace(
          'bob',
          'pkg:npm/%40bob/*',
          ['pkg:npm/%40bob/*'],
          ['publish'],
          NOW,
          0,
        ),
      ).toBe(true);
      expect((await auth.takeRate('ip:1', 1, { capacity: 5, refillPerSecond: 1 }, 0)).ok).toBe(
        true,
      );
    } finally {
      await pool.end();
    }
  },
);
