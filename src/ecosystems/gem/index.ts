/** The RubyGems adapter: .gem files and Bundler's Gemfile.lock. */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { gemDescriptor } from './descriptor.js';
import { identifyGem } from './identify.js';
import { gemfileLockReader } from './lockfile.js';
import { gemReleaseKey } from './release-key.js';

export const gemAdapter: EcosystemAdapter = {
  ...fromDescriptor(gemDescriptor),
  releaseKey: gemReleaseKey,
  identify: identifyGem,
  /** The gem's native digest is the hex SHA-256 of the file (compact index `checksum:`, Gemfile.lock CHECKSUMS). */
  digest: hexDigest('sha256'),
  lockfiles: [gemfileLockReader],
};
