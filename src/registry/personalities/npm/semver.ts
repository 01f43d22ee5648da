/**
 * Semantic Versioning 2.0.0 precedence (semver.org §11), just enough to pick
 * npm's default `latest`: the highest release version, or the highest
 * prerelease when a package has only prereleases. Pure.
 */

interface Parsed {
  readonly core: readonly [number, number, number];
  readonly pre: readonly (string | number)[];
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parse(v: string): Parsed | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  const pre = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre };
}

/** compareSemver orders two versions by precedence (§11); unparsable versions sort first. */
export function compareSemver(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! - y.core[i]!;
  // §11.3: a prerelease has lower precedence than the release.
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i]!;
    const q = y.pre[i]!;
    if (p === q) continue;
    // §11.4.3: numeric identifiers sort below alphanumeric ones.
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    if (typeof p === 'number') return -1;
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return x.pre.length - y.pre.length;
}

/** isPrerelease says whether a version has a prerelease part (`1.0.0-beta.1`). */
export function isPrerelease(v: string): boolean {
  return (parse(v)?.pre.length ?? 0) > 0;
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
