/**
 * The Cabal/Hackage adapter: sdist tarballs. Native digest: hex SHA-256 of
 * the tarball, as the Hackage index's TUF targets (`package.json`
 * `hashes.sha256`) record it.
 */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { identifyHackage } from './identify.js';
import { cabalFreezeReader } from './lockfile.js';
import { hackageReleaseKey } from './release-key.js';

export const hackageAdapter: EcosystemAdapter = {
  type: 'hackage',
  releaseKey: hackageReleaseKey,
  displayName: 'Hackage (Cabal)',
  // Hackage sdists look like any other "name-1.0.tar.gz"; choose with --type hackage.
  detect: () => 'no',
  identify: identifyHackage,
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [cabalFreezeReader],
};
