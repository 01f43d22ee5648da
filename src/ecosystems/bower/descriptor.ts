/** The bower ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor } from '../adapter.js';

export const bowerDescriptor: EcosystemDescriptor = {
  type: 'bower',
  displayName: 'Bower',
  detect(fileName) {
    return fileName === 'bower.json' ? 'maybe' : 'no';
  },
  lockfileFormats: [],
  load: async () => (await import('./index.js')).bowerAdapter,
};
