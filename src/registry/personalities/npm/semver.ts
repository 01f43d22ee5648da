/**
 * npm's default `latest`: the highest release version, or the highest
 * prerelease when a package has only prereleases. Precedence is the `semver`
 * package's (the one npm itself uses), not a copy of semver.org §11.
 */
import semver from 'semver';

/** compareSemver orders two versions by precedence; versions semver cannot read sort first. */
export function compareSemver(a: string, b: string): number {
  const x = semver.valid(a) !== null;
  const y = semver.valid(b) !== null;
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : a > b ? 1 : 0;
  return semver.compare(a, b);
}

/** isPrerelease says whether a version has a prerelease part (`1.0.0-beta.1`). */
export function isPrerelease(v: string): boolean {
  return (semver.prerelease(v)?.length ?? 0) > 0;
}

/** highestVersion picks npm's default `latest`: the highest release, else the highest prerelease. */
export function highestVersion(versions: readonly string[]): string | undefined {
  const releases = versions.filter((v) => !isPrerelease(v));
  const pool = releases.length > 0 ? releases : versions;
  return pool.reduce<string | undefined>(
    (best, v) => (best === undefined || compareSemver(v, best) > 0 ? v : best),
    undefined,
  );
}
