// One conformance suite for artifact blobs (src/store/registry/blob-store.ts) on the in-memory
// driver, the embedded SQLite + files (two ReleaseStores on one data directory, as two processes;
// a small blob is a row, a large one a file) and a real S3 protocol server (s3rver in a child
// process; two clients, as two replicas): what one handle stored the other reads, storing again
// is harmless, absent is undefined, and bytes swapped on disk or in the bucket are refused. On S3
// alone: with the store down a put fails with 503-class StorageUnavailableError and cached blobs
// are still served.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/store/registry/blob-store.js';
import { MemoryBlobStore } from '../../src/store/registry/memory-blob-store.js';
import { ReleaseStore } from '../../src/store/registry/releases.js';
import { SqliteBlobStore } from '../../src/store/registry/sqlite-blob-store.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { S3BlobStore } from '../../src/store/scale/s3-blob-store.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { StorageUnavailableError } from '../../src/store/scale/unavailable.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';

let s3: S3Server;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  s3 = await startS3('blobs');
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await s3?.destroy();
});

interface Pair {
  a: BlobStore;
  b: BlobStore;
  /** tamper swaps the stored bytes under `sha256` below the driver (a disk- or bucket-level attacker). */
  tamper(sha256: string, bytes: Uint8Array): Promise<void>;
}

let n = 0;
const drivers: { name: string; pair(): Promise<Pair> }[] = [
  {
    name: 'memory',
    async pair() {
      const m = new MemoryBlobStore();
      return { a: m, b: m, tamper: async (sha, bytes) => void m.blobs.set(sha, bytes) };
    },
  },
  {
    name: 'sqlite',
    async pair() {
      const dir = mkdtempSync(join(tmpdir(), 'sigil-blobs-'));
      const ra = new ReleaseStore(dir);
      const rb = new ReleaseStore(dir);
      cleanups.push(async () => {
        ra.close();
        rb.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return {
        a: new SqliteBlobStore(ra, dir),
        b: new SqliteBlobStore(rb, dir),
        tamper: async (sha, bytes) => overwriteStoredBlob(ra, sha, bytes),
      };
    },
  },
  {
    name: 's3',
    async pair() {
      const url = s3.url.replace('?', `/p${++n}?`); // a prefix per test: no state shared between tests
      const raw = new S3Objects(parseObjectsUrl(url));
      const a = new S3BlobStore(new S3Objects(parseObjectsUrl(url)));
      const b = new S3BlobStore(new S3Objects(parseObjectsUrl(url)));
      cleanups.push(async () => {
        await a.close();
        await b.close();
        await raw.close();
      });
      return { a, b, tamper: (sha, bytes) => raw.put(ContentStore.keyOf(sha), bytes) };
    },
  },
];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(drivers)('BlobStore conformance: $name', (d) => {
  it('what one handle stored the other reads; storing again is harmless; absent is undefined', async () => {
    const { a, b } = await d.pair();
    const small = randomBytes(1000);
    const large = randomBytes(200 * 1024); // above the embedded store's 128 KiB row limit: a file
    await Promise.all([a.put(sha256(small), small), a.put(sha256(large), large)]);
    await Promise.all([b.put(sha256(small), small), a.put(sha256(small), small)]); // again, racing
    expect(Buffer.from((await b.read(sha256(small)))!)).toEqual(small);
    expect(Buffer.from((await b.read(sha256(large)))!)).toEqual(large);
    expect(await b.read('0'.repeat(64))).toBeUndefined();
    await expect(a.read('../../etc/passwd')).rejects.toThrow(/not a sha256 hex/);
  });

  it('bytes swapped below the driver are refused, naming the blob', async () => {
    const { a, b, tamper } = await d.pair();
    const bytes = randomBytes(5000);
    const sha = sha256(bytes);
    await a.put(sha, bytes);
    await tamper(sha, randomBytes(5000));
    await expect(b.read(sha)).rejects.toThrow(new RegExp(`${sha.slice(0, 2)}.*${sha}|${sha}`));
    await expect(b.read(sha)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });
});

describe('BlobStore on S3 with the object store down', () => {
  it(
    'a put fails as unavailable (nothing acknowledged); cached blobs are still read',
    { timeout: 60_000 },
    async () => {
      const { a, b } = await drivers[2]!.pair();
      const cached = randomBytes(3000);
      await a.put(sha256(cached), cached);
      await s3.stop();
      try {
        const more = randomBytes(3000);
        await expect(b.put(sha256(more), more)).rejects.toBeInstanceOf(StorageUnavailableError);
        expect(Buffer.from((await a.read(sha256(cached)))!)).toEqual(cached); // from a's cache
        await expect(b.read(sha256(cached))).rejects.toBeInstanceOf(StorageUnavailableError); // not "absent"
      } finally {
        await s3.start();
      }
      expect(Buffer.from((await b.read(sha256(cached)))!)).toEqual(cached);
    },
  );
});
