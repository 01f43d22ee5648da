/**
 * The CPAN adapter: distribution tarballs. Native digest: hex SHA-256 of the
 * file, as PAUSE's signed CHECKSUMS file records it (`sha256`).
 */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { cpanDescriptor } from './descriptor.js';
import { identifyCpan } from './identify.js';
import { cpanfileSnapshotReader } from './lockfile.js';

export const cpanAdapter: EcosystemAdapter = {
  type: cpanDescriptor.type,
  displayName: cpanDescriptor.displayName,
  detect: cpanDescriptor.detect,
  identify: identifyCpan,
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [cpanfileSnapshotReader],
};
