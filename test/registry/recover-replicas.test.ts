// recoverPending (src/registry/publish.ts) on storage shared by replicas: the reservations of a
// replica that died (reservation and maybe blob written, never completed) are finished or dropped
// by the others once they outlive the lease — never earlier, since a live replica's publish in
// flight looks the same — and two replicas recovering at once finish each row exactly once.
// Runs on the in-memory bundle, SQLite (two stores on one data directory, as two processes) and
// PostgreSQL + an object store (two pools, as two replicas, with the recovery turn).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recoverPending } from '../../src/registry/publish.js';
import { MemoryLog } from '../../src/store/memory-log.js';
import {
  embeddedRegistryStorage,
  memoryRegistryStorage,
  type RegistryStorage,
} from '../../src/store/registry/registry-storage.js';
import type { NewRelease } from '../../src/store/registry/release-tables.js';
import { ReleaseStore } from '../../src/store/registry/releases.js';
import type { ObjectStore } from '../../src/store/scale/objects.js';
import { scaleRegistryStorage } from '../../src/store/scale/scale-registry-storage.js';
import { driverPairs } from '../helpers/driver-pairs.js';

/** One bucket for both replicas (the object store's own behaviour is tested in its conformance suite). */
function sharedBucket(): ObjectStore {
  const objects = new Map<string, Uint8Array>();
  return {
    description: 'test bucket',
    async put(key, data) {
      objects.set(key, new Uint8Array(data));
    },
    async get(key) {
      return objects.get(key);
    },
    async delete(key) {
      objects.delete(key);
    },
    async close() {},
  };
}

const drivers = driverPairs<RegistryStorage>('test/registry/recover-replicas.test.ts', {
  prefix: 'recover',
  memory: () => memoryRegistryStorage(),
  sqlite(dir) {
    const a = new ReleaseStore(dir);
    const b = new ReleaseStore(dir);
    const closing = (s: ReleaseStore, storage: RegistryStorage) => ({
      ...storage,
      async close() {
        await storage.close();
        s.close();
      },
    });
    return [
      closing(a, embeddedRegistryStorage(a, dir)),
      closing(b, embeddedRegistryStorage(b, dir)),
    ];
  },
  postgres(p1, p2) {
    const bucket = sharedBucket();
    return [scaleRegistryStorage(p1, bucket), scaleRegistryStorage(p2, bucket)];
  },
});

const T0 = Date.parse('2026-12-03T12:00:00.000Z');
const at = (ms: number) => () => new Date(T0 + ms);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function reservation(name: string, bytes: Uint8Array): NewRelease {
  return {
    purl: `pkg:generic/${name}@1.0.0`,
    type: 'generic',
    namespace: '',
    name,
    version: '1.0.0',
    sha256: sha256(bytes),
    sha512: 'b'.repeat(128),
    size: bytes.length,
    native: '{}',
    publishedAt: new Date(T0).toISOString(),
    filename: `${name}.bin`,
    account: 'alice',
    authorBundle: null,
    authorKeyId: null,
    authorKeyPem: null,
    authorEntry: null,
    publishEnvelope: '{}',
    publishEntry: Buffer.from(`entry of ${name}`),
    registrySignature: null,
  };
}

describe.each(drivers)('recoverPending across replicas: $name', (d) => {
  it.skipIf(d.skip)(
    "a dead replica's reservations are left alone within the lease, then finished once (blob intact) or dropped (no blob)",
    async () => {
      const [dead, live] = await d.pair();
      const log = new MemoryLog({ origin: 'recover.test/log' });
      const lease = { olderThanMs: 60_000 };
      // The dead replica reserved three releases; two blobs made it to storage.
      const bytes = ['one', 'two', 'three'].map((n) => Buffer.from(`bytes of ${n}`));
      const rows = ['one', 'two', 'three'].map((n, i) => reservation(n, bytes[i]!));
      for (const r of rows) expect(await dead.releases.reserve(r)).toEqual({ kind: 'reserved' });
      await dead.blobs.put(rows[0]!.sha256, bytes[0]!);
      await dead.blobs.put(rows[1]!.sha256, bytes[1]!);

      // Within the lease they may be a live replica's publishes in flight: untouched.
      expect(await recoverPending({ storage: live, log }, { ...lease, now: at(10_000) })).toEqual({
        completed: [],
        dropped: [],
      });
      expect((await live.releases.pendingReleases()).length).toBe(3);

      // Past it, two replicas recover at once: each row is finished (or dropped) once.
      const [r1, r2] = await Promise.all([
        recoverPending({ storage: live, log }, { ...lease, now: at(61_000) }),
        recoverPending({ storage: dead, log }, { ...lease, now: at(61_000) }),
      ]);
      const completed = [...r1.completed, ...r2.completed];
      expect(new Set(completed)).toEqual(new Set([rows[0]!.purl, rows[1]!.purl]));
      expect(new Set([...r1.dropped, ...r2.dropped])).toEqual(new Set([rows[2]!.purl]));
      expect(await live.releases.pendingReleases()).toEqual([]);
      expect(await dead.releases.get(rows[2]!.purl)).toBeUndefined();
      const published = await Promise.all(rows.slice(0, 2).map((r) => live.releases.get(r.purl)));
      // The log deduplicates the re-appended entries: one entry per release, at its index.
      expect((await log.latestCheckpoint()).split('\n')[1]).toBe('2');
      expect(new Set(published.map((r) => r?.publishIndex))).toEqual(new Set([0, 1]));
    },
  );
});
