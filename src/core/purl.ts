/**
 * Package URLs (github.com/package-url/purl-spec), through packageurl-js.
 * A release statement names its subject by purl, so two spellings of the
 * same package must compare equal: compare canonical strings, never raw input.
 */
import { PackageURL } from 'packageurl-js';
import { InputError } from './errors.js';

export { PackageURL };

/** parsePurl parses a purl string; InputError PURL_INVALID names what is wrong. */
export function parsePurl(value: string, field = 'purl'): PackageURL {
  try {
    return fromStringVersionless(value);
  } catch (e) {
    throw new InputError(
      'PURL_INVALID',
      `${field} "${value}" is not a valid package URL: ${purlErrorReason(value, e)}`,
      {
        field,
        hint: 'a purl looks like pkg:npm/%40scope/name@1.2.3 (see github.com/package-url/purl-spec)',
      },
    );
  }
}

/**
 * packageurl-js 2.0's golang check rejects a "v"-version that is not semver by touching an
 * undefined variable ("throws is not defined"); say what it meant instead of its bug.
 */
function purlErrorReason(value: string, e: unknown): string {
  if (e instanceof ReferenceError) {
    if (/^pkg:golang\//i.test(value) && /@v[^@]*$/.test(value))
      return 'a Go module version must be a semantic version such as v1.2.0 (or a pseudo-version)';
    return `the purl library failed while checking it (${e.message})`;
  }
  return (e as Error).message;
}

/**
 * fromStringVersionless is PackageURL.fromString, except that a purl without version of a
 * type packageurl-js requires a version for (cran, swift) parses, with version undefined:
 * a package's identity across versions (namespaces, ledgers) has none.
 */
export function fromStringVersionless(value: string): PackageURL {
  try {
    return PackageURL.fromString(value);
  } catch (e) {
    if (!/requires a "version"/.test((e as Error).message) || value.includes('@')) throw e;
    const cut = value.search(/[?#]/);
    const p = PackageURL.fromString(
      cut < 0 ? `${value}@0` : `${value.slice(0, cut)}@0${value.slice(cut)}`,
    );
    p.version = undefined;
    return p;
  }
}

// Verifying a lockfile canonicalizes the same few thousand purls again and again;
// parsing dominates verification cost after the signature itself, so remember results.
const canonicalCache = new Map<string, string>();
const CANONICAL_CACHE_MAX = 10_000;

/** canonicalPurl re-renders a purl in its canonical form (InputError PURL_INVALID when it is not a purl). */
export function canonicalPurl(value: string): string {
  const hit = canonicalCache.get(value);
  if (hit !== undefined) return hit;
  const canonical = parsePurl(value).toString();
  if (canonicalCache.size >= CANONICAL_CACHE_MAX) canonicalCache.clear();
  canonicalCache.set(value, canonical);
  return canonical;
}

/** makePurl builds a canonical purl from parts. */
export function makePurl(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string | undefined,
  qualifiers?: Record<string, string>,
): string {
  try {
    return new PackageURL(type, namespace, name, version, qualifiers, undefined).toString();
  } catch (e) {
    throw new InputError(
      'PURL_INVALID',
      `cannot make a ${type} package URL for name "${name}": ${(e as Error).message}`,
    );
  }
}

/**
 * versionlessPurl renders pkg:type/namespace/name without a version. packageurl-js
 * requires a version for some types (cran, swift): those are rendered with one and cut.
 */
export function versionlessPurl(
  type: string,
  namespace: string | undefined | null,
  name: string,
): string {
  try {
    return new PackageURL(
      type,
      namespace ?? undefined,
      name,
      undefined,
      undefined,
      undefined,
    ).toString();
  } catch (e) {
    if (!/requires a "version"/.test((e as Error).message)) throw e;
    return new PackageURL(type, namespace ?? undefined, name, 'v', undefined, undefined)
      .toString()
      .slice(0, -'@v'.length);
  }
}

/** purlWithoutVersion is the package's identity across versions (for namespaces and ledgers). */
export function purlWithoutVersion(value: string): string {
  const p = parsePurl(value);
  return versionlessPurl(p.type, p.namespace, p.name);
}
