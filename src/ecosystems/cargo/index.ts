/** The Cargo adapter: .crate files. Native digest: hex SHA-256 of the .crate (index `cksum`, Cargo.lock `checksum`). */
import { hexDigest } from '../support/hash.js';
import type { EcosystemAdapter } from '../adapter.js';
import { cargoDescriptor } from './descriptor.js';
import { identifyCargo } from './identify.js';
import { cargoLockReader } from './lockfile.js';
import { cargoReleaseKey } from './release-key.js';

export const cargoAdapter: EcosystemAdapter = {
  type: cargoDescriptor.type,
  releaseKey: cargoReleaseKey,
  displayName: cargoDescriptor.displayName,
  detect: cargoDescriptor.detect,
  identify: identifyCargo,
  digest: hexDigest('sha256'),
  lockfiles: [cargoLockReader],
};
