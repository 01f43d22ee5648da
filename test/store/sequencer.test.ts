// The sequencer and storage: batching, dedup, pushback, proofs from tiles,
// restart on the same storage, the durable file layout (byte-identical to a
// real Tessera log for the same leaves and key), audit.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/log/checkpoint.js';
import { recordHash } from '../../src/log/hash.js';
import { parseSignerKey, parseVerifierKey } from '../../src/log/note-key.js';
import { checkConsistency, checkInclusion } from '../../src/log/proof.js';
import { PushbackError } from '../../src/log/service.js';
import {
  auditLog,
  AuditError,
  dirTileSource,
  MemoryLog,
  MemoryStorage,
  openFileLog,
  SequencedLog,
  SqliteFileStorage,
  StorageError,
} from '../../src/store/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sigil-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rootOf(log: { verifierKey: string; origin: string }, cp: string): Uint8Array {
  const v = verifyCheckpoint(cp, [parseVerifierKey(log.verifierKey)], { origin: log.origin });
  if (!v.ok) throw new Error(v.check.reason);
  return v.checkpoint.hash;
}

describe('MemoryLog (sequencer over MemoryStorage)', () => {
  it('batches concurrent appends, dedups, and proves inclusion and consistency from tiles', async () => {
    const log = new MemoryLog({ batchSize: 64, batchIntervalMs: 2 });
    const first = await log.append(enc('hello'));
    expect(first).toMatchObject({ index: 0, treeSize: 1, duplicate: false });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => log.append(enc(`entry ${i}`))),
    );
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    expect(new Set(results.map((r) => r.treeSize)).size).toBeGreaterThan(10); // several batches
    // duplicates: committed, and concurrent with their first submission
    expect(await log.append(enc('entry 5'))).toMatchObject({
      index: results[5]!.index,
      duplicate: true,
    });
    const [a, b] = await Promise.all([log.append(enc('twice')), log.append(enc('twice'))]);
    expect(a.index).toBe(b.index);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    const cp = await log.latestCheckpoint();
    const root = rootOf(log, cp);
    expect(a.treeSize).toBe(1002);
    for (const i of [0, 1, 255, 256, 511, 777, 1001]) {
      const entry = (await log.readEntry(i))!;
      const proof = await log.inclusionProof(i, 1002);
      expect(checkInclusion(proof, i, 1002, recordHash(entry), root).status).toBe('pass');
    }
    const old = rootOf(log, first.checkpoint);
    expect(checkConsistency(await log.consistencyProof(1, 1002), 1, 1002, old, root).status).toBe(
      'pass',
    );
    await expect(log.inclusionProof(5, 5000)).rejects.toMatchObject({ code: 'PROOF_BAD_INPUT' });
    expect(await log.readTile('tile/0/000')).toHaveLength(8192);
    expect(await log.readTile('tile/0/003.p/234')).toHaveLength(234 * 32);
    expect(await log.readTile('tile/0/004')).toBeUndefined(); // beyond the tree
    expect(await log.readTile('tile/0/003.p/235')).toBeUndefined();
    expect(await log.readTile('../etc/passwd')).toBeUndefined();
    expect(await log.readEntry(1002)).toBeUndefined();
    await log.close();
    await expect(log.append(enc('late'))).rejects.toMatchObject({ code: 'LOG_CLOSED' });
  });

  it('pushes back when the pool is full', async () => {
    const log = new MemoryLog({ batchSize: 100, batchIntervalMs: 50, maxPending: 8 });
    await log.ready;
    const accepted = Array.from({ length: 8 }, (_, i) => log.append(enc(`p${i}`)));
    await new Promise((r) => setTimeout(r, 0));
    await expect(log.append(enc('one too many'))).rejects.toBeInstanceOf(PushbackError);
    await Promise.all(accepted);
    expect((await log.append(enc('after'))).index).toBe(8);
    await log.close();
  });

  it('resumes on the same storage after a restart, and rejects entries over 65535 bytes', async () => {
    const storage = new MemoryStorage();
    const seed = new Uint8Array(32).fill(7);
    const log1 = new MemoryLog({ seed, batchSize: 7 }, storage);
    for (let i = 0; i < 300; i++) await log1.append(enc(`r${i}`));
    // no close(): a "crash"
    const log2 = new MemoryLog({ seed, batchSize: 7 }, storage);
    expect(await log2.latestCheckpoint()).toBe(await log1.latestCheckpoint());
    expect(await log2.append(enc('r42'))).toMatchObject({ index: 42, duplicate: true });
    expect((await log2.append(enc('new'))).index).toBe(300);
    await expect(log2.append(new Uint8Array(65536))).rejects.toMatchObject({
      code: 'ENTRY_TOO_LARGE',
    });
  });
});

