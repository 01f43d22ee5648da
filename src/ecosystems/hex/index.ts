/** The Hex adapter (Mix and rebar3): package tarballs and mix.lock / rebar.lock. */
import type { EcosystemAdapter } from '../adapter.js';
import { mixLockReader, rebarLockReader } from './lockfile.js';
import { digestHex, identifyHex } from './tarball.js';
import { semverKey } from '../support/semver-key.js';

/** tarFirstName is the name field of the first tar header, when the head is a tar. */
export function tarFirstName(head: Uint8Array): string | undefined {
  if (head.length < 512) return undefined;
  const magic = Buffer.from(head.subarray(257, 262)).toString('latin1');
  if (magic !== 'ustar') return undefined;
  const raw = Buffer.from(head.subarray(0, 100));
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? 100 : end).toString('utf8');
}

export const hexAdapter: EcosystemAdapter = {
  type: 'hex',
  /** Semantic Versioning: build metadata does not make a new version. */
  releaseKey: (p) => ({ ...p, version: semverKey(p.version) }),
  displayName: 'Hex (Mix, rebar3)',
  detect(fileName, head) {
    const first = tarFirstName(head);
    if (
      first === 'VERSION' ||
      first === 'CHECKSUM' ||
      first === 'metadata.config' ||
      first === 'contents.tar.gz'
    )
      return 'yes';
    return /^[a-z][a-z0-9_]*-\d+\.\d+\.\d+[^/]*\.tar$/.test(fileName) ? 'maybe' : 'no';
  },
  identify: identifyHex,
  digest: digestHex,
  lockfiles: [mixLockReader, rebarLockReader],
};
