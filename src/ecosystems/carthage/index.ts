/** The Carthage adapter: binary framework zips and Cartfile.resolved. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { carthageDescriptor } from './descriptor.js';
import { identifyCarthage } from './identify.js';
import { cartfileResolvedReader } from './lockfile.js';

export const carthageAdapter: EcosystemAdapter = {
  type: carthageDescriptor.type,
  displayName: carthageDescriptor.displayName,
  detect: carthageDescriptor.detect,
  identify: identifyCarthage,
  /** Carthage has no digest of its own (binary JSON specs list only URLs); Sigil uses the hex SHA-256 of the zip. */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [cartfileResolvedReader],
};
