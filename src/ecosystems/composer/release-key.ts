/**
 * Composer's release identity: package names are lower-case (Packagist
 * compares vendor/package case-insensitively), and versions are compared as
 * Composer's VersionParser::normalize writes them: "v" dropped, numbers padded
 * to four parts (1.0 = 1.0.0 = 1.0.0.0), stability suffixes lower-cased.
 */
import type { ReleaseKeyParts } from '../adapter.js';

export function normalizeComposerVersion(version: string): string {
  const v = version.trim().toLowerCase().replace(/^v/, '').replace(/\+.*$/s, '');
  const m = /^(\d+(?:\.\d+){0,3})(.*)$/.exec(v);
  if (!m) return v;
  const parts = m[1]!.split('.').map((x) => String(Number(x)));
  while (parts.length < 4) parts.push('0');
  const rest = m[2]!.replace(
    /^[-_.]?(alpha|beta|rc|patch|pl|p|a|b)[-_.]?(\d*)$/,
    (_s, st: string, n: string) =>
      `-${({ a: 'alpha', b: 'beta', pl: 'patch', p: 'patch' } as Record<string, string>)[st] ?? st}${n}`,
  );
  return parts.join('.') + rest;
}

export function composerReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return {
    namespace: p.namespace?.toLowerCase(),
    name: p.name.toLowerCase(),
    version: normalizeComposerVersion(p.version),
  };
}
