/** The RubyGems adapter: .gem files and Bundler's Gemfile.lock. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { tarFirstName } from '../hex/index.js';
import { identifyGem } from './identify.js';
import { gemfileLockReader } from './lockfile.js';
import { gemReleaseKey } from './release-key.js';

export const gemAdapter: EcosystemAdapter = {
  type: 'gem',
  releaseKey: gemReleaseKey,
  displayName: 'RubyGems',
  detect(fileName, head) {
    const first = tarFirstName(head);
    if (/\.gem$/i.test(fileName))
      return first === 'metadata.gz' || first === 'data.tar.gz' ? 'yes' : 'maybe';
    return first === 'metadata.gz' ? 'yes' : 'no';
  },
  identify: identifyGem,
  /** The gem's native digest is the hex SHA-256 of the file (compact index `checksum:`, Gemfile.lock CHECKSUMS). */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [gemfileLockReader],
};
