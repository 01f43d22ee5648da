/**
 * Debian's release identity (deb-version(7), dpkg's version comparison):
 * package names are lower-case; an absent epoch is epoch 0 (0:1.0 = 1.0) and
 * an absent Debian revision compares equal to "0" (1.0 = 1.0-0).
 */
import type { ReleaseKeyParts } from '../adapter.js';

export function debVersionKey(version: string): string {
  return version.trim().replace(/^0+:/, '').replace(/-0+$/, '');
}

export function debReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return { ...p, name: p.name.toLowerCase(), version: debVersionKey(p.version) };
}
