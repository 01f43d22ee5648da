/** The Carthage adapter: binary framework zips and Cartfile.resolved. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { identifyCarthage } from './identify.js';
import { cartfileResolvedReader } from './lockfile.js';

export const carthageAdapter: EcosystemAdapter = {
  type: 'carthage',
  displayName: 'Carthage',
  detect(fileName, head) {
    const zip = head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b;
    return /\.(xc)?framework\.zip$/i.test(fileName) && zip ? 'yes' : 'no';
  },
  identify: identifyCarthage,
  /** Carthage has no digest of its own (binary JSON specs list only URLs); Sigil uses the hex SHA-256 of the zip. */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [cartfileResolvedReader],
};
