// One conformance suite for the web UI's sessions (src/store/registry/web-session-state.ts) on the
// in-memory driver, SQLite (two handles on the same file, as two processes) and PostgreSQL (two
// pools, as two replicas): a session made on one handle is found on the other, ended or expired on
// one it is gone on both, only hashes are accepted as keys, and one account's sessions are bounded.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryWebSessionState } from '../../src/store/registry/memory-web-session-state.js';
import { SqliteWebSessionState } from '../../src/store/registry/sqlite-web-session-state.js';
import {
  MAX_SESSIONS_PER_ACCOUNT,
  type WebSessionState,
} from '../../src/store/registry/web-session-state.js';
import { PgWebSessionState } from '../../src/store/scale/pg-web-session-state.js';
import { driverPairs } from '../helpers/driver-pairs.js';

const drivers = driverPairs<WebSessionState>('test/store/web-session-state-conformance.test.ts', {
  prefix: 'websession',
  memory: () => new MemoryWebSessionState(),
  sqlite(dir) {
    const file = join(dir, 'registry.sqlite');
    return [new SqliteWebSessionState(file), new SqliteWebSessionState(file)];
  },
  postgres: (p1, p2) => [new PgWebSessionState(p1), new PgWebSessionState(p2)],
});

const T0 = 1_800_000_000_000;
const hashOf = (id: string) => createHash('sha256').update(id).digest();
const fresh = () => hashOf(randomBytes(32).toString('base64url'));

describe.each(drivers)('WebSessionState conformance: $name', (d) => {
  it.skipIf(d.skip)(
    'a session made on one handle is found on the other, and ended there',
    async () => {
      const [a, b] = await d.pair();
      const id = fresh();
      expect(await b.session(id, T0)).toBeUndefined();
      await a.create(id, { account: 'alice', tokenId: 'tok-1', expiresAtMs: T0 + 1000 }, T0);
      expect(await b.session(id, T0 + 1)).toEqual({
        account: 'alice',
        tokenId: 'tok-1',
        expiresAtMs: T0 + 1000,
        enrolment: null,
      });
      expect(await b.session(fresh(), T0)).toBeUndefined(); // another id: nothing
      await b.end(id);
      expect(await a.session(id, T0 + 2)).toBeUndefined();
      await a.end(id); // already gone: fine
    },
  );

  it.skipIf(d.skip)('expiry: at its expiry time a session is gone for every handle', async () => {
    const [a, b] = await d.pair();
    const id = fresh();
    await a.create(id, { account: 'bob', tokenId: 't', expiresAtMs: T0 + 500 }, T0);
    expect(await b.session(id, T0 + 499)).toBeDefined();
    expect(await b.session(id, T0 + 500)).toBeUndefined();
    expect(await a.session(id, T0 + 10_000)).toBeUndefined();
    // A later sign-in sweeps it: a clock turned back does not bring it back.
    await b.create(fresh(), { account: 'carol', tokenId: 't', expiresAtMs: T0 + 99_000 }, T0 + 600);
    expect(await a.session(id, T0)).toBeUndefined();
  });

  it.skipIf(d.skip)(
    'an enrolment set on one handle is shown by the other until cleared',
    async () => {
      const [a, b] = await d.pair();
      const id = fresh();
      await a.create(id, { account: 'dave', tokenId: 't', expiresAtMs: T0 + 1000 }, T0);
      const enrolment = {
        uri: 'otpauth://totp/sigil:dave?secret=JBSWY3DPEHPK3PXP',
        secret: 'JBSWY3DPEHPK3PXP',
      };
      expect(await a.setEnrolment(id, enrolment)).toBe(true);
      expect((await b.session(id, T0))?.enrolment).toEqual(enrolment);
      expect(await b.setEnrolment(id, null)).toBe(true);
      expect((await a.session(id, T0))?.enrolment).toBeNull();
      await a.end(id);
      expect(await b.setEnrolment(id, enrolment)).toBe(false); // an ended session is not revived
      expect(await a.session(id, T0)).toBeUndefined();
    },
  );

  it.skipIf(d.skip)(
    'refuses a key that is not a 32-byte hash (a raw cookie id never reaches storage)',
    async () => {
      const [a] = await d.pair();
      const raw = Buffer.from(randomBytes(32).toString('base64url'));
      await expect(
        a.create(raw, { account: 'eve', tokenId: 't', expiresAtMs: T0 + 1000 }, T0),
      ).rejects.toThrow(/SHA-256 \(32 bytes\), got 43/);
      expect(await a.session(hashOf(raw.toString()), T0)).toBeUndefined();
    },
  );

  it.skipIf(d.skip)(
    `one account holds at most ${MAX_SESSIONS_PER_ACCOUNT} sessions (the ones expiring last), other accounts untouched`,
    async () => {
      const [a, b] = await d.pair();
      const other = fresh();
      await a.create(other, { account: 'frank', tokenId: 't', expiresAtMs: T0 + 1_000 }, T0);
      const ids: Buffer[] = [];
      const n = MAX_SESSIONS_PER_ACCOUNT + 5;
      for (let i = 0; i < n; i++) {
        const id = fresh();
        ids.push(id);
        // Alternate handles, as sign-ins landing on two replicas.
        await (i % 2 ? a : b).create(
          id,
          { account: 'gina', tokenId: `t${i}`, expiresAtMs: T0 + 10_000 + i },
          T0,
        );
      }
      const live = [];
      for (const id of ids) live.push((await a.session(id, T0)) !== undefined);
      expect(live.filter(Boolean)).toHaveLength(MAX_SESSIONS_PER_ACCOUNT);
      expect(live.slice(0, 5)).toEqual([false, false, false, false, false]); // the first to expire went
      expect(live.slice(5).every(Boolean)).toBe(true);
      expect(await b.session(other, T0)).toBeDefined();
    },
  );

  it.skipIf(d.skip)(
    'sign-ins racing on both handles all stand (distinct ids, no lost session)',
    async () => {
      const [a, b] = await d.pair();
      const ids = Array.from({ length: 16 }, fresh);
      await Promise.all(
        ids.map((id, i) =>
          (i % 2 ? a : b).create(
            id,
            { account: `racer${i % 4}`, tokenId: `t${i}`, expiresAtMs: T0 + 5000 },
            T0,
          ),
        ),
      );
      for (const [i, id] of ids.entries())
        expect((await (i % 2 ? b : a).session(id, T0))?.tokenId).toBe(`t${i}`);
    },
  );
});
