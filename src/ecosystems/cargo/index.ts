/** The Cargo adapter: .crate files. Native digest: hex SHA-256 of the .crate (index `cksum`, Cargo.lock `checksum`). */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { cargoDescriptor } from './descriptor.js';
import { identifyCargo } from './identify.js';
import { cargoLockReader } from './lockfile.js';
import { cargoReleaseKey } from './release-key.js';

export const cargoAdapter: EcosystemAdapter = {
  ...fromDescriptor(cargoDescriptor),
  releaseKey: cargoReleaseKey,
  identify: identifyCargo,
  digest: hexDigest('sha256'),
  lockfiles: [cargoLockReader],
};
