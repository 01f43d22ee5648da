/**
 * npm's release identity. Names: the purl already lower-cases them (npm refuses
 * new upper-case names). Versions: semver with build metadata ignored — npm's
 * registry treats 1.0.0, 1.0.0+build and v1.0.0 as one version and refuses the
 * second publish.
 */
import type { ReleaseKeyParts } from '../adapter.js';
import { semverKey } from '../support/semver-key.js';

export function npmReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return {
    ...p,
    namespace: p.namespace?.toLowerCase(),
    name: p.name.toLowerCase(),
    version: semverKey(p.version),
  };
}
