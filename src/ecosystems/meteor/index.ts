/** The Meteor (Atmosphere) adapter: package build/source tarballs and .meteor/versions. */
import { base64Digest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { meteorDescriptor } from './descriptor.js';
import { identifyMeteor } from './identify.js';
import { meteorVersionsReader } from './lockfile.js';
import { semverReleaseKey } from '../support/semver-key.js';

export const meteorAdapter: EcosystemAdapter = {
  ...fromDescriptor(meteorDescriptor),
  releaseKey: semverReleaseKey,
  identify: identifyMeteor,
  /**
   * Meteor's package server records a build's `tarballHash`: base64 SHA-256
   * of the .tgz (tools/fs/files.ts fileHash). Sigil gives the same.
   */
  digest: base64Digest('sha256'),
  lockfiles: [meteorVersionsReader],
};
