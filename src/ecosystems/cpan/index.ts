/**
 * The CPAN adapter: distribution tarballs. Native digest: hex SHA-256 of the
 * file, as PAUSE's signed CHECKSUMS file records it (`sha256`).
 */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { cpanDescriptor } from './descriptor.js';
import { identifyCpan } from './identify.js';
import { cpanfileSnapshotReader } from './lockfile.js';

export const cpanAdapter: EcosystemAdapter = {
  ...fromDescriptor(cpanDescriptor),
  identify: identifyCpan,
  digest: hexDigest('sha256'),
  lockfiles: [cpanfileSnapshotReader],
};
