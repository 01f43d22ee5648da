// One conformance suite for the registry state replicas share (src/store/registry/auth-state.ts):
// accounts, token revocation, TOTP replay, recovery codes, rate limits — against the in-memory
// driver, SQLite (two handles on one file, as two processes would have) and PostgreSQL (two
// pools on a throw-away PostgreSQL 15 cluster, as two replicas would have). Every "atomic across
// replicas" rule is raced: many concurrent uses split over both handles, exactly one wins.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuthState } from '../../src/store/registry/auth-state.js';
import { MemoryAuthState } from '../../src/store/registry/memory-auth-state.js';
import { SqliteAuthState } from '../../src/store/registry/sqlite-auth-state.js';
import { PgAuthState } from '../../src/store/scale/pg-auth-state.js';
import { driverPairs } from '../helpers/driver-pairs.js';

/** Each driver opens two handles on one shared state (two replicas / processes). */
const drivers = driverPairs<AuthState>('test/store/auth-state-conformance.test.ts', {
  prefix: 'auth',
  memory: () => new MemoryAuthState(),
  sqlite: (dir) => [
    new SqliteAuthState(join(dir, 'registry.sqlite')),
    new SqliteAuthState(join(dir, 'registry.sqlite')),
  ],
  postgres: (p1, p2) => [new PgAuthState(p1), new PgAuthState(p2)],
});

const NOW = '2026-12-03T00:00:00.000Z';
const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

describe.each(drivers)('AuthState conformance: $name', (d) => {
  it.skipIf(d.skip)('accounts: insert once, read back with two-factor state', async () => {
    const [a, b] = await d.pair();
    expect(await a.insertAccount('alice', false, NOW)).toBe(true);
    expect(await b.insertAccount('alice', true, NOW)).toBe(false);
    expect(await b.getAccount('alice')).toEqual({
      name: 'alice',
      createdAt: NOW,
      admin: false,
      twoFactor: 'off',
    });
    expect(await a.getAccount('nobody')).toBeUndefined();
  });

  it.skipIf(d.skip)('a token revoked on one replica is revoked on the other at once', async () => {
    const [a, b] = await d.pair();
    await a.insertAccount('alice', false, NOW);
    await a.insertToken({
      id: 'tok1',
      hash: sha('secret'),
      account: 'alice',
      label: 'ci',
      namespaces: ['pkg:npm/x'],
      actions: ['publish'],
      createdAt: NOW,
      expiresAt: null,
    });
    expect(await b.tokenByHash(sha('secret'))).toMatchObject({
      id: 'tok1',
      revokedAt: null,
      namespaces: ['pkg:npm/x'],
    });
    // Raced: one revocation wins.
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).revokeToken('tok1', NOW)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await b.tokenByHash(sha('secret')))?.revokedAt).toBe(NOW);
    expect(await a.revokeToken('nope', NOW)).toBe(false);
  });

  it.skipIf(d.skip)(
    'a TOTP step and a recovery code are accepted once across replicas',
    async () => {
      const [a, b] = await d.pair();
      await a.insertAccount('bob', false, NOW);
      expect(await a.setPendingTotp('bob', Buffer.from('s3cr3t'), NOW)).toBe(true);
      expect(await b.useTotpStep('bob', 100)).toBe(false); // not on yet
      expect(await b.confirmTotp('bob', 100, [sha('r1'), sha('r2')], NOW)).toBe(true);
      expect(await a.setPendingTotp('bob', Buffer.from('other'), NOW)).toBe(false); // on: not replaced
      expect((await a.getAccount('bob'))?.twoFactor).toBe('on');
      expect(await a.useTotpStep('bob', 100)).toBe(false); // the confirming code's step
      const step = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).useTotpStep('bob', 101)),
      );
      expect(step.filter(Boolean)).toHaveLength(1);
      expect(await b.useTotpStep('bob', 99)).toBe(false); // an older code is a replay too
      expect((await b.getTotp('bob'))?.lastStep).toBe(101);
      const rec = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).consumeRecoveryCode('bob', sha('r1'))),
      );
      expect(rec.filter(Boolean)).toHaveLength(1);
      expect(await a.consumeRecoveryCode('bob', sha('r2'))).toBe(true);
      expect(await a.consumeRecoveryCode('bob', sha('never'))).toBe(false);
    },
  );

  it.skipIf(d.skip)('a rate limit is one budget for all replicas, refilled by time', async () => {
    const [a, b] = await d.pair();
    const bucket = { capacity: 10, refillPerSecond: 2 };
    const t = 1_000_000;
    const takes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).takeRate('ip:1', 1, bucket, t)),
    );
    expect(takes.filter((x) => x.ok)).toHaveLength(10);
    const refused = takes.find((x) => !x.ok)!;
    expect(refused.retryAfterSeconds).toBe(1);
    expect((await a.takeRate('ip:2', 1, bucket, t)).ok).toBe(true); // another key, another budget
    // Two seconds later four tokens are back, not more.
    const later = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).takeRate('ip:1', 1, bucket, t + 2000)),
    );
    expect(later.filter((x) => x.ok)).toHaveLength(4);
    expect((await b.takeRate('ip:1', 20, bucket, t + 60_000)).ok).toBe(false); // more than the capacity, ever
  });
});

