// One conformance suite for who may publish (src/store/registry/grant-state.ts) on the in-memory
// driver, SQLite (two handles on one file, as two processes) and PostgreSQL (two pools, as two
// replicas, on a throw-away PostgreSQL 15 cluster): grants read back on the other handle, of two
// overlapping claims by different accounts exactly one wins, and a first-publish hold and a pattern
// claim over it, raced across handles, never both succeed; a hold lapses and ends.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../../src/store/registry/accounts.js';
import type { GrantState } from '../../src/store/registry/grant-state.js';
import { MemoryGrantState } from '../../src/store/registry/memory-grant-state.js';
import { SqliteGrantState } from '../../src/store/registry/sqlite-grant-state.js';
import { driverPairs } from '../helpers/driver-pairs.js';
import { PgAuthState } from '../../src/store/scale/pg-auth-state.js';
import { PgGrantState } from '../../src/store/scale/pg-grant-state.js';

const ACCOUNTS = ['alice', 'bob', 'carol'];
const NOW = '2026-12-03T00:00:00.000Z';
const T = 1_000_000; // the injected clock, in ms
const BOTH = ['publish', 'keys'];

const drivers = driverPairs<GrantState>('test/store/grant-state-conformance.test.ts', {
  prefix: 'grants',
  memory: () => new MemoryGrantState(),
  sqlite(dir) {
    const file = join(dir, 'registry.sqlite');
    const accounts = new AccountStore(file);
    for (const a of ACCOUNTS) accounts.insertAccount(a, false, NOW);
    accounts.close();
    return [new SqliteGrantState(file), new SqliteGrantState(file)];
  },
  async postgres(p1, p2) {
    const auth = new PgAuthState(p1);
    for (const a of ACCOUNTS) await auth.insertAccount(a, false, NOW);
    return [new PgGrantState(p1), new PgGrantState(p2)];
  },
});

const SCOPE = 'pkg:npm/%40acme/*';
const covering = (ns: string) => {
  const out = [ns];
  for (let i = ns.lastIndexOf('/'); i > 0; i = ns.lastIndexOf('/', i - 1))
    out.push(`${ns.slice(0, i)}/*`);
  return out;
};

