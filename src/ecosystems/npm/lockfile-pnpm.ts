/**
 * pnpm-lock.yaml (github.com/pnpm/spec/tree/master/lockfile). Versions:
 *
 * - 5.x (pnpm 5–7): `packages` keys "/name/1.2.3" and "/@s/name/1.2.3",
 *   peer-dependency suffixes after "_" ("/a/1.0.0_react@17.0.2").
 * - 6.x (pnpm 8): keys "/name@1.2.3", peer suffixes in parentheses
 *   ("/a@1.0.0(react@17.0.2)").
 * - 9.x (pnpm 9+): keys "name@1.2.3" without the slash; peer variants moved
 *   to `snapshots`, so `packages` already lists each release once.
 *
 * Each package has `resolution`: `{integrity}` for registry tarballs,
 * `{tarball, integrity?}` for URLs, `{type: git, repo, commit}`, or
 * `{directory}` for local folders. Entries may carry `name` and `version`
 * when the key does not say them (tarball and git dependencies).
 */
import { yamlLib } from '../support/lazy-libs.js';
import { InputError } from '../../core/errors.js';
import type { LockfileEntry, LockfileReader, LockfileSource } from '../adapter.js';
import { decodeLockText, lockError, needRecord, optString } from '../support/lockfile.js';
import {
  dedupe,
  integrityDigests,
  isRegistryTarball,
  npmPurl,
  sourceOfSpec,
  splitNameAtVersion,
} from './lockfile-common.js';
import { pnpmLockFormat } from './descriptor.js';

export const pnpmLockReader: LockfileReader = {
  ...pnpmLockFormat,
  read(file, bytes) {
    let doc: unknown;
    try {
      doc = yamlLib().parse(decodeLockText(bytes, file), { maxAliasCount: 100 });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(
        'LOCKFILE_INVALID',
        `${file}: (file): is not valid YAML (${(e as Error).message.split('\n')[0]})`,
        { file, field: '(file)' },
      );
    }
    const top = needRecord(doc, file, '(file)');
    const raw = top['lockfileVersion'];
    const version =
      typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : undefined;
    if (version === undefined) throw lockError(file, 'lockfileVersion', 'is missing');
    const major = /^(\d+)(?:\.\d+)?$/.exec(version)?.[1];
    if (major !== '5' && major !== '6' && major !== '9') {
      throw lockError(
        file,
        'lockfileVersion',
        `${JSON.stringify(raw)} is not a pnpm lockfile version sigil reads (5.x, 6.x or 9.x)`,
      );
    }
    const packages =
      top['packages'] === undefined ? {} : needRecord(top['packages'], file, 'packages');
    const out: LockfileEntry[] = [];
    for (const [key, value] of Object.entries(packages)) {
      const field = `packages[${JSON.stringify(key)}]`;
      const pkg = needRecord(value, file, field);
      const fromKey = parseKey(key, major);
      const name = optString(pkg, 'name', file, field) ?? fromKey?.name;
      const ver = pkg['version'] !== undefined ? String(pkg['version']) : fromKey?.version;
      if (name === undefined || ver === undefined)
        throw lockError(
          file,
          field,
          'names no package: the key is not "name@version" and there is no name/version field',
        );
      const res = needRecord(pkg['resolution'], file, `${field}.resolution`);
      const integrity = optString(res, 'integrity', file, `${field}.resolution`);
      const tarball = optString(res, 'tarball', file, `${field}.resolution`);
      let source: LockfileSource | undefined;
      let resolved = tarball;
      if (res['type'] === 'git' || typeof res['repo'] === 'string') {
        source = 'git';
        resolved = `${String(res['repo'])}#${String(res['commit'])}`;
      } else if (typeof res['directory'] === 'string') {
        source = 'file';
        resolved = res['directory'];
      } else if (tarball !== undefined) {
        source = sourceOfSpec(tarball) ?? (isRegistryTarball(tarball) ? undefined : 'remote');
      }
      const digests =
        integrity !== undefined
          ? integrityDigests(integrity, file, `${field}.resolution.integrity`)
          : [];
      out.push({
        purl: npmPurl(name, ver, file, field),
        digests,
        location: key,
        ...(resolved !== undefined ? { resolved } : {}),
        ...(source !== undefined ? { source } : {}),
      });
    }
    return dedupe(out);
  },
};

/** parseKey reads name and version from a `packages` key of the given lockfile major version. */
function parseKey(key: string, major: string): { name: string; version: string } | undefined {
  if (major === '5') {
    const k = key.replace(/^\//, '');
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const name = k.slice(0, slash);
    const version = k.slice(slash + 1).replace(/_.*$/, '');
    return /^\d/.test(version) ? { name, version } : undefined;
  }
  const k = key.replace(/^\//, '').replace(/\(.*$/, '');
  const split = splitNameAtVersion(k);
  if (!split || !/^\d/.test(split.version)) return undefined;
  return split;
}