describe('storage failures', () => {
  it('reject the failed batch (and the one built on it), then the log recovers from its committed state', async () => {
    class Flaky extends MemoryStorage {
      failNext = 0;
      override async writeTiles(
        objects: Parameters<MemoryStorage['writeTiles']>[0],
      ): Promise<void> {
        if (this.failNext > 0) {
          this.failNext--;
          throw new StorageError('disk on fire');
        }
        return super.writeTiles(objects);
      }
    }
    const storage = new Flaky();
    const log = new MemoryLog({ batchSize: 10, batchIntervalMs: 1 }, storage);
    for (let i = 0; i < 25; i++) await log.append(enc(`ok${i}`));
    storage.failNext = 1;
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => log.append(enc(`x${i}`))),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.length).toBeGreaterThanOrEqual(10);
    for (const f of failed)
      expect((f as PromiseRejectedResult).reason).toMatchObject({ code: 'STORAGE_ERROR' });
    // retried entries are appended; the tree stays consistent and provable
    const again = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(enc(`x${i}`))));
    const size = Math.max(...again.map((r) => r.treeSize));
    expect(size).toBe(65);
    const root = rootOf(log, await log.latestCheckpoint());
    for (let i = 0; i < size; i++) {
      const proof = await log.inclusionProof(i, size);
      expect(
        checkInclusion(proof, i, size, recordHash((await log.readEntry(i))!), root).status,
      ).toBe('pass');
    }
    await log.close();
  });
});

