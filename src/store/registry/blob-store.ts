/**
 * BlobStore: where artifact bytes live, named by their sha256 — the embedded
 * default keeps them in registry.sqlite (≤ 128 KiB) and under blobs/sha256/
 * ({@link SqliteBlobStore}); the scale-out deployment keeps them in the
 * S3-compatible bucket (S3BlobStore, src/store/scale/s3-blob-store.ts), so
 * that any replica serves what any other stored.
 * test/store/blob-store-conformance.test.ts runs one suite on every driver.
 *
 * 1. `put` is durable on return and idempotent; keys are content addresses
 *    and never rewritten, so two replicas storing one artifact write the same
 *    bytes and correctness never depends on conditional writes.
 * 2. `read` returns the bytes or undefined when absent (the release row is the
 *    authority on which blobs must exist). Bytes that do not hash to their
 *    name are refused with a StorageError: a tampered or torn blob is never
 *    served.
 * 3. An unreachable store rejects with StorageUnavailableError (503 +
 *    Retry-After), never "absent".
 */
import { createHash } from 'node:crypto';
import { StorageError } from '../contract.js';

export interface BlobStore {
  /** put stores `bytes` under `sha256` (their digest, computed by the caller); durable on return. */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  /** read returns the bytes stored under `sha256`, or undefined; refuses bytes of another digest. */
  read(sha256: string): Promise<Uint8Array | undefined>;
  /** description names the store in messages. */
  readonly description: string;
  close(): Promise<void>;
}

/** checkedBlob returns `bytes` when they hash to `sha256`, else throws naming the store. */
export function checkedBlob(sha256: string, bytes: Uint8Array, where: string): Uint8Array {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256)
    throw new StorageError(
      `the blob stored as sha256 ${sha256} in ${where} holds other bytes (sha256 ${actual})`,
      { hint: 'the stored artifact was changed or torn on disk; restore it from a backup' },
    );
  return bytes;
}

/** assertSha256Hex refuses a name that is not a sha256 in lower-case hex (callers validate input first). */
export function assertSha256Hex(sha256: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw new Error(`blob store: ${JSON.stringify(sha256)} is not a sha256 hex`);
}