describe.each(drivers)('GrantState conformance: $name', (d) => {
  it.skipIf(d.skip)('grants written on one handle read back on the other, in order', async () => {
    const [a, b] = await d.pair();
    await a.upsertGrant('alice', 'pkg:npm/%40acme/widget', ['publish'], NOW);
    await a.upsertGrant('alice', SCOPE, BOTH, NOW);
    await b.upsertGrant('bob', 'pkg:npm/%40acme/x/*', ['keys'], NOW);
    await b.upsertGrant('alice', 'pkg:npm/%40acme/widget', BOTH, '2026-12-04T00:00:00.000Z'); // replaces
    expect(await b.grantsOf('alice')).toEqual([
      { account: 'alice', pattern: SCOPE, actions: BOTH, grantedAt: NOW },
      {
        account: 'alice',
        pattern: 'pkg:npm/%40acme/widget',
        actions: BOTH,
        grantedAt: '2026-12-04T00:00:00.000Z',
      },
    ]);
    expect((await a.grantsFor(covering('pkg:npm/%40acme/widget'))).map((g) => g.pattern)).toEqual([
      SCOPE,
      'pkg:npm/%40acme/widget',
    ]);
    expect(await a.grantsFor([])).toEqual([]);
    // Strictly inside: not the scope itself, not a sibling scope that shares a text prefix.
    await a.upsertGrant('carol', 'pkg:npm/%40acmeco/thing', BOTH, NOW);
    expect((await b.grantsUnder(SCOPE)).map((g) => [g.account, g.pattern])).toEqual([
      ['alice', 'pkg:npm/%40acme/widget'],
      ['bob', 'pkg:npm/%40acme/x/*'],
    ]);
    expect(await b.grantsUnder('pkg:npm/%40acme/widget')).toEqual([]); // a package has no inside
    expect(await b.deleteGrant('alice', 'pkg:npm/%40acme/widget')).toBe(true);
    expect(await a.deleteGrant('alice', 'pkg:npm/%40acme/widget')).toBe(false);
    expect((await a.grantsOf('alice')).map((g) => g.pattern)).toEqual([SCOPE]);
  });

  it.skipIf(d.skip)(
    'of overlapping claims by two accounts across handles, exactly one wins, every round',
    async () => {
      const [a, b] = await d.pair();
      for (let round = 0; round < 12; round++) {
        const scope = `pkg:npm/%40s${round}/*`;
        const pkg = `pkg:npm/%40s${round}/widget`;
        // alice claims the scope on one handle while bob claims a package inside it on the other,
        // and both also try the other's name; the order of arrival varies with the round.
        const claims = [
          () => a.claimNamespace('alice', scope, covering(scope), BOTH, NOW, T),
          () => b.claimNamespace('bob', pkg, covering(pkg), BOTH, NOW, T),
          () => b.claimNamespace('bob', pkg, covering(pkg), BOTH, NOW, T),
          () => a.claimNamespace('alice', pkg, covering(pkg), BOTH, NOW, T),
        ];
        const order = round % 2 ? claims.reverse() : claims;
        const results = await Promise.all(order.map((c) => c()));
        const owners = (await a.grantsFor(covering(pkg))).map((g) => g.account);
        expect(new Set(owners).size, `round ${round}: ${owners.join(',')}`).toBe(1);
        const winner = owners[0]!;
        // Every claim by the winner says true (claimed or already owned), every other says false.
        const byAccount = (
          round % 2 ? ['alice', 'bob', 'bob', 'alice'] : ['alice', 'bob', 'bob', 'alice']
        ).map((acc, i) => [acc, results[i]] as const);
        for (const [acc, ok] of byAccount) if (acc !== winner) expect(ok).toBe(false);
      }
    },
  );

  it.skipIf(d.skip)(
    "a live first-publish hold stops another account's scope claim over it, until it ends or lapses",
    async () => {
      const [a, b] = await d.pair();
      const pkg = 'pkg:npm/%40acme/widget';
      const hold = await a.holdFirstPublish('alice', pkg, covering(pkg), T + 600_000);
      expect(hold).toBeTypeOf('string');
      expect(await b.claimNamespace('bob', SCOPE, covering(SCOPE), BOTH, NOW, T)).toBe(false);
      expect(await b.grantsOf('bob')).toEqual([]);
      // Lapsed: a replica that died mid-publish blocks nobody for ever.
      expect(await b.claimNamespace('carol', SCOPE, covering(SCOPE), BOTH, NOW, T + 600_000)).toBe(
        true,
      );
      await b.deleteGrant('carol', SCOPE);
      // Ended (on the other handle): claimable at once.
      await b.endHold(hold!);
      await b.endHold('no-such-hold');
      expect(await a.claimNamespace('bob', SCOPE, covering(SCOPE), BOTH, NOW, T)).toBe(true);
      // Now bob's scope covers the name: alice can no longer hold a first publish under it.
      expect(await a.holdFirstPublish('alice', pkg, covering(pkg), T + 600_000)).toBeUndefined();
      // Bob's own hold under his own scope is fine, and does not stop his own claims.
      const own = await b.holdFirstPublish(
        'bob',
        'pkg:npm/%40acme/gadget',
        covering('pkg:npm/%40acme/gadget'),
        T + 600_000,
      );
      expect(own).toBeTypeOf('string');
      expect(
        await a.claimNamespace(
          'bob',
          'pkg:npm/%40acme/gadget',
          covering('pkg:npm/%40acme/gadget'),
          BOTH,
          NOW,
          T,
        ),
      ).toBe(true);
    },
  );

  it.skipIf(d.skip)(
    'a first-publish hold and a scope claim over it, raced across handles, never both succeed',
    async () => {
      const [a, b] = await d.pair();
      let holdsWon = 0;
      let claimsWon = 0;
      for (let round = 0; round < 16; round++) {
        const scope = `pkg:npm/%40r${round}/*`;
        const pkg = `pkg:npm/%40r${round}/widget`;
        const hold = () => a.holdFirstPublish('alice', pkg, covering(pkg), T + 600_000);
        const claim = () => b.claimNamespace('bob', scope, covering(scope), BOTH, NOW, T);
        const [held, claimed] =
          round % 2
            ? await Promise.all([hold(), claim()])
            : await Promise.all([claim(), hold()]).then(([c, h]) => [h, c] as const);
        expect(held !== undefined && claimed, `round ${round}: both won`).toBe(false);
        expect(held !== undefined || claimed, `round ${round}: neither won`).toBe(true);
        if (held !== undefined) holdsWon++;
        else claimsWon++;
      }
      expect(holdsWon + claimsWon).toBe(16);
    },
  );
});
