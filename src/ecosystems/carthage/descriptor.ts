/** The carthage ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const cartfileResolvedFormat = lockfileNamed('Cartfile.resolved');

export const carthageDescriptor: EcosystemDescriptor = {
  type: 'carthage',
  displayName: 'Carthage',
  detect(fileName, head) {
    const zip = head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b;
    return /\.(xc)?framework\.zip$/i.test(fileName) && zip ? 'yes' : 'no';
  },
  lockfileFormats: [cartfileResolvedFormat],
  load: async () => (await import('./index.js')).carthageAdapter,
};
