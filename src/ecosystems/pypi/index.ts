/**
 * The PyPI adapter: wheels and sdists. Native digest: hex SHA-256 of the file,
 * as the Simple API (`#sha256=`, PEP 691 `hashes`) and every lockfile pin it.
 */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { isGzipHead, isZipHead } from '../support/archive.js';
import { identifyPypi } from './identify.js';
import { PYPI_LOCKFILES } from './lockfile.js';
import { pypiReleaseKey } from './release-key.js';

export const pypiAdapter: EcosystemAdapter = {
  type: 'pypi',
  releaseKey: pypiReleaseKey,
  displayName: 'PyPI (wheel, sdist)',
  detect(fileName, head) {
    if (/\.whl$/i.test(fileName)) return isZipHead(head) ? 'yes' : 'maybe';
    // sdists share ".tar.gz" with CPAN, Hackage and others: a name match only.
    if (/^[A-Za-z0-9][A-Za-z0-9._]*-\d[^-]*\.tar\.gz$/.test(fileName) && isGzipHead(head))
      return 'maybe';
    return 'no';
  },
  identify: identifyPypi,
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: PYPI_LOCKFILES,
};
