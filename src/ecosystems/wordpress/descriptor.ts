/** The wordpress ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor } from '../adapter.js';

export const wordpressDescriptor: EcosystemDescriptor = {
  type: 'wordpress',
  displayName: 'WordPress plugin/theme',
  // Plugin and theme zips are ordinary zips; choose with --type wordpress.
  detect: () => 'no',
  lockfileFormats: [],
  load: async () => (await import('./index.js')).wordpressAdapter,
};
