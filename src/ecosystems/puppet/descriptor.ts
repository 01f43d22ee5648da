/** The puppet ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import { isGzipHead } from '../support/magic.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const puppetfileFormat = lockfileNamed('Puppetfile');

export const puppetDescriptor: EcosystemDescriptor = {
  type: 'puppet',
  displayName: 'Puppet Forge',
  detect(fileName, head) {
    const gz = isGzipHead(head);
    return /^[A-Za-z0-9]+-[a-z][a-z0-9_]*-\d+\.\d+\.\d+[-+0-9A-Za-z.]*\.tar\.gz$/.test(fileName)
      ? gz
        ? 'maybe'
        : 'no'
      : 'no';
  },
  lockfileFormats: [puppetfileFormat],
  load: async () => (await import('./index.js')).puppetAdapter,
};
