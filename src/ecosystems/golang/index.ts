/**
 * The Go modules adapter: module zips as the module proxy serves them
 * (`<module>/@v/<version>.zip`). Native digest: `h1:` dirhash of the zip; the
 * go.mod hash comes from inspectGoModule.
 */
import type { EcosystemAdapter } from '../adapter.js';
import { firstZipEntryName, isZipHead } from '../support/archive.js';
import { digestGoZip } from './digest.js';
import { identifyGo } from './identify.js';
import { goSumReader } from './lockfile.js';
import { golangReleaseKey } from './release-key.js';

export { inspectGoModule } from './identify.js';

export const golangAdapter: EcosystemAdapter = {
  type: 'golang',
  releaseKey: golangReleaseKey,
  displayName: 'Go module',
  detect(fileName, head) {
    const first = firstZipEntryName(head);
    if (first !== undefined && /^[^@/][^@]*@v\d[^/]*\//.test(first)) return 'yes';
    return /^v\d+\.\d+\.\d+.*\.zip$/.test(fileName) && isZipHead(head) ? 'maybe' : 'no';
  },
  identify: identifyGo,
  digest: digestGoZip,
  lockfiles: [goSumReader],
};
