// Issue 11 item 10: a full disk is pushback, not a latched failure. First with
// an injected ENOSPC in the storage layer (runs everywhere), then on a real
// small tmpfs over HTTP — the standalone log and the registry (needs root to
// mount: skipped locally as non-root, a failure under CI=true).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '../../src/log/note-key.js';
import { PushbackError } from '../../src/log/service.js';
import { LogAdmission } from '../../src/registry/log-admission.js';
import { createLogServer } from '../../src/registry/log-routes.js';
import { openRegistry } from '../../src/registry/server.js';
import {
  auditLog,
  dirTileSource,
  MemoryLog,
  MemoryStorage,
  openFileLog,
  StorageError,
} from '../../src/store/index.js';
import { publicDir } from '../../src/store/sqlite-file-storage.js';
import { isStorageFull, StorageFullError } from '../../src/store/storage-full.js';
import { needsCondition, skipUnlessPresent } from '../helpers/real-program.js';
import { buildTgz } from '../helpers/tar-builder.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    errno: -28,
  });
}

/** FullDisk fails every write with ENOSPC (wrapped like the file driver wraps it) while `full` is set. */
class FullDisk extends MemoryStorage {
  full = false;
  private check(what: string): void {
    if (this.full) throw new StorageError(`cannot ${what}: ENOSPC`, { cause: enospc() });
  }
  override async writeTiles(objects: Parameters<MemoryStorage['writeTiles']>[0]): Promise<void> {
    this.check('write log tiles');
    return super.writeTiles(objects);
  }
  override async commit(c: Parameters<MemoryStorage['commit']>[0]): Promise<void> {
    this.check('commit');
    return super.commit(c);
  }
  override async publishCheckpoint(cp: string): Promise<void> {
    this.check('write the checkpoint');
    return super.publishCheckpoint(cp);
  }
}

describe('disk full (injected ENOSPC)', () => {
  it('classifies out-of-space errors along the cause chain', () => {
    expect(isStorageFull(new StorageError('x', { cause: enospc() }))).toBe(true);
    expect(
      isStorageFull(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })),
    ).toBe(true);
    expect(isStorageFull(new StorageError('disk on fire'))).toBe(false);
    expect(isStorageFull(undefined)).toBe(false);
  });

  it('answers pushback while full, never latches, and appends again once space returns; nothing acknowledged is lost', async () => {
    const storage = new FullDisk();
    const log = new MemoryLog({ batchSize: 8, batchIntervalMs: 1 }, storage);
    const acked = await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append(enc(`before ${i}`))),
    );
    storage.full = true;
    const during = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => log.append(enc(`during ${i}`))),
    );
    for (const r of during) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(StorageFullError);
      expect(e).toBeInstanceOf(PushbackError); // every HTTP front answers 503 + Retry-After
      expect((e as Error).message).toMatch(/storage is full/);
    }
    // Still full: still pushback (not a latched fatal error), as many times as asked.
    for (let i = 0; i < 3; i++)
      await expect(log.append(enc(`still ${i}`))).rejects.toBeInstanceOf(StorageFullError);
    storage.full = false;
    const after = await Promise.all(
      Array.from({ length: 12 }, (_, i) => log.append(enc(`during ${i}`))),
    );
    expect(after.every((r) => !r.duplicate)).toBe(true);
    expect(log.size).toBe(32);
    for (const a of acked)
      expect(new TextDecoder().decode(await log.readEntry(a.index))).toMatch(/^before /);
    await log.close();
  });
});

