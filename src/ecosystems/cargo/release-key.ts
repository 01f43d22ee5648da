/**
 * Cargo's release identity (crates.io): crate names are unique regardless of
 * case and of "-" versus "_" (`foo_bar` and `Foo-Bar` are one crate), and
 * versions are semver with build metadata ignored (crates.io refuses 1.0.0+b
 * when 1.0.0 exists).
 */
import type { ReleaseKeyParts } from '../adapter.js';
import { semverKey } from '../support/semver-key.js';

export function cargoReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return { ...p, name: p.name.toLowerCase().replace(/_/g, '-'), version: semverKey(p.version) };
}
