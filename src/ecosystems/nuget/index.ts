/** The NuGet adapter: .nupkg files and packages.lock.json. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { identifyNuGet } from './identify.js';
import { packagesLockJsonReader } from './lockfile.js';
import { nugetReleaseKey } from './release-key.js';

const isZip = (head: Uint8Array) =>
  head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;

export const nugetAdapter: EcosystemAdapter = {
  type: 'nuget',
  releaseKey: nugetReleaseKey,
  displayName: 'NuGet',
  detect(fileName, head) {
    if (!/\.s?nupkg$/i.test(fileName)) return 'no';
    return isZip(head) ? 'yes' : 'maybe';
  },
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
