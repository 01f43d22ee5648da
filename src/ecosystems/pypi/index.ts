/**
 * The PyPI adapter: wheels and sdists. Native digest: hex SHA-256 of the file,
 * as the Simple API (`#sha256=`, PEP 691 `hashes`) and every lockfile pin it.
 */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { pypiDescriptor } from './descriptor.js';
import { identifyPypi } from './identify.js';
import { PYPI_LOCKFILES } from './lockfile.js';
import { pypiReleaseKey } from './release-key.js';

export const pypiAdapter: EcosystemAdapter = {
  ...fromDescriptor(pypiDescriptor),
  releaseKey: pypiReleaseKey,
  identify: identifyPypi,
  digest: hexDigest('sha256'),
  lockfiles: PYPI_LOCKFILES,
};
