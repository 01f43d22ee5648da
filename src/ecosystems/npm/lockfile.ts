/**
 * package-lock.json and npm-shrinkwrap.json (docs.npmjs.com/cli/configuring-npm/package-lock-json).
 *
 * - v1 (npm 5–6): a `dependencies` tree; each key is the installed name, with
 *   `version` (a semver, or for aliases `npm:<real>@<ver>`, for git a URL,
 *   for folders `file:…`), `resolved`, `integrity`, `bundled`, and nested
 *   `dependencies`.
 * - v2 (npm 7–8): `packages` keyed by install path ("node_modules/a",
 *   "node_modules/a/node_modules/@s/b", workspace folders "packages/x"),
 *   plus the v1 tree for old npm. v2 and v3 read `packages` only.
 * - v3 (npm 9+): `packages` only.
 *
 * In `packages`: `name` is set when the installed name differs from the real
 * one (alias `"x": "npm:real@1"`); `link: true` entries are symlinks to a
 * workspace or folder (the target's own entry has no node_modules prefix);
 * `inBundle: true` entries ship inside a parent's tarball.
 */
import type { LockfileEntry, LockfileReader, LockfileSource, NativeDigest } from '../adapter.js';
import { lockError, needRecord, optString, readJsonLock } from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import {
  dedupe,
  integrityDigests,
  isRegistryTarball,
  npmPurl,
  sourceOfSpec,
  splitNameAtVersion,
} from './lockfile-common.js';
import { packageLockFormat } from './descriptor.js';

/** MAX_DEPTH bounds the v1 `dependencies` recursion (hostile lockfiles). */
const MAX_DEPTH = 200;

export const packageLockReader: LockfileReader = {
  ...packageLockFormat,
  read(file, bytes) {
    const doc = readJsonLock(bytes, file);
    const version = doc['lockfileVersion'];
    if (version === 1) return readV1(file, doc);
    if (version === 2 || version === 3) {
      if (!isRecord(doc['packages']))
        throw lockError(
          file,
          'packages',
          `is missing: lockfileVersion ${version} lockfiles list packages by install path`,
        );
      return readPackages(file, doc['packages']);
    }
    throw lockError(
      file,
      'lockfileVersion',
      version === undefined
        ? 'is missing'
        : `${JSON.stringify(version)} is not a package-lock version sigil reads (1, 2 or 3)`,
      'regenerate the lockfile with npm 7 or later (`npm install --package-lock-only`)',
    );
  },
};

function registrySource(
  version: string | undefined,
  resolved: string | undefined,
): LockfileSource | undefined {
  const s = sourceOfSpec(version) ?? sourceOfSpec(resolved);
  if (s !== undefined) return s;
  if (resolved !== undefined && /^https?:/.test(resolved) && !isRegistryTarball(resolved))
    return 'remote';
  return undefined;
}

function entry(
  purl: string,
  digests: NativeDigest[],
  resolved: string | undefined,
  source: LockfileSource | undefined,
  location: string,
): LockfileEntry {
  return {
    purl,
    digests,
    location,
    ...(resolved !== undefined ? { resolved } : {}),
    ...(source !== undefined && source !== 'registry' ? { source } : {}),
  };
}

function readPackages(file: string, packages: Record<string, unknown>): LockfileEntry[] {
  const out: LockfileEntry[] = [];
  for (const [path, raw] of Object.entries(packages)) {
    if (path === '') continue; // the project itself
    const field = `packages[${JSON.stringify(path)}]`;
    const pkg = needRecord(raw, file, field);
    const i = path.lastIndexOf('node_modules/');
    // A workspace member's folder ("packages/a"): the project's own source, reached through a link entry.
    if (i < 0) continue;
    const installedName = path.slice(i + 'node_modules/'.length);
    const name = optString(pkg, 'name', file, field) ?? installedName;
    const resolved = optString(pkg, 'resolved', file, field);
    if (pkg['link'] === true) {
      out.push(
        entry(
          npmPurl(name, optString(pkg, 'version', file, field) ?? '0.0.0-link', file, field),
          [],
          resolved,
          'link',
          path,
        ),
      );
      continue;
    }
    const version = optString(pkg, 'version', file, field);
    if (version === undefined) throw lockError(file, `${field}.version`, 'is missing');
    const integrity = optString(pkg, 'integrity', file, field);
    const digests =
      integrity !== undefined ? integrityDigests(integrity, file, `${field}.integrity`) : [];
    const source: LockfileSource | undefined =
      pkg['inBundle'] === true ? 'bundled' : registrySource(version, resolved);
    out.push(entry(npmPurl(name, version, file, field), digests, resolved, source, path));
  }
  return dedupe(out);
}

function readV1(file: string, doc: Record<string, unknown>): LockfileEntry[] {
  const out: LockfileEntry[] = [];
  const walk = (deps: unknown, field: string, depth: number, bundledParent: boolean): void => {
    if (deps === undefined) return;
    if (depth > MAX_DEPTH) throw lockError(file, field, `nests deeper than ${MAX_DEPTH} levels`);
    const table = needRecord(deps, file, field);
    for (const [installedName, raw] of Object.entries(table)) {
      const f = `${field}[${JSON.stringify(installedName)}]`;
      const dep = needRecord(raw, file, f);
      const spec = optString(dep, 'version', file, f);
      if (spec === undefined) throw lockError(file, `${f}.version`, 'is missing');
      const resolved = optString(dep, 'resolved', file, f);
      const integrity = optString(dep, 'integrity', file, f);
      const bundled = bundledParent || dep['bundled'] === true;
      let name = installedName;
      let version = spec;
      // Alias: "x": { "version": "npm:real@1.2.3" }.
      if (spec.startsWith('npm:')) {
        const split = splitNameAtVersion(spec.slice(4));
        if (!split)
          throw lockError(file, `${f}.version`, `"${spec}" is not an "npm:<name>@<version>" alias`);
        ({ name, version } = split);
      }
      const source = bundled ? 'bundled' : registrySource(spec, resolved);
      // git and folder dependencies: the version field holds the URL or path; report it as the resolution.
      const shownVersion =
        source === 'git' || source === 'file' || source === 'link'
          ? (/#([0-9a-f]{7,40})$/.exec(spec)?.[1] ?? spec)
          : version;
      const digests =
        integrity !== undefined ? integrityDigests(integrity, file, `${f}.integrity`) : [];
      out.push(
        entry(
          npmPurl(name, shownVersion, file, f),
          digests,
          resolved ?? (source ? spec : undefined),
          source,
          `${f}`,
        ),
      );
      walk(dep['dependencies'], `${f}.dependencies`, depth + 1, bundled);
    }
  };
  walk(doc['dependencies'] ?? {}, 'dependencies', 0, false);
  return dedupe(out);
}
