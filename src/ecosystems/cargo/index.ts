/** The Cargo adapter: .crate files. Native digest: hex SHA-256 of the .crate (index `cksum`, Cargo.lock `checksum`). */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { isGzipHead } from '../support/archive.js';
import { identifyCargo } from './identify.js';
import { cargoLockReader } from './lockfile.js';
import { cargoReleaseKey } from './release-key.js';

export const cargoAdapter: EcosystemAdapter = {
  type: 'cargo',
  releaseKey: cargoReleaseKey,
  displayName: 'Cargo crate',
  detect(fileName, head) {
    if (!/\.crate$/i.test(fileName)) return 'no';
    return isGzipHead(head) ? 'yes' : 'maybe';
  },
  identify: identifyCargo,
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [cargoLockReader],
};
