/** The Maven adapter: jars (and other zip artifacts) and POMs; Gradle's verification-metadata.xml. */
import { digestStream } from '../../core/digest.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { Artifact, EcosystemAdapter, NativeDigest } from '../adapter.js';
import { mavenDescriptor } from './descriptor.js';
import { identifyMaven } from './identify.js';
import { gradleVerificationReader } from './lockfile.js';
import { mavenReleaseKey } from './release-key.js';

/** mavenChecksums gives the sidecar checksums a Maven repository serves (.sha1, .sha256, .sha512, .md5), hex of the file. */
export async function mavenChecksums(artifact: Artifact): Promise<NativeDigest[]> {
  const { digests } = await digestStream(artifact.open(), ['sha1', 'sha256', 'sha512']);
  return (['sha1', 'sha256', 'sha512'] as const).map((a) => ({ algorithm: a, value: digests[a]! }));
}

export const mavenAdapter: EcosystemAdapter = {
  ...fromDescriptor(mavenDescriptor),
  releaseKey: mavenReleaseKey,
  identify: identifyMaven,
  /** Maven's native digest is the `.sha1` sidecar: hex SHA-1 of the file (the one Maven checks by default). */
  async digest(artifact) {
    return (await mavenChecksums(artifact))[0]!;
  },
  lockfiles: [gradleVerificationReader],
};
