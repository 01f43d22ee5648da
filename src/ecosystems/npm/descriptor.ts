/** The npm ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import { isGzipHead } from '../support/magic.js';
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
    const gz = isGzipHead(head);
    if (/\.tgz$/i.test(fileName) && gz) return 'yes';
    return /\.tgz$/i.test(fileName) ? 'maybe' : 'no';
  },
  lockfileFormats: [packageLockFormat, yarnLockFormat, pnpmLockFormat],
  load: async () => (await import('./index.js')).npmAdapter,
};
