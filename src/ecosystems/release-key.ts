/**
 * releaseKeyOf: one version, once (DESIGN.md, "Names and versions are compared
 * the ecosystem's own way"). A registry that compared purls as strings would
 * accept `pkg:npm/a@1.0.0` and `pkg:npm/a@1.0.0+evil` with different bytes, or
 * let `Acme.Lib` and `acme.lib` belong to two accounts, while the package
 * manager installs them as one. The key is what the ecosystem's own adapter
 * says is the same package and the same version (EcosystemAdapter.releaseKey);
 * publish and lookup both go through it.
 */
import { InputError } from '../core/errors.js';
import { canonicalPurl, parsePurl } from '../core/purl.js';
import type { ReleaseKeyParts } from './adapter.js';
import { ADAPTERS } from './index.js';

export interface ReleaseKey {
  /** The package, folded: equal for every spelling the package manager treats as this package. */
  readonly package: string;
  /** The release, folded (`<package>@<version>`); undefined when the purl has no version. */
  readonly release: string | undefined;
}

const byType = new Map(ADAPTERS.map((a) => [a.type, a]));

/**
 * Qualifiers that name another file of the same release, not another spelling of it: a Maven
 * version is a set of files (jar, pom, -sources.jar), a PyPI version a set of distributions
 * (sdist, wheels; purl-spec's pypi `file_name`, case-sensitive), each immutable on its own.
 */
export const FILE_QUALIFIERS: Readonly<Record<string, readonly string[]>> = {
  maven: ['classifier', 'type'],
  pypi: ['file_name'],
};

/**
 * Types whose version purl without a file qualifier names the whole set of files (a lockfile
 * pins `pkg:pypi/foo@1.0` with the hashes of any of its distributions); a Maven purl without
 * classifier and type names one file, the main jar.
 */
export const VERSION_IS_FILE_SET: ReadonlySet<string> = new Set(['pypi']);

/**
 * versionPurlOf is a file's purl without its file qualifiers (canonical): the version it is a
 * file of, as lockfiles name it (`pkg:pypi/foo@1.0?file_name=foo-1.0.tar.gz` → `pkg:pypi/foo@1.0`).
 */
export function versionPurlOf(purl: string): string {
  const p = parsePurl(purl);
  const q = { ...((p.qualifiers ?? {}) as Record<string, string>) };
  for (const n of FILE_QUALIFIERS[p.type] ?? []) delete q[n];
  p.qualifiers = Object.keys(q).length > 0 ? q : undefined;
  return canonicalPurl(p.toString());
}

/** releaseKeyOf folds a purl (InputError PURL_INVALID when it is not one). Qualifiers (except FILE_QUALIFIERS) and subpath are ignored. */
export function releaseKeyOf(purl: string): ReleaseKey {
  const p = parsePurl(purl);
  const fold = byType.get(p.type)?.releaseKey;
  const raw: ReleaseKeyParts = {
    namespace: p.namespace ?? undefined,
    name: p.name,
    version: p.version ?? '',
  };
  let k: ReleaseKeyParts = raw;
  if (fold) {
    try {
      k = fold(raw);
    } catch (e) {
      throw new InputError(
        'PURL_INVALID',
        `cannot compare ${purl} the ${p.type} way: ${(e as Error).message}`,
      );
    }
  }
  // Keys are purl-shaped text for people reading them; they are compared as strings only
  // (built by hand: packageurl-js refuses a versionless purl of some types, e.g. cran).
  const ns = k.namespace ? `${k.namespace.split('/').map(encodeURIComponent).join('/')}/` : '';
  const pkg = `pkg:${p.type}/${ns}${encodeURIComponent(k.name)}`;
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  const file = (FILE_QUALIFIERS[p.type] ?? [])
    .filter((n) => q[n] !== undefined && !(n === 'type' && q[n] === 'jar'))
    .map((n) => `${n}=${encodeURIComponent(q[n]!)}`);
  const suffix = file.length > 0 ? `?${file.join('&')}` : '';
  return {
    package: pkg,
    release: p.version ? `${pkg}@${encodeURIComponent(k.version)}${suffix}` : undefined,
  };
}
