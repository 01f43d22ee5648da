/**
 * RubyGems' release identity: Gem::Version equality ignores trailing zero
 * segments (1.0 = 1.0.0, Gem::Version#canonical_segments), and "-" in a
 * version means ".pre." (Gem::Version.new("1.0-a") == "1.0.pre.a"). Names are
 * compared case-insensitively, as rubygems.org does when a name is pushed.
 */
import type { ReleaseKeyParts } from '../adapter.js';

export function gemVersionKey(version: string): string {
  const segs = version
    .trim()
    .replace(/-/g, '.pre.')
    .split(/\.|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/i)
    .filter(Boolean);
  const canon = segs.map((s) => (/^\d+$/.test(s) ? String(Number(s)) : s));
  // Trailing zeros go, also those right before the prerelease part (1.0.a = 1.a).
  const firstAlpha = canon.findIndex((s) => !/^\d+$/.test(s));
  const num = firstAlpha < 0 ? canon : canon.slice(0, firstAlpha);
  const pre = firstAlpha < 0 ? [] : canon.slice(firstAlpha);
  while (num.length > 1 && num[num.length - 1] === '0') num.pop();
  while (pre.length > 0 && pre[pre.length - 1] === '0') pre.pop();
  return [...num, ...pre].join('.');
}

export function gemReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return { ...p, name: p.name.toLowerCase(), version: gemVersionKey(p.version) };
}