describe.each(drivers)('AuthState conformance, listings and state changes: $name', (d) => {
  it.skipIf(d.skip)('accounts and tokens list in a stable order on both handles', async () => {
    const [a, b] = await d.pair();
    for (const n of ['carol', 'Bob', 'alice']) await a.insertAccount(n, n === 'alice', NOW);
    expect((await b.listAccounts()).map((x) => x.name)).toEqual(['Bob', 'alice', 'carol']);
    const token = (id: string, account: string, createdAt: string) =>
      a.insertToken({
        id,
        hash: sha(id),
        account,
        label: '',
        namespaces: ['*'],
        actions: ['publish'],
        createdAt,
        expiresAt: null,
      });
    await token('t2', 'alice', NOW);
    await token('t1', 'alice', NOW);
    await token('t0', 'carol', '2026-12-04T00:00:00.000Z');
    await token('t3', 'alice', '2026-12-02T00:00:00.000Z');
    expect((await b.listTokens('alice')).map((t) => t.id)).toEqual(['t3', 't1', 't2']);
    expect((await b.listTokens()).map((t) => t.id)).toEqual(['t3', 't1', 't2', 't0']);
    expect(await b.listTokens('nobody')).toEqual([]);
    expect((await b.tokenById('t0'))?.account).toBe('carol');
    expect(await b.tokenById('nope')).toBeUndefined();
    await a.touchToken('t1', '2026-12-03T01:00:00.000Z');
    expect((await b.tokenById('t1'))?.lastUsedAt).toBe('2026-12-03T01:00:00.000Z');
  });

  it.skipIf(d.skip)(
    'two-factor is deleted only in the state asked for; recovery codes are replaced whole',
    async () => {
      const [a, b] = await d.pair();
      await a.insertAccount('dan', false, NOW);
      await a.setPendingTotp('dan', Buffer.from('s'), NOW);
      await b.confirmTotp('dan', 7, [sha('r1'), sha('r2')], NOW);
      // A "cancel the pending enrolment" that lost the race to a confirmation undoes nothing.
      expect(await a.deleteTotp('dan', 'pending')).toBe(false);
      expect((await b.getAccount('dan'))?.twoFactor).toBe('on');
      await a.replaceRecoveryCodes('dan', [sha('n1'), sha('n2'), sha('n3')]);
      expect(await b.countRecoveryCodes('dan')).toBe(3);
      expect(await b.consumeRecoveryCode('dan', sha('r1'))).toBe(false); // old ones are gone
      expect(await b.consumeRecoveryCode('dan', sha('n2'))).toBe(true);
      expect(await a.countRecoveryCodes('dan')).toBe(2);
      expect(await b.deleteTotp('dan', 'on')).toBe(true);
      expect((await a.getAccount('dan'))?.twoFactor).toBe('off');
      expect(await a.countRecoveryCodes('dan')).toBe(0);
      expect(await a.deleteTotp('dan', 'on')).toBe(false);
      // A pending enrolment can be dropped.
      await a.setPendingTotp('dan', Buffer.from('t'), NOW);
      expect(await b.deleteTotp('dan', 'pending')).toBe(true);
      expect(await a.getTotp('dan')).toBeUndefined();
    },
  );

  it.skipIf(d.skip)(
    'a refund gives back no more than capacity; pruned buckets start full',
    async () => {
      const [a, b] = await d.pair();
      const bucket = { capacity: 3, refillPerSecond: 0.01 };
      const t = 5_000_000;
      for (let i = 0; i < 3; i++) expect((await a.takeRate('otp:x', 1, bucket, t)).ok).toBe(true);
      expect((await b.takeRate('otp:x', 1, bucket, t)).ok).toBe(false);
      await b.refundRate('otp:x', 1, bucket, t);
      expect((await a.takeRate('otp:x', 1, bucket, t)).ok).toBe(true); // the refunded one
      expect((await a.takeRate('otp:x', 1, bucket, t)).ok).toBe(false);
      await a.refundRate('otp:x', 10, bucket, t);
      const after = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).takeRate('otp:x', 1, bucket, t)),
      );
      expect(after.filter((x) => x.ok)).toHaveLength(3); // refunds stop at capacity
      await a.refundRate('otp:never-taken', 1, bucket, t); // no bucket: nothing to do
      expect((await b.takeRate('otp:never-taken', 3, bucket, t)).ok).toBe(true);
      expect((await b.takeRate('otp:never-taken', 1, bucket, t)).ok).toBe(false);
      await a.takeRate('ip:late', 1, bucket, t + 1000);
      expect(await b.pruneRates(t + 1)).toBe(2); // otp:x and otp:never-taken; not ip:late
      expect((await a.takeRate('otp:x', 3, bucket, t)).ok).toBe(true); // forgotten = full
      expect((await a.takeRate('ip:late', 3, bucket, t + 1000)).ok).toBe(false); // kept
    },
  );
});
