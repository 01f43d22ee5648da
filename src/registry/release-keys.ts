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
import type { ReleaseTables } from '../store/registry/release-tables.js';
import { type ReleaseRow, ReleaseStore } from '../store/registry/releases.js';
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

/**
 * findRelease finds the published release of a purl under any spelling of its name and version:
 * in the contract (async), or in the old synchronous store until its callers are converted (issue 19).
 */
export function findRelease(store: ReleaseStore, purl: string): ReleaseRow | undefined;
export function findRelease(releases: ReleaseTables, purl: string): Promise<ReleaseRow | undefined>;
export function findRelease(
  from: ReleaseStore | ReleaseTables,
  purl: string,
): ReleaseRow | undefined | Promise<ReleaseRow | undefined> {
  if (from instanceof ReleaseStore) {
    const exact = from.get(purl);
    if (exact) return exact;
    const key = releaseKeyOrUndefined(purl);
    return key === undefined ? undefined : from.getByReleaseKey(key);
  }
  return (async () => {
    const exact = await from.get(purl);
    if (exact) return exact;
    const key = releaseKeyOrUndefined(purl);
    return key === undefined ? undefined : from.getByReleaseKey(key);
  })();
}

/** releaseKeyOrUndefined is the release key of a purl, or undefined when it has none (or is no purl). */
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
export function filesOfVersion(store: ReleaseStore, purl: string): ReleaseRow[] | undefined;
export function filesOfVersion(
  releases: ReleaseTables,
  purl: string,
): Promise<ReleaseRow[] | undefined>;
export function filesOfVersion(
  from: ReleaseStore | ReleaseTables,
  purl: string,
): ReleaseRow[] | Promise<ReleaseRow[] | undefined> | undefined {
  const versionKey = fileSetVersionKey(purl);
  if (from instanceof ReleaseStore)
    return versionKey === undefined ? undefined : from.filesOfReleaseKey(versionKey);
  return versionKey === undefined ? Promise.resolve(undefined) : from.filesOfReleaseKey(versionKey);
}

/** fileSetVersionKey is the release key of a purl naming a version of a file-set ecosystem but no file of it. */
function fileSetVersionKey(purl: string): string | undefined {
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
