// Blob storage of the release store (issue 14, P5): small artifacts are rows of the
// database, durable with the batch's one WAL fsync; large ones stay files. Both read back
// byte for byte after the store is closed and reopened, identical bytes are stored once,
// and a child process killed right after putBlob resolved still finds its blob.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReleaseStore, SMALL_BLOB_BYTES } from '../../src/store/registry/releases.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-blobs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('release store blobs', () => {
  it('keeps a small blob in the database and a large one in a file; both survive a reopen', async () => {
    const small = randomBytes(10 * 1024);
    const edge = randomBytes(SMALL_BLOB_BYTES);
    const large = randomBytes(SMALL_BLOB_BYTES + 1);
    const store = new ReleaseStore(dir);
    await Promise.all([
      store.putBlob(sha(small), small),
      store.putBlob(sha(edge), edge),
      store.putBlob(sha(large), large),
    ]);
    await store.putBlob(sha(small), small); // the same bytes again: stored once, no error
    expect(existsSync(store.blobPath(sha(small)))).toBe(false);
    expect(existsSync(store.blobPath(sha(edge)))).toBe(false);
    expect(existsSync(store.blobPath(sha(large)))).toBe(true);
    store.close();

    const again = new ReleaseStore(dir);
    expect(again.readBlob(sha(small))?.equals(small)).toBe(true);
    expect(again.readBlob(sha(edge))?.equals(edge)).toBe(true);
    expect(again.readBlob(sha(large))?.equals(large)).toBe(true);
    expect(again.readBlob('0'.repeat(64))).toBeUndefined();
    again.removeBlob(sha(small));
    again.removeBlob(sha(large));
    expect(again.readBlob(sha(small))).toBeUndefined();
    expect(again.readBlob(sha(large))).toBeUndefined();
    again.close();
  });

  it('a process killed right after putBlob resolved loses nothing', () => {
    const bytes = randomBytes(4096);
    const storeUrl = new URL('../../src/store/registry/releases.ts', import.meta.url).href;
    // The child stores the blob, says so, and dies at once (no close, no exit handlers).
    const script = `
      import { ReleaseStore } from ${JSON.stringify(storeUrl)};
      const s = new ReleaseStore(${JSON.stringify(dir)});
      const b = Buffer.from(${JSON.stringify(bytes.toString('base64'))}, 'base64');
      await s.putBlob(${JSON.stringify(sha(bytes))}, b);
      process.stdout.write('stored\\n');
      process.kill(process.pid, 'SIGKILL');
    `;
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('stored\n');
    expect(r.signal).toBe('SIGKILL');
    const store = new ReleaseStore(dir);
    expect(store.readBlob(sha(bytes))?.equals(bytes)).toBe(true);
    store.close();
  });
});
