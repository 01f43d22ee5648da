/**
 * Identify a Meteor (Atmosphere) package release:
 * - a build tarball as `meteor publish` uploads it (tools/packaging/
 *   package-client.js bundleBuild): one top folder holding isopack.json,
 *   {"isopack-2": {"name", "version", …}} (older: "isopack-1", or
 *   unipackage.json {"name", "version"});
 * - a source tarball or checkout archive holding package.js, whose
 *   Package.describe({name: 'author:pkg', version: '1.0.0', …}) is read as
 *   literal text — never evaluated;
 * - a bare package.js.
 *
 * purl: the purl-spec has no meteor type; "meteor" is a candidate type
 * (PURL-TYPES.rst). We use pkg:meteor/<author>/<pkg>@<version>: the part
 * before ":" is the namespace (core packages such as "ecmascript" have none).
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { findManifest } from '../bower/manifest.js';

/** Meteor package names (tools/utils/utils.js validatePackageName): lowercase, digits, ".", "-", one optional "author:" prefix. */
const METEOR_NAME = /^(?:([a-z0-9][a-z0-9.-]*):)?([a-z0-9][a-z0-9.-]*)$/;
/** Meteor package versions: semver with an optional "_N" wrap number (package-version-parser). */
const METEOR_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:_\d+)?$/;

function fail(file: string, field: string, message: string): InputError {
  return new InputError('METEOR_METADATA_INVALID', `${file}: ${message}`, { file, field });
}

/** describeFields reads literal `name:` and `version:` strings from the Package.describe({...}) call. */
export function describeFields(source: string): { name?: string; version?: string } {
  const start = source.search(/Package\s*\.\s*describe\s*\(\s*\{/);
  if (start < 0) return {};
  const body = source.slice(start, start + 20000);
  const out: { name?: string; version?: string } = {};
  for (const key of ['name', 'version'] as const) {
    const m = new RegExp(
      `[{,\\s]["']?${key}["']?\\s*:\\s*(["'])((?:\\\\.|(?!\\1).){0,200})\\1`,
    ).exec(body);
    if (m) out[key] = m[2]!;
  }
  return out;
}

export function splitMeteorName(name: string): { namespace?: string; name: string } | undefined {
  const m = METEOR_NAME.exec(name);
  if (!m) return undefined;
  return m[1] ? { namespace: m[1], name: m[2]! } : { name: m[2]! };
}

export async function identifyMeteor(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const found = await findManifest(
    artifact,
    ['isopack.json', 'unipackage.json', 'package.js'],
    options,
    'METEOR_METADATA_MISSING',
  );
  let name: unknown;
  let version: unknown;
  if (found.path.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(found.text);
    } catch (e) {
      throw fail(file, found.path, `${found.path} is not valid JSON (${(e as Error).message})`);
    }
    const d = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
    const meta = (d['isopack-2'] ?? d['isopack-1'] ?? d) as Record<string, unknown>;
    if (typeof meta !== 'object' || meta === null)
      throw fail(file, found.path, `${found.path} has no package metadata`);
    ({ name, version } = meta);
  } else {
    ({ name, version } = describeFields(found.text));
  }
  const split = typeof name === 'string' ? splitMeteorName(name) : undefined;
  const problems: string[] = [];
  if (!split)
    problems.push(`name ${JSON.stringify(name ?? null)} is missing or not a Meteor package name`);
  if (typeof version !== 'string' || !METEOR_VERSION.test(version))
    problems.push(`version ${JSON.stringify(version ?? null)} is missing or not a Meteor version`);
  if (problems.length > 0) throw fail(file, found.path, `${found.path}: ${problems.join('; ')}`);
  const v = version as string;
  return {
    type: 'meteor',
    ...(split!.namespace ? { namespace: split!.namespace } : {}),
    name: split!.name,
    version: v,
    purl: makePurl('meteor', split!.namespace, split!.name, v),
  };
}
