/**
 * Packuments: npm's per-package document, built from the release rows. Pure.
 *
 * Full (`Accept: application/json`, what `npm audit signatures`, `npm view`
 * and pacote with fullMetadata read) and abbreviated ("corgi",
 * `Accept: application/vnd.npm.install-v1+json`, what `npm install` reads):
 * see npm/registry docs/responses/package-metadata.md.
 *
 * Per version, `dist` carries:
 *   tarball      absolute URL on this server (`<base>/<name>/-/<bare>-<version>.tgz`)
 *   integrity    `sha512-<base64>` (the release's sha512)
 *   shasum       sha1 hex of the tarball
 *   signatures   [{keyid, sig}]: the registry's ECDSA P-256 signature over
 *                `${name}@${version}:${integrity}` (what `npm audit signatures` checks)
 *   sigil        Sigil's own facts (docs/npm.md):
 *                {record: <release record URL, with log proofs>,
 *                 bundle: <author's Sigstore bundle URL> | null when not author-signed,
 *                 authorKeyId, logIndex}
 */
import { purlWithoutVersion } from '../../../core/purl.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { NpmTarballFacts } from './facts.js';
import { highestVersion } from './semver.js';

export interface PackumentVersion {
  readonly row: ReleaseRow;
  readonly facts: NpmTarballFacts;
}

/** Fields of a version manifest the abbreviated document keeps (npm registry docs, "abbreviated version object"). */
export const CORGI_FIELDS = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'bundledDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'engines',
  'cpu',
  'os',
  'libc',
  'funding',
  '_hasShrinkwrap',
  'hasInstallScript',
  'dist',
] as const;

/** tarballFile is npm's file name for a version's tarball: the bare name (no scope), dash, version. */
export function tarballFile(bareName: string, version: string): string {
  return `${bareName}-${version}.tgz`;
}

/** tarballUrl is where this registry serves a version's tarball (`@scope/name/-/name-1.0.0.tgz` for scoped packages). */
export function tarballUrl(baseUrl: string, name: string, version: string): string {
  const bare = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `${baseUrl}/${name}/-/${tarballFile(bare, version)}`;
}

/** distTagsFor: explicitly set tags win; `latest` defaults to the highest release version. */
export function distTagsFor(
  versions: readonly string[],
  explicit: Readonly<Record<string, string>>,
): Record<string, string> {
  const tags: Record<string, string> = {};
  const present = new Set(versions);
  for (const [t, v] of Object.entries(explicit)) if (present.has(v)) tags[t] = v;
  if (tags['latest'] === undefined) {
    const latest = highestVersion(versions);
    if (latest !== undefined) tags['latest'] = latest;
  }
  return tags;
}

function versionManifest(
  name: string,
  baseUrl: string,
  v: PackumentVersion,
): Record<string, unknown> {
  const { row, facts } = v;
  const sig = row.registrySignature
    ? (JSON.parse(row.registrySignature) as { keyid: string; sig: string })
    : undefined;
  const integrity =
    (JSON.parse(row.native) as Record<string, string>)['sri-sha512'] ??
    `sha512-${Buffer.from(row.sha512, 'hex').toString('base64')}`;
  const scripts = facts.manifest['scripts'];
  const hasInstallScript =
    typeof scripts === 'object' &&
    scripts !== null &&
    ['preinstall', 'install', 'postinstall'].some((s) => s in scripts);
  const tarball = tarballUrl(baseUrl, name, row.version);
  return {
    ...facts.manifest,
    name,
    version: row.version,
    _id: `${name}@${row.version}`,
    ...(hasInstallScript ? { hasInstallScript: true } : {}),
    ...(row.account ? { _npmUser: { name: row.account } } : {}),
    dist: {
      tarball,
      shasum: facts.sha1,
      integrity,
      ...(sig ? { signatures: [{ keyid: sig.keyid, sig: sig.sig }] } : {}),
      sigil: {
        record: `${baseUrl}/api/v1/releases/${encodeURIComponent(row.purl)}`,
        bundle: row.authorBundle ? `${tarball}.sigstore.json` : null,
        authorKeyId: row.authorKeyId,
        logIndex: row.publishIndex,
        ledger: `${baseUrl}/api/v1/ledger/${encodeURIComponent(purlWithoutVersion(row.purl))}`,
      },
    },
  };
}

export interface Packuments {
  readonly full: Record<string, unknown>;
  readonly abbreviated: Record<string, unknown>;
}

/** buildPackuments makes both documents for one package; `versions` must be non-empty. */
export function buildPackuments(
  name: string,
  baseUrl: string,
  versions: readonly PackumentVersion[],
  explicitTags: Readonly<Record<string, string>>,
): Packuments {
  const sorted = [...versions].sort((a, b) =>
    a.row.publishedAt < b.row.publishedAt ? -1 : a.row.publishedAt > b.row.publishedAt ? 1 : 0,
  );
  const distTags = distTagsFor(
    sorted.map((v) => v.row.version),
    explicitTags,
  );
  const full: Record<string, Record<string, unknown>> = {};
  const abbreviated: Record<string, Record<string, unknown>> = {};
  const time: Record<string, string> = {};
  for (const v of sorted) {
    const m = versionManifest(name, baseUrl, v);
    full[v.row.version] = m;
    abbreviated[v.row.version] = Object.fromEntries(
      CORGI_FIELDS.filter((f) => m[f] !== undefined).map((f) => [f, m[f]]),
    );
    time[v.row.version] = v.row.publishedAt;
  }
  const created = sorted[0]!.row.publishedAt;
  const modified = sorted[sorted.length - 1]!.row.publishedAt;
  const latest = distTags['latest'] ? full[distTags['latest']] : undefined;
  return {
    full: {
      _id: name,
      name,
      ...(latest && typeof latest['description'] === 'string'
        ? { description: latest['description'] }
        : {}),
      'dist-tags': distTags,
      versions: full,
      time: { created, modified, ...time },
      ...(latest && typeof latest['license'] === 'string' ? { license: latest['license'] } : {}),
      ...(latest && typeof latest['readme'] === 'string' ? { readme: latest['readme'] } : {}),
    },
    abbreviated: { name, modified, 'dist-tags': distTags, versions: abbreviated },
  };
}
