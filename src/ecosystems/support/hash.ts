/**
 * Hashing an artifact with algorithms core/digest.ts does not carry (md5 for
 * CRAN's PACKAGES MD5sum), in one streaming pass.
 */
import { createHash } from 'node:crypto';
import type { Artifact } from '../adapter.js';

/** hashArtifactHex streams the artifact through one hash and returns lowercase hex. */
export async function hashArtifactHex(
  artifact: Artifact,
  algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512',
): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of artifact.open()) h.update(chunk);
  return h.digest('hex');
}
