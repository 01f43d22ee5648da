/** The Composer adapter: dist zips. Native digest: hex SHA-1 of the zip (`dist.shasum`, checked by Composer's FileDownloader when set). */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { identifyComposer } from './identify.js';
import { composerLockReader } from './lockfile.js';
import { composerReleaseKey } from './release-key.js';

export const composerAdapter: EcosystemAdapter = {
  type: 'composer',
  releaseKey: composerReleaseKey,
  displayName: 'Composer',
  // A Composer dist is an ordinary zip; nothing in its first bytes tells it from other zips.
  detect: () => 'no',
  identify: identifyComposer,
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha1']);
    return { algorithm: 'sha1', value: digests.sha1! };
  },
  lockfiles: [composerLockReader],
};
