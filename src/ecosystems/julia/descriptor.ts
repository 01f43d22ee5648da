/** The julia ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

export const manifestTomlFormat: LockfileFormat = {
  format: 'Manifest.toml (Julia Pkg)',
  matches: (f) =>
    f === 'Manifest.toml' ||
    f === 'JuliaManifest.toml' ||
    /^(Julia)?Manifest-v[\d.]+\.toml$/.test(f),
};

export const juliaDescriptor: EcosystemDescriptor = {
  type: 'julia',
  displayName: 'Julia package',
  // Pkg server tarballs have no telling name; choose with --type julia.
  detect: () => 'no',
  lockfileFormats: [manifestTomlFormat],
  load: async () => (await import('./index.js')).juliaAdapter,
};
