/** The NuGet adapter: .nupkg files and packages.lock.json. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { nugetDescriptor } from './descriptor.js';
import { identifyNuGet } from './identify.js';
import { packagesLockJsonReader } from './lockfile.js';
import { nugetReleaseKey } from './release-key.js';

export const nugetAdapter: EcosystemAdapter = {
  type: nugetDescriptor.type,
  releaseKey: nugetReleaseKey,
  displayName: nugetDescriptor.displayName,
  detect: nugetDescriptor.detect,
  identify: identifyNuGet,
  /**
   * NuGet's native digest is base64(SHA-512(.nupkg bytes)): the registration
   * `packageHash`, the `<id>.<version>.nupkg.sha512` file in the global
   * packages folder, and packages.lock.json `contentHash`.
   */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha512']);
    return {
      algorithm: 'sha512-base64',
      value: Buffer.from(digests.sha512!, 'hex').toString('base64'),
    };
  },
  lockfiles: [packagesLockJsonReader],
};
