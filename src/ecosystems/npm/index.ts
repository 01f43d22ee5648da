/** The npm adapter: tarballs made by `npm pack`. */
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { npmDescriptor } from './descriptor.js';
import { digestNpm } from './digest.js';
import { identifyNpm } from './identify.js';
import { packageLockReader } from './lockfile.js';
import { pnpmLockReader } from './lockfile-pnpm.js';
import { yarnLockReader } from './lockfile-yarn.js';
import { npmReleaseKey } from './release-key.js';

export const npmAdapter: EcosystemAdapter = {
  ...fromDescriptor(npmDescriptor),
  releaseKey: npmReleaseKey,
  identify: identifyNpm,
  digest: digestNpm,
  lockfiles: [packageLockReader, yarnLockReader, pnpmLockReader],
};
