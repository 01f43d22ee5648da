/** The cargo ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { isGzipHead } from '../support/magic.js';
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const cargoLockFormat = lockfileNamed('Cargo.lock');

export const cargoDescriptor: EcosystemDescriptor = {
  type: 'cargo',
  displayName: 'Cargo crate',
  detect(fileName, head) {
    if (!/\.crate$/i.test(fileName)) return 'no';
    return isGzipHead(head) ? 'yes' : 'maybe';
  },
  lockfileFormats: [cargoLockFormat],
  load: async () => (await import('./index.js')).cargoAdapter,
};
