/** The Debian adapter: binary packages (.deb / .udeb). Debian has no lockfile format. */
import { isAr } from '../../archive/ar.js';
import { digestStream } from '../../core/digest.js';
import type { EcosystemAdapter } from '../adapter.js';
import { identifyDeb } from './identify.js';
import { debReleaseKey } from './release-key.js';

export const debAdapter: EcosystemAdapter = {
  type: 'deb',
  releaseKey: debReleaseKey,
  displayName: 'Debian package',
  detect(fileName, head) {
    const debMagic =
      isAr(head) && Buffer.from(head.subarray(8, 21)).toString('latin1') === 'debian-binary';
    if (debMagic) return 'yes';
    return /\.u?deb$/i.test(fileName) ? 'maybe' : 'no';
  },
  identify: identifyDeb,
  /** The .deb's native digest is the hex SHA-256 of the file: the `SHA256:` field of its stanza in an apt Packages index. */
  async digest(artifact) {
    const { digests } = await digestStream(artifact.open(), ['sha256']);
    return { algorithm: 'sha256', value: digests.sha256! };
  },
};
