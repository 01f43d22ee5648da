/** The npm adapter: tarballs made by `npm pack`. */
import type { EcosystemAdapter } from '../adapter.js';
import { digestNpm } from './digest.js';
import { identifyNpm } from './identify.js';
import { packageLockReader } from './lockfile.js';
import { pnpmLockReader } from './lockfile-pnpm.js';
import { yarnLockReader } from './lockfile-yarn.js';
import { npmReleaseKey } from './release-key.js';

export const npmAdapter: EcosystemAdapter = {
  type: 'npm',
  releaseKey: npmReleaseKey,
  displayName: 'npm',
  detect(fileName, head) {
    const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (/\.tgz$/i.test(fileName) && gz) return 'yes';
    return /\.tgz$/i.test(fileName) ? 'maybe' : 'no';
  },
  identify: identifyNpm,
  digest: digestNpm,
  lockfiles: [packageLockReader, yarnLockReader, pnpmLockReader],
};
