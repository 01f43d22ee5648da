/** The pypi ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { isGzipHead, isZipHead } from '../support/magic.js';
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

export const requirementsTxtFormat: LockfileFormat = {
  format: 'requirements.txt (pip hash-checking mode)',
  matches: (f) => /^requirements.*\.txt$/i.test(f) || /\.requirements\.txt$/i.test(f),
};

export const poetryLockFormat = lockfileNamed('poetry.lock');

export const pipfileLockFormat = lockfileNamed('Pipfile.lock');

export const uvLockFormat = lockfileNamed('uv.lock');

export const pylockFormat: LockfileFormat = {
  format: 'pylock.toml (PEP 751)',
  matches: (f) => f === 'pylock.toml' || /^pylock\.[^.]+\.toml$/.test(f),
};

export const pypiDescriptor: EcosystemDescriptor = {
  type: 'pypi',
  displayName: 'PyPI (wheel, sdist)',
  detect(fileName, head) {
    if (/\.whl$/i.test(fileName)) return isZipHead(head) ? 'yes' : 'maybe';
    // sdists share ".tar.gz" with CPAN, Hackage and others: a name match only.
    if (/^[A-Za-z0-9][A-Za-z0-9._]*-\d[^-]*\.tar\.gz$/.test(fileName) && isGzipHead(head))
      return 'maybe';
    return 'no';
  },
  lockfileFormats: [
    requirementsTxtFormat,
    poetryLockFormat,
    pipfileLockFormat,
    uvLockFormat,
    pylockFormat,
  ],
  load: async () => (await import('./index.js')).pypiAdapter,
};
