/**
 * Hashing an artifact in one streaming pass, and the native digests that are
 * nothing but one plain hash of the artifact's bytes (most ecosystems' own).
 * md5 is here for CRAN's PACKAGES MD5sum, which core/digest.ts does not carry.
 */
import { createHash } from 'node:crypto';
import type { Artifact, NativeDigest } from '../adapter.js';

/** hashArtifactHex streams the artifact through one hash and returns lowercase hex. */
export async function hashArtifactHex(
  artifact: Artifact,
  algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512',
): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of artifact.open()) h.update(chunk);
  return h.digest('hex');
}

/** hexDigest makes an adapter's `digest`: the hex hash of the bytes, named by its algorithm. */
export function hexDigest(
  algorithm: 'sha1' | 'sha256',
): (artifact: Artifact) => Promise<NativeDigest> {
  return async (artifact) => ({ algorithm, value: await hashArtifactHex(artifact, algorithm) });
}

/** base64Digest makes an adapter's `digest`: the base64 hash of the bytes (`<algorithm>-base64`). */
export function base64Digest(
  algorithm: 'sha256' | 'sha512',
): (artifact: Artifact) => Promise<NativeDigest> {
  return async (artifact) => ({
    algorithm: `${algorithm}-base64`,
    value: Buffer.from(await hashArtifactHex(artifact, algorithm), 'hex').toString('base64'),
  });
}
