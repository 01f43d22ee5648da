/**
 * S3BlobStore: {@link BlobStore} on the S3-compatible bucket, through the same
 * {@link ContentStore} as the log's tiles: artifacts are objects under
 * `sha256/<2 hex>/<sha256>`, written once, read with visibility retries and a
 * digest check, and cached in process (an immutable object is never stale,
 * so cached artifacts are still served while the store is down).
 */
import { assertSha256Hex, type BlobStore } from '../registry/blob-store.js';
import { ContentStore, type ObjectStore } from './objects.js';

export class S3BlobStore implements BlobStore {
  readonly content: ContentStore;

  constructor(objects: ObjectStore, maxCacheBytes?: number) {
    this.content = new ContentStore(objects, maxCacheBytes);
  }
  get description() {
    return this.content.objects.description;
  }
  async put(sha256: string, bytes: Uint8Array) {
    assertSha256Hex(sha256);
    const stored = await this.content.put(bytes);
    if (stored !== sha256)
      throw new Error(`S3BlobStore.put: the bytes' sha256 is ${stored}, not ${sha256}`); // caller bug
  }
  async read(sha256: string) {
    assertSha256Hex(sha256);
    return this.content.find(sha256);
  }
  async close() {
    await this.content.objects.close();
  }
}
