/** The gem ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { tarFirstName } from '../hex/descriptor.js';
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const gemfileLockFormat = lockfileNamed('Gemfile.lock', ['Gemfile.lock', 'gems.locked']);

export const gemDescriptor: EcosystemDescriptor = {
  type: 'gem',
  displayName: 'RubyGems',
  detect(fileName, head) {
    const first = tarFirstName(head);
    if (/\.gem$/i.test(fileName))
      return first === 'metadata.gz' || first === 'data.tar.gz' ? 'yes' : 'maybe';
    return first === 'metadata.gz' ? 'yes' : 'no';
  },
  lockfileFormats: [gemfileLockFormat],
  load: async () => (await import('./index.js')).gemAdapter,
};
