/** The Puppet Forge adapter: module release tarballs and Puppetfile pins. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { identifyPuppet } from './identify.js';
import { puppetfileReader } from './lockfile.js';
import { semverKey } from '../support/semver-key.js';

export const puppetAdapter: EcosystemAdapter = {
  type: 'puppet',
  /** Semantic Versioning: build metadata does not make a new version. */
  releaseKey: (p) => ({ ...p, version: semverKey(p.version) }),
  displayName: 'Puppet Forge',
  detect(fileName, head) {
    const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    return /^[A-Za-z0-9]+-[a-z][a-z0-9_]*-\d+\.\d+\.\d+[-+0-9A-Za-z.]*\.tar\.gz$/.test(fileName)
      ? gz
        ? 'maybe'
        : 'no'
      : 'no';
  },
  identify: identifyPuppet,
  /**
   * The Forge records `file_sha256` (and `file_md5`, which `puppet module
   * install` checks) of the release tarball; Sigil uses the SHA-256, hex.
   */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
  lockfiles: [puppetfileReader],
};
