/** The npm ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

export const pnpmLockFormat: LockfileFormat = {
  format: 'pnpm-lock.yaml',
  matches: (f) => f === 'pnpm-lock.yaml',
};

export const yarnLockFormat: LockfileFormat = {
  format: 'yarn.lock',
  matches: (f) => f === 'yarn.lock',
};

export const packageLockFormat: LockfileFormat = {
  format: 'package-lock.json',
  matches: (f) => f === 'package-lock.json' || f === 'npm-shrinkwrap.json',
};

export const npmDescriptor: EcosystemDescriptor = {
  type: 'npm',
  displayName: 'npm',
  detect(fileName, head) {
    const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (/\.tgz$/i.test(fileName) && gz) return 'yes';
    return /\.tgz$/i.test(fileName) ? 'maybe' : 'no';
  },
  lockfileFormats: [packageLockFormat, yarnLockFormat, pnpmLockFormat],
  load: async () => (await import('./index.js')).npmAdapter,
};
