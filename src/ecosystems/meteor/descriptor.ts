/** The meteor ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

export const meteorVersionsFormat: LockfileFormat = {
  format: '.meteor/versions',
  matches: (f) => f === 'versions',
};

export const meteorDescriptor: EcosystemDescriptor = {
  type: 'meteor',
  displayName: 'Meteor (Atmosphere)',
  detect(fileName) {
    return fileName === 'package.js' ? 'maybe' : 'no';
  },
  lockfileFormats: [meteorVersionsFormat],
  load: async () => (await import('./index.js')).meteorAdapter,
};
