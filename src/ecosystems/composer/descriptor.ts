/** The composer ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const composerLockFormat = lockfileNamed('composer.lock');

export const composerDescriptor: EcosystemDescriptor = {
  type: 'composer',
  displayName: 'Composer',
  // A Composer dist is an ordinary zip; nothing in its first bytes tells it from other zips.
  detect: () => 'no',
  lockfileFormats: [composerLockFormat],
  load: async () => (await import('./index.js')).composerAdapter,
};
