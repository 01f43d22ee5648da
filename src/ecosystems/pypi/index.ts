/**
 * The PyPI adapter: wheels and sdists. Native digest: hex SHA-256 of the file,
 * as the Simple API (`#sha256=`, PEP 691 `hashes`) and every lockfile pin it.
 */
import { hexDigest } from '../support/hash.js';
import type { EcosystemAdapter } from '../adapter.js';
import { pypiDescriptor } from './descriptor.js';
import { identifyPypi } from './identify.js';
import { PYPI_LOCKFILES } from './lockfile.js';
import { pypiReleaseKey } from './release-key.js';

export const pypiAdapter: EcosystemAdapter = {
  type: pypiDescriptor.type,
  releaseKey: pypiReleaseKey,
  displayName: pypiDescriptor.displayName,
  detect: pypiDescriptor.detect,
  identify: identifyPypi,
  digest: hexDigest('sha256'),
  lockfiles: PYPI_LOCKFILES,
};
