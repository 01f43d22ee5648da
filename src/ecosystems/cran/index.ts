/**
 * The R/CRAN adapter: source packages. Native digest: hex MD5 of the tarball,
 * the `MD5sum:` field of a repository's PACKAGES index (tools::write_PACKAGES
 * computes it with tools::md5sum).
 */
import type { EcosystemAdapter } from '../adapter.js';
import { cranDescriptor } from './descriptor.js';
import { hashArtifactHex } from '../support/hash.js';
import { identifyCran } from './identify.js';
import { renvLockReader } from './lockfile.js';
import { cranReleaseKey } from './release-key.js';

export const cranAdapter: EcosystemAdapter = {
  type: cranDescriptor.type,
  releaseKey: cranReleaseKey,
  displayName: cranDescriptor.displayName,
  detect: cranDescriptor.detect,
  identify: identifyCran,
  async digest(artifact) {
    return { algorithm: 'md5', value: await hashArtifactHex(artifact, 'md5') };
  },
  lockfiles: [renvLockReader],
};
