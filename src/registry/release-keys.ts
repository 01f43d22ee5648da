/**
 * One version, once; one package, one spelling (issue 11, item 13). The
 * registry compares names and versions the ecosystem's own way
 * (src/ecosystems/release-key.ts) when it publishes and when it looks up:
 *   - a version is published once, whatever its spelling (npm 1.0.0+evil after
 *     1.0.0, NuGet 1.0.0.0 after 1.0.0 → the existing release, or 409);
 *   - a package keeps the spelling it was first published or given a ledger
 *     under: `acme.lib` after `Acme.Lib` (NuGet ids are case-insensitive) is
 *     refused (409 NAME_TAKEN), so grants and ledgers can never split between
 *     spellings the package manager treats as one package;
 *   - a lookup under any spelling finds the release.
 */
import { InputError } from '../core/errors.js';
import { parsePurl, purlWithoutVersion } from '../core/purl.js';
import {
  FILE_QUALIFIERS,
  releaseKeyOf,
  VERSION_IS_FILE_SET,
  type ReleaseKey,
} from '../ecosystems/release-key.js';
import type { ReleaseRow, ReleaseStore } from '../store/registry/releases.js';
import type { ReleaseTables } from '../store/registry/release-tables.js';
import { RegistryError } from './errors.js';

/** keyOf is releaseKeyOf for a purl already accepted as one (400 PURL_INVALID otherwise). */
export function keyOf(purl: string): ReleaseKey {
  try {
    return releaseKeyOf(purl);
  } catch (e) {
    throw new RegistryError(
      400,
      'PURL_INVALID',
      e instanceof InputError ? e.message : `${purl} is not a package URL`,
    );
  }
}

/** findRelease finds the published release of a purl under any spelling of its name and version. */
export function findRelease(store: ReleaseStore, purl: string): ReleaseRow | undefined {
  const exact = store.get(purl);
  if (exact) return exact;
  const release = releaseKeyOrUndefined(purl);
  return release === undefined ? undefined : store.getByReleaseKey(release);
}

/** findPublished is findRelease over the asynchronous release tables (any storage driver). */
export async function findPublished(
  releases: ReleaseTables,
  purl: string,
): Promise<ReleaseRow | undefined> {
  const exact = await releases.get(purl);
  if (exact) return exact;
  const release = releaseKeyOrUndefined(purl);
  return release === undefined ? undefined : releases.getByReleaseKey(release);
}

function releaseKeyOrUndefined(purl: string): string | undefined {
  try {
    return releaseKeyOf(purl).release;
  } catch {
    return undefined;
  }
}

/**
 * filesOfVersion: the published files of a version, for a purl that names the version but no
 * file of it (`pkg:pypi/foo@1.0`), in an ecosystem whose versions are sets of files
 * (VERSION_IS_FILE_SET: PyPI's sdist and wheels). Undefined when the purl names a file, has no
 * version, or its type keeps one file per version: then `findRelease` answers.
 */
export function filesOfVersion(store: ReleaseStore, purl: string): ReleaseRow[] | undefined {
  const versionKey = fileSetKey(purl);
  return versionKey === undefined ? undefined : store.filesOfReleaseKey(versionKey);
}

/** publishedFilesOfVersion is filesOfVersion over the asynchronous release tables (any storage driver). */
export async function publishedFilesOfVersion(
  releases: ReleaseTables,
  purl: string,
): Promise<ReleaseRow[] | undefined> {
  const versionKey = fileSetKey(purl);
  return versionKey === undefined ? undefined : releases.filesOfReleaseKey(versionKey);
}

/** fileSetKey is the release key of a version that is a set of files, for a purl naming no file of it. */
function fileSetKey(purl: string): string | undefined {
  // Asked for every purl of every batch lookup: other types are turned away before any parsing.
  const type = /^pkg:\/*([^/]+)\//i.exec(purl)?.[1]?.toLowerCase();
  if (type === undefined || !VERSION_IS_FILE_SET.has(type)) return undefined;
  let key: ReleaseKey;
  let p: ReturnType<typeof parsePurl>;
  try {
    p = parsePurl(purl);
    key = releaseKeyOf(purl);
  } catch {
    return undefined;
  }
  const fileQualifiers = FILE_QUALIFIERS[p.type];
  if (!fileQualifiers || !VERSION_IS_FILE_SET.has(p.type) || key.release === undefined)
    return undefined;
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  if (fileQualifiers.some((n) => q[n] !== undefined)) return undefined;
  return key.release;
}

/** storedSpelling is how a package is spelled among the stored releases (versionless purl), if it has any. */
export async function storedSpelling(
  releases: ReleaseTables,
  packageKey: string,
): Promise<string | undefined> {
  const row = await releases.anyOfPackageKey(packageKey);
  return row ? purlWithoutVersion(row.purl) : undefined;
}

/** nameTaken is the refusal of a second spelling of one package. */
export function nameTaken(asked: string, existing: string): RegistryError {
  return new RegistryError(
    409,
    'NAME_TAKEN',
    `${asked} is the same package as ${existing} to its package manager (names are compared the ecosystem's way), and it is published here as ${existing}`,
    `use the name ${existing}`,
    { existing },
  );
}

/** backfillReleaseKeys fills in the release keys of rows stored before keys existed; returns the purls left without one (duplicates). */
export async function backfillReleaseKeys(releases: ReleaseTables): Promise<string[]> {
  const clashes: string[] = [];
  for (const purl of await releases.keyless()) {
    let key: ReleaseKey | undefined;
    try {
      key = releaseKeyOf(purl);
    } catch {
      key = undefined;
    }
    if (!key?.release || !(await releases.setReleaseKey(purl, key.release))) clashes.push(purl);
  }
  return clashes;
}
