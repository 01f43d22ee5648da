/**
 * The Bower adapter. A Bower release is a git tag or a tarball/zip of one;
 * its bower.json gives "name" and (optionally — the tag is authoritative)
 * "version". Bower has no lockfile and no registry digest.
 *
 * purl: the purl-spec has no bower type; "bower" is a candidate type
 * (PURL-TYPES.rst, "Other candidate types"): pkg:bower/<name>@<version>.
 * Digest: none is native, so Sigil uses the hex SHA-256 of the archive bytes.
 */
import { hexDigest } from '../support/hash.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { bowerDescriptor } from './descriptor.js';
import { findManifest } from './manifest.js';
import { semverReleaseKey } from '../support/semver-key.js';

/** bower's name rules (bower/lib/util/validLink & registry): lowercase, digits, "-", "_", "."; at most 50. */
const BOWER_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const bowerAdapter: EcosystemAdapter = {
  ...fromDescriptor(bowerDescriptor),
  releaseKey: semverReleaseKey,
  async identify(artifact, options = {}) {
    const file = artifact.name;
    const found = await findManifest(artifact, ['bower.json'], options, 'BOWER_MANIFEST_INVALID');
    let manifest: unknown;
    try {
      manifest = JSON.parse(found.text);
    } catch (e) {
      throw new InputError(
        'BOWER_MANIFEST_INVALID',
        `${file}: ${found.path} is not valid JSON (${(e as Error).message})`,
        { file, field: found.path },
      );
    }
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
      throw new InputError(
        'BOWER_MANIFEST_INVALID',
        `${file}: ${found.path} must hold a JSON object`,
        { file, field: found.path },
      );
    const { name, version } = manifest as Record<string, unknown>;
    const v = version ?? options.version;
    const problems: string[] = [];
    if (typeof name !== 'string' || name.length > 50 || !BOWER_NAME.test(name))
      problems.push(`"name" ${JSON.stringify(name ?? null)} is not a Bower package name`);
    if (v === undefined)
      problems.push(
        '"version" is missing (Bower takes it from the git tag: give it with --version)',
      );
    else if (typeof v !== 'string' || !SEMVER.test(v))
      problems.push(`"version" ${JSON.stringify(v)} is not a semver version`);
    if (
      version !== undefined &&
      options.version !== undefined &&
      String(version).replace(/^v/, '') !== options.version.replace(/^v/, '')
    ) {
      problems.push(
        `"version" ${JSON.stringify(version)} contradicts --version ${options.version}`,
      );
    }
    if (problems.length > 0)
      throw new InputError(
        'BOWER_MANIFEST_INVALID',
        `${file}: ${found.path} ${problems.join('; ')}`,
        { file, field: found.path },
      );
    const ver = (v as string).replace(/^v/, '');
    return {
      type: 'bower',
      name: name as string,
      version: ver,
      purl: makePurl('bower', undefined, name as string, ver),
    };
  },
  digest: hexDigest('sha256'),
};
