/** The npm ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const pnpmLockFormat = lockfileNamed('pnpm-lock.yaml');

export const yarnLockFormat = lockfileNamed('yarn.lock');

export const packageLockFormat = lockfileNamed('package-lock.json', [
  'package-lock.json',
  'npm-shrinkwrap.json',
]);

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
