/**
 * Maven's release identity: groupId and artifactId are case-sensitive;
 * versions compare as Maven's ComparableVersion — case-insensitive, trailing
 * zero parts ignored (1.0 = 1.0.0 = 1), and "ga", "final", "release" are the
 * release itself (1.0-final = 1.0).
 */
import type { ReleaseKeyParts } from '../adapter.js';

export function mavenVersionKey(version: string): string {
  const parts = version
    .trim()
    .toLowerCase()
    .split(/[.-]|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/)
    .filter(Boolean);
  const kept = parts
    .map((s) => (/^\d+$/.test(s) ? String(Number(s)) : s))
    .filter((s) => s !== 'ga' && s !== 'final' && s !== 'release');
  while (kept.length > 1 && kept[kept.length - 1] === '0') kept.pop();
  return kept.join('.');
}

export function mavenReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return { ...p, version: mavenVersionKey(p.version) };
}
