/**
 * NuGet's packages.lock.json (NuGet.ProjectModel PackagesLockFileFormat):
 *   {"version": 1|2, "dependencies": {"<tfm>[/<rid>]": {"<Id>": {"type": "Direct"|"Transitive"|"CentralTransitive"|"Project",
 *     "requested": "[1.0.0, )", "resolved": "1.0.0", "contentHash": "<base64 sha512>"}}}}
 * Project references have no package and are skipped. The same package under
 * several target frameworks is listed once.
 */
import { makePurl } from '../../core/purl.js';
import { lockError, readJsonLock } from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { packagesLockJsonFormat } from './descriptor.js';

export function readPackagesLockJson(file: string, bytes: Uint8Array): LockfileEntry[] {
  const bad = (field: string, message: string) => lockError(file, field, message);
  const doc = readJsonLock(bytes, file);
  if (doc['version'] !== 1 && doc['version'] !== 2)
    throw bad(
      'version',
      `unsupported lock file version ${JSON.stringify(doc['version'])} (1 and 2 are known)`,
    );
  const deps = doc['dependencies'];
  if (!isRecord(deps)) throw bad('dependencies', 'must be an object keyed by target framework');
  const seen = new Map<string, LockfileEntry>();
  for (const [tfm, packages] of Object.entries(deps)) {
    if (!isRecord(packages))
      throw bad(`dependencies.${tfm}`, 'must be an object keyed by package id');
    for (const [id, info] of Object.entries(packages)) {
      const field = `dependencies.${tfm}.${id}`;
      if (!isRecord(info)) throw bad(field, 'must be an object');
      if (info['type'] === 'Project') continue;
      const resolved = info['resolved'];
      if (typeof resolved !== 'string' || !/^\d+(\.\d+){1,3}([-+][0-9A-Za-z.+-]*)?$/.test(resolved))
        throw bad(
          `${field}.resolved`,
          `${JSON.stringify(resolved ?? null)} is not a NuGet version`,
        );
      if (!/^\w+([_.-]\w+)*$/.test(id)) throw bad(field, `"${id}" is not a NuGet package id`);
      const hash = info['contentHash'];
      if (hash !== undefined && (typeof hash !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(hash)))
        throw bad(`${field}.contentHash`, 'is not a base64 SHA-512');
      const purl = makePurl('nuget', undefined, id, resolved);
      if (!seen.has(purl))
        seen.set(purl, {
          purl,
          digests: typeof hash === 'string' ? [{ algorithm: 'sha512-base64', value: hash }] : [],
        });
    }
  }
  return [...seen.values()];
}

export const packagesLockJsonReader: LockfileReader = {
  ...packagesLockJsonFormat,
  read: readPackagesLockJson,
};
