/** The Puppet Forge adapter: module release tarballs and Puppetfile pins. */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { puppetDescriptor } from './descriptor.js';
import { identifyPuppet } from './identify.js';
import { puppetfileReader } from './lockfile.js';
import { semverReleaseKey } from '../support/semver-key.js';

export const puppetAdapter: EcosystemAdapter = {
  ...fromDescriptor(puppetDescriptor),
  releaseKey: semverReleaseKey,
  identify: identifyPuppet,
  /**
   * The Forge records `file_sha256` (and `file_md5`, which `puppet module
   * install` checks) of the release tarball; Sigil uses the SHA-256, hex.
   */
  digest: hexDigest('sha256'),
  lockfiles: [puppetfileReader],
};
