/**
 * SqliteBlobStore: the embedded default {@link BlobStore} — the ReleaseStore's
 * blobs as they are today (rows in registry.sqlite up to SMALL_BLOB_BYTES,
 * files under blobs/sha256/ above), checked against their name on read.
 */
import { assertSha256Hex, type BlobStore, checkedBlob } from './blob-store.js';
import type { ReleaseStore } from './releases.js';

export class SqliteBlobStore implements BlobStore {
  readonly description: string;

  constructor(
    private readonly store: ReleaseStore,
    dataDir: string,
  ) {
    this.description = `${dataDir} (registry.sqlite and blobs/)`;
  }
  async put(sha256: string, bytes: Uint8Array) {
    assertSha256Hex(sha256);
    await this.store.putBlob(sha256, bytes);
  }
  async read(sha256: string) {
    assertSha256Hex(sha256);
    const b = this.store.readBlob(sha256);
    return b === undefined ? undefined : checkedBlob(sha256, b, this.description);
  }
  async close() {}
}
