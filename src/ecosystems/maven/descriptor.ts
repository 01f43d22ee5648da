/** The maven ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

const isZip = (head: Uint8Array) =>
  head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;

export const gradleVerificationFormat = lockfileNamed('Gradle verification-metadata.xml', [
  'verification-metadata.xml',
]);

export const mavenDescriptor: EcosystemDescriptor = {
  type: 'maven',
  displayName: 'Maven',
  detect(fileName, head) {
    if (/\.(jar|war|ear|aar)$/i.test(fileName)) return isZip(head) ? 'yes' : 'maybe';
    if (/\.pom$/i.test(fileName))
      return /<project[\s>]/.test(Buffer.from(head).toString('utf8')) ? 'yes' : 'maybe';
    return 'no';
  },
  lockfileFormats: [gradleVerificationFormat],
  load: async () => (await import('./index.js')).mavenAdapter,
};
