/** The Hex adapter (Mix and rebar3): package tarballs and mix.lock / rebar.lock. */
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { hexDescriptor } from './descriptor.js';
import { mixLockReader, rebarLockReader } from './lockfile.js';
import { digestHex, identifyHex } from './tarball.js';
import { semverReleaseKey } from '../support/semver-key.js';

export const hexAdapter: EcosystemAdapter = {
  ...fromDescriptor(hexDescriptor),
  releaseKey: semverReleaseKey,
  identify: identifyHex,
  digest: digestHex,
  lockfiles: [mixLockReader, rebarLockReader],
};
