/** The meteor ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const meteorVersionsFormat = lockfileNamed('.meteor/versions', ['versions']);

export const meteorDescriptor: EcosystemDescriptor = {
  type: 'meteor',
  displayName: 'Meteor (Atmosphere)',
  detect(fileName) {
    return fileName === 'package.js' ? 'maybe' : 'no';
  },
  lockfileFormats: [meteorVersionsFormat],
  load: async () => (await import('./index.js')).meteorAdapter,
};
