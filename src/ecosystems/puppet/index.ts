/** The Puppet Forge adapter: module release tarballs and Puppetfile pins. */
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { puppetDescriptor } from './descriptor.js';
import { identifyPuppet } from './identify.js';
import { puppetfileReader } from './lockfile.js';
import { semverKey } from '../support/semver-key.js';

export const puppetAdapter: EcosystemAdapter = {
  type: puppetDescriptor.type,
  /** Semantic Versioning: build metadata does not make a new version. */
  releaseKey: (p) => ({ ...p, version: semverKey(p.version) }),
  displayName: puppetDescriptor.displayName,
  detect: puppetDescriptor.detect,
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
