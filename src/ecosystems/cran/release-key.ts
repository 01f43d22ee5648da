/**
 * CRAN's release identity: package names are unique case-insensitively (CRAN
 * refuses a name differing from an existing one only in case); versions are
 * R's package_version: numbers separated by "." or "-" (1.0-1 = 1.0.1,
 * 1.01 = 1.1).
 */
import type { ReleaseKeyParts } from '../adapter.js';

export function cranReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  const v = p.version.trim();
  return {
    ...p,
    name: p.name.toLowerCase(),
    version: /^\d+([.-]\d+)*$/.test(v)
      ? v
          .split(/[.-]/)
          .map((x) => String(Number(x)))
          .join('.')
      : v,
  };
}
