/** The hackage ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import type { EcosystemDescriptor, LockfileFormat } from '../adapter.js';

export const cabalFreezeFormat: LockfileFormat = {
  format: 'cabal.project.freeze',
  matches: (f) => f === 'cabal.project.freeze' || /^cabal\.project\..*\.freeze$/.test(f),
};

export const hackageDescriptor: EcosystemDescriptor = {
  type: 'hackage',
  displayName: 'Hackage (Cabal)',
  // Hackage sdists look like any other "name-1.0.tar.gz"; choose with --type hackage.
  detect: () => 'no',
  lockfileFormats: [cabalFreezeFormat],
  load: async () => (await import('./index.js')).hackageAdapter,
};