describe('openFileLog (SQLite + files)', () => {
  it('reproduces the Tessera reference log byte for byte', async () => {
    const TESSERA = join(import.meta.dirname, '../fixtures/log/tessera-log');
    const LEAVES =
      'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(
        ' ',
      );
    const signer = parseSignerKey(
      'PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg',
    );
    const dir = tmp();
    const log = await SequencedLog.open(new SqliteFileStorage(dir), {
      origin: 'example.com/log/testdata',
      signers: [signer],
      batchSize: 1,
    });
    for (const leaf of LEAVES) await log.append(enc(leaf));
    // The static view is published after the acknowledgement (coalesced); close waits for it.
    await log.close();
    expect(readFileSync(join(dir, 'public/checkpoint'), 'utf8')).toBe(
      readFileSync(join(TESSERA, 'checkpoint'), 'utf8'),
    );
    expect(readFileSync(join(dir, 'public/tile/0/000.p/15'))).toEqual(
      readFileSync(join(TESSERA, 'tile/0/000.p/15')),
    );
    expect(readFileSync(join(dir, 'public/tile/entries/000.p/15'))).toEqual(
      readFileSync(join(TESSERA, 'tile/entries/000.p/15')),
    );
  });

  it('keeps its state across reopen, locks the directory, audits clean and detects a tampered tile', async () => {
    const dir = tmp();
    const log = await openFileLog(dir, {
      origin: 'test.example/log',
      batchSize: 100,
      batchIntervalMs: 1,
    });
    expect(log.keyCreated).toBe(true);
    await expect(openFileLog(dir)).rejects.toBeInstanceOf(StorageError); // locked by the open log
    const rs = await Promise.all(Array.from({ length: 1000 }, (_, i) => log.append(enc(`f${i}`))));
    const vkey = log.verifierKey;
    await log.close();
    const again = await openFileLog(dir, { batchIntervalMs: 1 });
    expect(again.keyCreated).toBe(false);
    expect(again.verifierKey).toBe(vkey);
    expect(await again.append(enc('f999'))).toMatchObject({
      index: rs[999]!.index,
      duplicate: true,
    });
    expect((await again.append(enc('g'))).index).toBe(1000);
    await again.close();
    await expect(openFileLog(dir, { origin: 'other.example' })).rejects.toMatchObject({
      code: 'LOG_ORIGIN_MISMATCH',
    });
    const pub = join(dir, 'public');
    // superseded partial tiles are pruned once the full tile exists
    expect(
      readdirSync(join(pub, 'tile/0'))
        .filter((n) => n.endsWith('.p'))
        .sort(),
    ).toEqual(['003.p']);
    const res = await auditLog(dirTileSource(pub), {
      verifiers: [parseVerifierKey(vkey)],
      origin: 'test.example/log',
    });
    expect(res).toMatchObject({ entries: 1001, treeHeads: 4, signatureVerified: true });
    const t = readFileSync(join(pub, 'tile/0/001'));
    t[100] = t[100]! ^ 1;
    writeFileSync(join(pub, 'tile/0/001'), t);
    await expect(auditLog(dirTileSource(pub))).rejects.toBeInstanceOf(AuditError);
    await expect(openFileLog(dir)).resolves.toBeDefined(); // the edge is intact: tile 001 is not part of it
  });

  it('refuses to start on a damaged edge', async () => {
    const dir = tmp();
    const log = await openFileLog(dir, { origin: 'test.example/log', batchIntervalMs: 1 });
    for (let i = 0; i < 10; i++) await log.append(enc(`d${i}`));
    await log.close();
    // The edge lives in the commit record: a damaged row is refused…
    const db = new Database(join(dir, 'log.db'));
    const row = db.prepare('SELECT data FROM edge WHERE level = 0').get() as { data: Buffer };
    row.data[5] = row.data[5]! ^ 1;
    db.prepare('UPDATE edge SET data = ? WHERE level = 0').run(row.data);
    db.close();
    await expect(openFileLog(dir)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringMatching(/do not hash to its recorded root/),
    });
    // …and a log without edge rows (written before they existed) reads the published tiles.
    const db1 = new Database(join(dir, 'log.db'));
    db1.prepare('DELETE FROM edge').run();
    db1.close();
    const reopened = await openFileLog(dir);
    expect(reopened.size).toBe(10);
    await reopened.close();
    rmSync(join(dir, 'public/tile/0/000.p/10'));
    const db2 = new Database(join(dir, 'log.db'));
    db2.prepare('DELETE FROM edge').run();
    db2.close();
    await expect(openFileLog(dir)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });

  it('commits small batches without rewriting partial tiles, publishes every checkpoint it acknowledged or a newer one, and serves every partial width', async () => {
    const dir = tmp();
    const written: string[] = [];
    class Counting extends SqliteFileStorage {
      override async writeTiles(objects: Parameters<SqliteFileStorage['writeTiles']>[0]) {
        written.push(...objects.map((o) => `${o.tile.level}/${o.tile.index}/${o.tile.width}`));
        return super.writeTiles(objects);
      }
    }
    const log = await SequencedLog.open(new Counting(dir), {
      origin: 'example.com/log/testdata',
      signers: [
        parseSignerKey(
          'PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg',
        ),
      ],
      batchSize: 7,
      batchIntervalMs: 0,
      maxPending: 1000,
    });
    const pub = join(dir, 'public');
    const acks = await Promise.all(Array.from({ length: 600 }, (_, i) => log.append(enc(`e${i}`))));
    const sizes = [...new Set(acks.map((a) => a.treeSize))].sort((a, b) => a - b);
    expect(sizes.length).toBeGreaterThan(10); // many small batches
    // Before each commit only full tiles and bundles were written: 2 level-0 tiles, 2 bundles.
    expect(written.filter((w) => !w.endsWith('/256'))).toEqual([]);
    expect(written.sort()).toEqual(['-1/0/256', '-1/1/256', '0/0/256', '0/1/256']);
    // Over the log's own reader every width any acknowledged checkpoint names is served, from
    // the edge in memory or the full tile it grew into: equal to the prefix of the wider one.
    const full = (await log.readTile('tile/0/000'))!;
    const fullBundle = (await log.readTile('tile/entries/000'))!;
    for (const size of sizes.filter((n) => n < 256)) {
      expect(await log.readTile(`tile/0/000.p/${size}`)).toEqual(full.slice(0, size * 32));
      const b = (await log.readTile(`tile/entries/000.p/${size}`))!;
      expect(Buffer.from(fullBundle.subarray(0, b.length)).equals(Buffer.from(b))).toBe(true);
    }
    const edge = 600 % 256;
    expect(await log.readTile(`tile/0/002.p/${edge}`)).toHaveLength(edge * 32);
    await log.close();
    // After close the static view is the newest checkpoint, with its partial tiles: it audits.
    const cp = readFileSync(join(pub, 'checkpoint'), 'utf8');
    expect(cp.split('\n')[1]).toBe('600');
    const res = await auditLog(dirTileSource(pub), {
      verifiers: [parseVerifierKey(log.verifierKey)],
      origin: 'example.com/log/testdata',
    });
    expect(res.entries).toBe(600);
  });
});
