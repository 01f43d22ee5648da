/** The composer ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

export const composerLockFormat: LockfileFormat = {
  format: 'composer.lock',
  matches: (f) => f === 'composer.lock',
};

export const composerDescriptor: EcosystemDescriptor = {
  type: 'composer',
  displayName: 'Composer',
  // A Composer dist is an ordinary zip; nothing in its first bytes tells it from other zips.
  detect: () => 'no',
  lockfileFormats: [composerLockFormat],
  load: async () => (await import('./index.js')).composerAdapter,
};
