/** The Composer adapter: dist zips. Native digest: hex SHA-1 of the zip (`dist.shasum`, checked by Composer's FileDownloader when set). */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { composerDescriptor } from './descriptor.js';
import { identifyComposer } from './identify.js';
import { composerLockReader } from './lockfile.js';
import { composerReleaseKey } from './release-key.js';

export const composerAdapter: EcosystemAdapter = {
  ...fromDescriptor(composerDescriptor),
  releaseKey: composerReleaseKey,
  identify: identifyComposer,
  digest: hexDigest('sha1'),
  lockfiles: [composerLockReader],
};
