/** The cpan ecosystem as detection sees it; the adapter itself loads on demand (./index.ts). */
import { lockfileNamed } from '../support/lockfile-name.js';
import type { EcosystemDescriptor } from '../adapter.js';

export const cpanfileSnapshotFormat = lockfileNamed('cpanfile.snapshot (Carton)', [
  'cpanfile.snapshot',
]);

export const cpanDescriptor: EcosystemDescriptor = {
  type: 'cpan',
  displayName: 'CPAN distribution',
  // CPAN tarballs look like any other "Name-1.0.tar.gz"; choose with --type cpan.
  detect: () => 'no',
  lockfileFormats: [cpanfileSnapshotFormat],
  load: async () => (await import('./index.js')).cpanAdapter,
};
