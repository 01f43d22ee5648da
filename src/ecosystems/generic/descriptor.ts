/** The generic ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor } from '../adapter.js';

export const genericDescriptor: EcosystemDescriptor = {
  type: 'generic',
  displayName: 'generic file',
  detect: () => 'maybe',
  lockfileFormats: [],
  load: async () => (await import('./index.js')).genericAdapter,
};
