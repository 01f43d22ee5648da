/** The Hex adapter (Mix and rebar3): package tarballs and mix.lock / rebar.lock. */
import type { EcosystemAdapter } from '../adapter.js';
import { hexDescriptor } from './descriptor.js';
import { mixLockReader, rebarLockReader } from './lockfile.js';
import { digestHex, identifyHex } from './tarball.js';
import { semverReleaseKey } from '../support/semver-key.js';

export const hexAdapter: EcosystemAdapter = {
  type: hexDescriptor.type,
  releaseKey: semverReleaseKey,
  displayName: hexDescriptor.displayName,
  detect: hexDescriptor.detect,
  identify: identifyHex,
  digest: digestHex,
  lockfiles: [mixLockReader, rebarLockReader],
};
