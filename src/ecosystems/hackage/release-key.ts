/**
 * Hackage's release identity: package names are unique case-insensitively
 * (Hackage refuses a name that differs from an existing one only in case);
 * versions are Cabal's Version, a list of numbers: 1.0 and 1.0.0 differ, but
 * leading zeros do not count (1.01 = 1.1).
 */
import type { ReleaseKeyParts } from '../adapter.js';

export function hackageReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  const v = p.version.trim();
  return {
    ...p,
    name: p.name.toLowerCase(),
    version: /^\d+(\.\d+)*$/.test(v)
      ? v
          .split('.')
          .map((x) => String(Number(x)))
          .join('.')
      : v,
  };
}
