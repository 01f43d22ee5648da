/**
 * NuGet's release identity (NuGet.Versioning, "Normalized version numbers";
 * learn.microsoft.com/nuget/concepts/package-versioning): package ids are
 * case-insensitive; versions are normalised — leading zeros dropped, a fourth
 * part of 0 dropped and missing parts filled in (1.0 = 1.0.0 = 1.0.0.0),
 * build metadata ignored — and release labels compare case-insensitively.
 */
import type { ReleaseKeyParts } from '../adapter.js';
import { normalizeNuGetVersion } from './identify.js';

export function nugetReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  const v = p.version.trim();
  return {
    ...p,
    name: p.name.toLowerCase(),
    version: (/^\d+(\.\d+)*(-|\+|$)/.test(v) ? normalizeNuGetVersion(v) : v).toLowerCase(),
  };
}
