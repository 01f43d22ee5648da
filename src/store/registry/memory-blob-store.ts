/** MemoryBlobStore: the in-memory {@link BlobStore} for tests (same rules, no durability). */
import { assertSha256Hex, type BlobStore, checkedBlob } from './blob-store.js';

export class MemoryBlobStore implements BlobStore {
  readonly description = 'memory';
  /** The stored bytes by sha256 (tests play a tampering disk through it). */
  readonly blobs = new Map<string, Uint8Array>();

  async put(sha256: string, bytes: Uint8Array) {
    assertSha256Hex(sha256);
    if (!this.blobs.has(sha256)) this.blobs.set(sha256, Uint8Array.from(bytes));
  }
  async read(sha256: string) {
    assertSha256Hex(sha256);
    const b = this.blobs.get(sha256);
    return b === undefined ? undefined : checkedBlob(sha256, b, this.description);
  }
  async close() {}
}
