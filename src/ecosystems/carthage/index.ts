/** The Carthage adapter: binary framework zips and Cartfile.resolved. */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { carthageDescriptor } from './descriptor.js';
import { identifyCarthage } from './identify.js';
import { cartfileResolvedReader } from './lockfile.js';

export const carthageAdapter: EcosystemAdapter = {
  ...fromDescriptor(carthageDescriptor),
  identify: identifyCarthage,
  /** Carthage has no digest of its own (binary JSON specs list only URLs); Sigil uses the hex SHA-256 of the zip. */
  digest: hexDigest('sha256'),
  lockfiles: [cartfileResolvedReader],
};
