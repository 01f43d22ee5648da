/** The npm adapter: tarballs made by `npm pack`. */
import type { EcosystemAdapter } from '../adapter.js';
import { npmDescriptor } from './descriptor.js';
import { digestNpm } from './digest.js';
import { identifyNpm } from './identify.js';
import { packageLockReader } from './lockfile.js';
import { pnpmLockReader } from './lockfile-pnpm.js';
import { yarnLockReader } from './lockfile-yarn.js';
import { npmReleaseKey } from './release-key.js';

export const npmAdapter: EcosystemAdapter = {
  type: npmDescriptor.type,
  releaseKey: npmReleaseKey,
  displayName: npmDescriptor.displayName,
  detect: npmDescriptor.detect,
  identify: identifyNpm,
  digest: digestNpm,
  lockfiles: [packageLockReader, yarnLockReader, pnpmLockReader],
};
