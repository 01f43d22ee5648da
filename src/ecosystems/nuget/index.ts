/** The NuGet adapter: .nupkg files and packages.lock.json. */
import { base64Digest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { nugetDescriptor } from './descriptor.js';
import { identifyNuGet } from './identify.js';
import { packagesLockJsonReader } from './lockfile.js';
import { nugetReleaseKey } from './release-key.js';

export const nugetAdapter: EcosystemAdapter = {
  ...fromDescriptor(nugetDescriptor),
  releaseKey: nugetReleaseKey,
  identify: identifyNuGet,
  /**
   * NuGet's native digest is base64(SHA-512(.nupkg bytes)): the registration
   * `packageHash`, the `<id>.<version>.nupkg.sha512` file in the global
   * packages folder, and packages.lock.json `contentHash`.
   */
  digest: base64Digest('sha512'),
  lockfiles: [packagesLockJsonReader],
};
