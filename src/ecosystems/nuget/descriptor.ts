/** The nuget ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

const isZip = (head: Uint8Array) =>
  head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;

export const packagesLockJsonFormat: LockfileFormat = {
  format: 'packages.lock.json (NuGet)',
  matches: (f) => f === 'packages.lock.json' || /^packages\..+\.lock\.json$/.test(f),
};

export const nugetDescriptor: EcosystemDescriptor = {
  type: 'nuget',
  displayName: 'NuGet',
  detect(fileName, head) {
    if (!/\.s?nupkg$/i.test(fileName)) return 'no';
    return isZip(head) ? 'yes' : 'maybe';
  },
  lockfileFormats: [packagesLockJsonFormat],
  load: async () => (await import('./index.js')).nugetAdapter,
};
