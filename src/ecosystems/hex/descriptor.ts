/** The hex ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

/** tarFirstName is the name field of the first tar header, when the head is a tar. */
export function tarFirstName(head: Uint8Array): string | undefined {
  if (head.length < 512) return undefined;
  const magic = Buffer.from(head.subarray(257, 262)).toString('latin1');
  if (magic !== 'ustar') return undefined;
  const raw = Buffer.from(head.subarray(0, 100));
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? 100 : end).toString('utf8');
}

export const mixLockFormat = lockfileNamed('mix.lock');

export const rebarLockFormat = lockfileNamed('rebar.lock');

export const hexDescriptor: EcosystemDescriptor = {
  type: 'hex',
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
  lockfileFormats: [mixLockFormat, rebarLockFormat],
  load: async () => (await import('./index.js')).hexAdapter,
};
