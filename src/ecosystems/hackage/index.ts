/**
 * The Cabal/Hackage adapter: sdist tarballs. Native digest: hex SHA-256 of
 * the tarball, as the Hackage index's TUF targets (`package.json`
 * `hashes.sha256`) record it.
 */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { hackageDescriptor } from './descriptor.js';
import { identifyHackage } from './identify.js';
import { cabalFreezeReader } from './lockfile.js';
import { hackageReleaseKey } from './release-key.js';

export const hackageAdapter: EcosystemAdapter = {
  ...fromDescriptor(hackageDescriptor),
  releaseKey: hackageReleaseKey,
  identify: identifyHackage,
  digest: hexDigest('sha256'),
  lockfiles: [cabalFreezeReader],
};
