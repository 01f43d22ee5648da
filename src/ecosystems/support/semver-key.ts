import type { ReleaseKeyParts } from '../adapter.js';
/**
 * semverKey: the version equality of ecosystems that follow Semantic Versioning
 * 2.0.0 §10: build metadata ("+…") does not make a new version — npm, Cargo
 * (crates.io refuses 1.0.0+b when 1.0.0 exists), Hex, Bower, Puppet Forge.
 * A leading "v" or "=" (what npm's semver.clean strips) is dropped too.
 */
export function semverKey(version: string): string {
  return version
    .trim()
    .replace(/^[v=]+/i, '')
    .replace(/\+.*$/s, '');
}

/** semverReleaseKey is the `releaseKey` of an ecosystem whose names are exact and whose versions are SemVer. */
export function semverReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return { ...p, version: semverKey(p.version) };
}
