/**
 * renv.lock (JSON): `Packages.<name> {Package, Version, Source, Repository,
 * Hash}`. renv's `Hash` is an md5 over selected DESCRIPTION fields (renv
 * `renv_hash_description`), not a digest of the tarball: it is reported as
 * algorithm "renv-hash" so nobody compares it with CRAN's MD5sum.
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { lockError, needRecord, needString, optString, readJsonLock } from '../support/lockfile.js';

import { renvLockFormat } from './descriptor.js';

/** The algorithm name of renv's Hash in lockfile entries and release records. */
export const RENV_HASH = 'renv-hash';

export const renvLockReader: LockfileReader = {
  ...renvLockFormat,
  read(file, bytes) {
    const doc = readJsonLock(bytes, file);
    const pkgs = doc['Packages'] === undefined ? {} : needRecord(doc['Packages'], file, 'Packages');
    const repos = new Map<string, string>();
    const r = doc['R'];
    if (
      r &&
      typeof r === 'object' &&
      Array.isArray((r as Record<string, unknown>)['Repositories'])
    ) {
      for (const rep of (r as { Repositories: unknown[] }).Repositories) {
        if (
          rep &&
          typeof rep === 'object' &&
          typeof (rep as Record<string, unknown>)['Name'] === 'string' &&
          typeof (rep as Record<string, unknown>)['URL'] === 'string'
        ) {
          repos.set((rep as { Name: string }).Name, (rep as { URL: string }).URL);
        }
      }
    }
    return Object.entries(pkgs).map(([key, v]): LockfileEntry => {
      const field = `Packages.${key}`;
      const rec = needRecord(v, file, field);
      const name = needString(rec, 'Package', file, field);
      const version = needString(rec, 'Version', file, field);
      if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(name))
        throw lockError(file, `${field}.Package`, `"${name}" is not an R package name`);
      const hash = optString(rec, 'Hash', file, field);
      const repo = optString(rec, 'Repository', file, field);
      const resolved = repo === undefined ? undefined : (repos.get(repo) ?? repo);
      return {
        purl: makePurl('cran', undefined, name, version),
        digests: hash ? [{ algorithm: RENV_HASH, value: hash }] : [],
        ...(resolved ? { resolved } : {}),
      };
    });
  },
};
