/**
 * storedBytes: a release's artifact bytes from the registry's blob store, as a
 * Buffer — Fastify sends a Buffer as bytes (a bare Uint8Array, as a driver may
 * return, it would serialise as JSON) and the archive readers take Buffers.
 * The blob store refuses bytes that do not hash to their name, so what is
 * returned here is what was logged.
 */
import type { BlobStore } from '../../../store/registry/blob-store.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import { RegistryError } from '../../errors.js';

/** storedBytes returns the bytes stored under `sha256`, or undefined when the store has none. */
export async function storedBytes(blobs: BlobStore, sha256: string): Promise<Buffer | undefined> {
  const b = await blobs.read(sha256);
  if (b === undefined || Buffer.isBuffer(b)) return b;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * artifactOf returns the bytes of a published release; their absence is the registry's fault
 * (a release row is the authority on which blobs exist), so 500 BLOB_MISSING, not 404.
 */
export async function artifactOf(
  blobs: BlobStore,
  row: ReleaseRow,
  what = 'artifact',
): Promise<Buffer> {
  const bytes = await storedBytes(blobs, row.sha256);
  if (!bytes)
    throw new RegistryError(
      500,
      'BLOB_MISSING',
      `the ${what} of ${row.purl} is missing from storage`,
      'see the server log',
    );
  return bytes;
}