/** A tmpfs of `size` mounted on a fresh directory (root only). */
function mountTmpfs(size: string): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`mount -t tmpfs failed: ${r.stderr}`);
  return {
    dir,
    unmount() {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** fill writes filler files until the device is full; returns their paths. */
function fill(dir: string): string[] {
  const files: string[] = [];
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; ; i++) {
    const f = join(dir, `filler-${i}`);
    try {
      writeFileSync(f, chunk);
      files.push(f);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOSPC') break;
      throw e;
    }
  }
  // Small remainders too, so not even a checkpoint fits.
  for (let i = 0; i < 64; i++) {
    try {
      writeFileSync(join(dir, `filler-small-${i}`), Buffer.alloc(512));
      files.push(join(dir, `filler-small-${i}`));
    } catch {
      break;
    }
  }
  return files;
}

const asRoot = needsCondition(
  'root (mount -t tmpfs)',
  process.getuid?.() === 0,
  'run the tmpfs tests as root; CI does',
  'test/store/storage-full.test.ts',
);

describe.skipIf(skipUnlessPresent(asRoot))('disk full on a real tmpfs', () => {
  let fs: { dir: string; unmount(): void } | undefined;
  beforeAll(() => {
    asRoot.require();
    fs = mountTmpfs('4m');
  });
  afterAll(() => fs?.unmount());

  it('sigil log serve: 503 + Retry-After with a clear message while full, 200 again once space is freed', async () => {
    const dataDir = join(fs!.dir, 'log');
    const log = await openFileLog(dataDir, { origin: 'full.test/log', batchIntervalMs: 1 });
    const app = createLogServer({
      log,
      admission: LogAdmission.policy({ open: true, rateLimit: { burst: 1000, perMinute: 60_000 } }),
    });
    try {
      const add = (body: string) =>
        app.inject({
          method: 'POST',
          url: '/add',
          payload: Buffer.from(body),
          headers: { 'content-type': 'application/octet-stream' },
        });
      const acked: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await add(`before ${i} ${'x'.repeat(2000)}`);
        expect(r.statusCode).toBe(200);
        acked.push(r.json().index);
      }
      const fillers = fill(fs!.dir);
      let refused;
      for (let i = 0; i < 5; i++) {
        refused = await add(`during ${i} ${'y'.repeat(8000)}`);
        expect(refused.statusCode).toBe(503);
        expect(refused.headers['retry-after']).toBeDefined();
        expect(refused.json().error).toMatch(/storage is full/);
      }
      for (const f of fillers) rmSync(f);
      const again = await add(`after ${'z'.repeat(2000)}`);
      expect(again.statusCode).toBe(200);
      expect(again.json().index).toBe(10);
      await log.close();
      // Every acknowledged entry is there, and the log audits clean.
      const reopened = await openFileLog(dataDir, { origin: 'full.test/log' });
      for (const i of acked)
        expect(new TextDecoder().decode(await reopened.readEntry(i))).toMatch(/^before /);
      const audit = await auditLog(dirTileSource(publicDir(dataDir)), {
        verifiers: [parseVerifierKey(reopened.verifierKey)],
      });
      expect(audit.entries).toBe(11);
      expect(audit.signatureVerified).toBe(true);
      await reopened.close();
    } finally {
      await app.close();
    }
  }, 60_000);

  it('sigil serve: a publish on a full disk is refused with a clear 5xx and succeeds once space is freed', async () => {
    const dataDir = join(fs!.dir, 'registry');
    mkdirSync(dataDir);
    const reg = await openRegistry({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      passphrase: 'pw',
    });
    try {
      const publish = (name: string) =>
        reg.app.inject({
          method: 'POST',
          url: '/api/v1/publish',
          payload: {
            filename: `${name}.tgz`,
            artifact: buildTgz([
              { name: 'package/package.json', content: JSON.stringify({ name, version: '1.0.0' }) },
              { name: 'package/data.bin', content: 'd'.repeat(20_000) },
            ]).toString('base64'),
            bundle: null,
          },
        });
      // The npm personality's `npm publish` (PUT /<name>), same store and log.
      const npmPublish = (name: string) => {
        const tarball = buildTgz([
          { name: 'package/package.json', content: JSON.stringify({ name, version: '1.0.0' }) },
          { name: 'package/data.bin', content: 'n'.repeat(20_000) },
        ]);
        return reg.app.inject({
          method: 'PUT',
          url: `/${name}`,
          payload: {
            _id: name,
            name,
            'dist-tags': { latest: '1.0.0' },
            versions: {
              '1.0.0': {
                name,
                version: '1.0.0',
                dist: {
                  integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
                  shasum: createHash('sha1').update(tarball).digest('hex'),
                  tarball: `http://x/${name}/-/${name}-1.0.0.tgz`,
                },
              },
            },
            _attachments: {
              [`${name}-1.0.0.tgz`]: {
                content_type: 'application/octet-stream',
                data: tarball.toString('base64'),
                length: tarball.length,
              },
            },
          },
        });
      };
      expect((await publish('first')).statusCode).toBe(201);
      const fillers = fill(fs!.dir);
      for (const refused of [await publish('second'), await npmPublish('third')]) {
        expect([503, 507]).toContain(refused.statusCode);
        expect(refused.headers['retry-after']).toBeDefined();
        expect(JSON.stringify(refused.json())).toMatch(/full/);
      }
      for (const f of fillers) rmSync(f);
      const ok = await publish('second');
      expect(ok.statusCode, ok.body).toBe(201);
      const okNpm = await npmPublish('third');
      expect(okNpm.statusCode, okNpm.body).toBeLessThan(300);
      expect((await reg.app.inject('/api/v1/releases/pkg%3Anpm%2Ffirst%401.0.0')).statusCode).toBe(
        200,
      );
    } finally {
      await reg.close();
    }
  }, 60_000);
});
