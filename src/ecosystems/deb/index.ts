/** The Debian adapter: binary packages (.deb / .udeb). Debian has no lockfile format. */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { debDescriptor } from './descriptor.js';
import { identifyDeb } from './identify.js';
import { debReleaseKey } from './release-key.js';

export const debAdapter: EcosystemAdapter = {
  ...fromDescriptor(debDescriptor),
  releaseKey: debReleaseKey,
  identify: identifyDeb,
  /** The .deb's native digest is the hex SHA-256 of the file: the `SHA256:` field of its stanza in an apt Packages index. */
  digest: hexDigest('sha256'),
};
