/**
 * The Go modules adapter: module zips as the module proxy serves them
 * (`<module>/@v/<version>.zip`). Native digest: `h1:` dirhash of the zip; the
 * go.mod hash comes from inspectGoModule.
 */
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { golangDescriptor } from './descriptor.js';
import { digestGoZip } from './digest.js';
import { identifyGo } from './identify.js';
import { goSumReader } from './lockfile.js';
import { golangReleaseKey } from './release-key.js';

export { inspectGoModule } from './identify.js';

export const golangAdapter: EcosystemAdapter = {
  ...fromDescriptor(golangDescriptor),
  releaseKey: golangReleaseKey,
  identify: identifyGo,
  digest: digestGoZip,
  lockfiles: [goSumReader],
};
