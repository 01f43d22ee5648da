/**
 * Identify a Composer dist zip: `composer.json` at the root, or in the one
 * top folder GitHub zipballs have. `name` is "vendor/package" (purl
 * namespace = vendor; both lowercased, purl-spec types/composer-definition).
 * `version` is usually absent (Packagist takes it from the VCS tag), so the
 * caller passes it (IdentifyOptions.version / --version); when both exist
 * they must agree.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { missingMetadata, openZip, refuseDuplicates, topDirectory } from '../support/archive.js';
import { decodeUtf8, parseJsonObject } from '../support/text.js';

/** Composer's name rule (composer/composer ValidatingArrayLoader). */
const COMPOSER_NAME = /^[a-z0-9]([_.-]?[a-z0-9]+)*\/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$/;

/**
 * Composer's version shapes (composer/semver VersionParser::normalize): a numbered version with
 * an optional stability or build suffix, a numbered branch ("2.x-dev"), or a branch
 * ("dev-<branch>", where git's ref rules forbid "..", empty segments and a leading ".").
 */
const NUMBERED = /^v?\d+(\.\d+){0,3}([-_.+]?[a-z0-9]+([-_.+]?[a-z0-9]+)*)?$/i;
const NUMBERED_BRANCH = /^v?\d+(\.(\d+|x|\*))*-dev$/i;
const BRANCH = /^dev-[a-z0-9][a-z0-9._/+-]*$/i;

/** isComposerVersion: is `v` a version Composer reads (and one that makes no path)? */
export function isComposerVersion(v: string): boolean {
  if (v.length > 128) return false;
  if (NUMBERED.test(v) || NUMBERED_BRANCH.test(v)) return true;
  return BRANCH.test(v) && !v.includes('..') && !/\/(\/|\.|$)/.test(v);
}

export async function identifyComposer(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const zip = await openZip(artifact, options, (e) => /^([^/]+\/)?composer\.json$/.test(e.path));
  refuseDuplicates(
    file,
    zip.entries.map((e) => e.path),
  );
  const top = topDirectory(zip.entries.map((e) => e.path));
  const path = zip.files.has('composer.json')
    ? 'composer.json'
    : top !== undefined && zip.files.has(`${top}/composer.json`)
      ? `${top}/composer.json`
      : undefined;
  if (path === undefined)
    throw missingMetadata(
      'COMPOSER_MANIFEST_MISSING',
      file,
      'composer.json',
      'a Composer dist zip holds composer.json at its root or in its one top folder',
    );
  const doc = parseJsonObject(
    decodeUtf8(zip.files.get(path)!, file, path, 'COMPOSER_MANIFEST_INVALID'),
    file,
    path,
    'COMPOSER_MANIFEST_INVALID',
  );
  const name = doc['name'];
  if (typeof name !== 'string' || !COMPOSER_NAME.test(name)) {
    throw new InputError(
      'COMPOSER_MANIFEST_INVALID',
      `${file}: ${path}: "name" ${JSON.stringify(name)} is not a "vendor/package" name`,
      { file, field: `${path}#name` },
    );
  }
  const own = doc['version'];
  if (own !== undefined && typeof own !== 'string')
    throw new InputError(
      'COMPOSER_MANIFEST_INVALID',
      `${file}: ${path}: "version" is not a string`,
      { file, field: `${path}#version` },
    );
  const given = options.version;
  if (
    own !== undefined &&
    given !== undefined &&
    own.replace(/^v/, '') !== given.replace(/^v/, '')
  ) {
    throw new InputError(
      'COMPOSER_NAME_MISMATCH',
      `${file}: composer.json says version ${own} but ${given} was given`,
      { file, field: `${path}#version` },
    );
  }
  const version = own ?? given;
  if (version === undefined || version.trim() === '') {
    throw new InputError(
      'COMPOSER_VERSION_REQUIRED',
      `${file}: composer.json has no "version" (Composer takes it from the VCS tag)`,
      {
        file,
        field: `${path}#version`,
        hint: 'give the release version with --version (the tag, e.g. 1.2.3)',
      },
    );
  }
  if (!isComposerVersion(version))
    throw new InputError(
      'COMPOSER_VERSION_INVALID',
      `${file}: version ${JSON.stringify(version)} is not one Composer can read (e.g. 1.2.3, v1.2.3-beta1, dev-main, 2.x-dev)`,
      { file, field: `${path}#version`, hint: 'give the release tag with --version' },
    );
  const [vendor, pkg] = name.split('/') as [string, string];
  return {
    type: 'composer',
    namespace: vendor,
    name: pkg,
    version,
    purl: makePurl('composer', vendor, pkg, version),
  };
}
