/** The golang ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { firstZipEntryName, isZipHead } from '../support/magic.js';
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const goSumFormat = lockfileNamed('go.sum', ['go.sum', 'go.work.sum']);

export const golangDescriptor: EcosystemDescriptor = {
  type: 'golang',
  displayName: 'Go module',
  detect(fileName, head) {
    const first = firstZipEntryName(head);
    if (first !== undefined && /^[^@/][^@]*@v\d[^/]*\//.test(first)) return 'yes';
    return /^v\d+\.\d+\.\d+.*\.zip$/.test(fileName) && isZipHead(head) ? 'maybe' : 'no';
  },
  lockfileFormats: [goSumFormat],
  load: async () => (await import('./index.js')).golangAdapter,
};
