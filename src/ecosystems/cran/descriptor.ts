/** The cran ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { isGzipHead } from '../support/magic.js';
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const renvLockFormat = lockfileNamed('renv.lock');

export const cranDescriptor: EcosystemDescriptor = {
  type: 'cran',
  displayName: 'R package (CRAN)',
  detect(fileName, head) {
    // "<pkg>_<version>.tar.gz": R names cannot hold "_", so the underscore is telling.
    return /^[A-Za-z][A-Za-z0-9.]*_\d+([.-]\d+)+\.tar\.gz$/.test(fileName) && isGzipHead(head)
      ? 'yes'
      : 'no';
  },
  lockfileFormats: [renvLockFormat],
  load: async () => (await import('./index.js')).cranAdapter,
};
