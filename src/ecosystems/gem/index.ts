/** The RubyGems adapter: .gem files and Bundler's Gemfile.lock. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { gemDescriptor } from './descriptor.js';
import { identifyGem } from './identify.js';
import { gemfileLockReader } from './lockfile.js';
import { gemReleaseKey } from './release-key.js';

export const gemAdapter: EcosystemAdapter = {
  type: gemDescriptor.type,
  releaseKey: gemReleaseKey,
  displayName: gemDescriptor.displayName,
  detect: gemDescriptor.detect,
  identify: identifyGem,
  /** The gem's native digest is the hex SHA-256 of the file (compact index `checksum:`, Gemfile.lock CHECKSUMS). */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [gemfileLockReader],
};
