/**
 * npm's native digest: the SRI sha512 of the tarball bytes, exactly the
 * `integrity` that `npm pack` prints and package-lock.json records.
 */
import { digestStream, sriFromHex } from '../../core/digest.js';
import type { Artifact, NativeDigest } from '../adapter.js';

export async function digestNpm(artifact: Artifact): Promise<NativeDigest> {
  const { digests } = await digestStream(artifact.open(), ['sha512']);
  return { algorithm: 'sri-sha512', value: sriFromHex('sha512', digests.sha512!) };
}
