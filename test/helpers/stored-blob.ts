// Tests that play a disk-level attacker swap the bytes the registry stores for an artifact.
// The release store keeps small blobs as database rows and larger ones as files
// (src/store/registry/releases.ts, SMALL_BLOB_BYTES); this writes wherever the blob is.
import { existsSync, writeFileSync } from 'node:fs';
import type { ReleaseStore } from '../../src/store/registry/releases.js';

/** overwriteStoredBlob replaces the stored bytes under `sha256` without any check. */
export function overwriteStoredBlob(store: ReleaseStore, sha256: string, bytes: Uint8Array): void {
  const path = store.blobPath(sha256);
  if (existsSync(path)) return writeFileSync(path, bytes);
  const r = store.db.prepare('UPDATE blob SET bytes = ? WHERE sha256 = ?').run(bytes, sha256);
  if (r.changes !== 1) throw new Error(`the store holds no blob ${sha256}`);
}
