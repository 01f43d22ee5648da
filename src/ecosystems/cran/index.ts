/**
 * The R/CRAN adapter: source packages. Native digest: hex MD5 of the tarball,
 * the `MD5sum:` field of a repository's PACKAGES index (tools::write_PACKAGES
 * computes it with tools::md5sum).
 */
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { cranDescriptor } from './descriptor.js';
import { hashArtifactHex } from '../support/hash.js';
import { identifyCran, readDescription } from './identify.js';
import { RENV_HASH } from './lockfile.js';
import { renvHash } from './renv-hash.js';
import { renvLockReader } from './lockfile.js';
import { cranReleaseKey } from './release-key.js';

export const cranAdapter: EcosystemAdapter = {
  ...fromDescriptor(cranDescriptor),
  releaseKey: cranReleaseKey,
  identify: identifyCran,
  async digest(artifact) {
    return { algorithm: 'md5', value: await hashArtifactHex(artifact, 'md5') };
  },
  // renv.lock pins renv's Hash of DESCRIPTION, not a digest of the tarball (renv-hash.ts).
  async extraNatives(artifact) {
    const hash = renvHash(await readDescription(artifact));
    return hash === undefined ? [] : [{ algorithm: RENV_HASH, value: hash }];
  },
  lockfiles: [renvLockReader],
};
