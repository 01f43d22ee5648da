/** The deb ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { isAr } from '../../archive/ar.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const debDescriptor: EcosystemDescriptor = {
  type: 'deb',
  displayName: 'Debian package',
  detect(fileName, head) {
    const debMagic =
      isAr(head) && Buffer.from(head.subarray(8, 21)).toString('latin1') === 'debian-binary';
    if (debMagic) return 'yes';
    return /\.u?deb$/i.test(fileName) ? 'maybe' : 'no';
  },
  lockfileFormats: [],
  load: async () => (await import('./index.js')).debAdapter,
};
