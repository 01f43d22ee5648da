/**
 * bytesToIndex: a release's stored bytes, for building a repository index (apt's Packages,
 * CPAN's 02packages, Hex's signed packages, Hackage's 01-index). A release whose bytes are gone,
 * or refused by the blob store as not the bytes that were logged, is left out of the index, so
 * one damaged blob does not take every other package down with it. Storage that cannot answer
 * right now (PostgreSQL or the bucket unreachable: pushback) rejects instead: an index built
 * without it would drop releases that exist, and be cached so until the next publish.
 */
import { StorageError } from '../../store/contract.js';
import type { BlobStore } from '../../store/registry/blob-store.js';
import { storedBytes } from './shared/stored-bytes.js';

export async function bytesToIndex(blobs: BlobStore, sha256: string): Promise<Buffer | undefined> {
  try {
    return await storedBytes(blobs, sha256);
  } catch (e) {
    if (e instanceof StorageError) return undefined; // not the logged bytes: never offered
    throw e;
  }
}
