/**
 * Identify a Hackage source distribution (`<pkg>-<version>.tar.gz`, as
 * `cabal sdist` writes it): `<pkg>-<version>/<pkg>.cabal` has top-level fields
 * `name:` and `version:` (field names are case-insensitive; values may
 * continue on indented lines; `--` starts a comment line).
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { missingMetadata, openTar, refuseDuplicates, topDirectory } from '../support/archive.js';
import { decodeUtf8 } from '../support/text.js';

/** Cabal package names: alphanumeric words joined by "-", each word with at least one letter. */
export const CABAL_NAME =
  /^(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]+(-(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]+)*$/;
export const CABAL_VERSION = /^\d+(\.\d+)*$/;

/** cabalTopFields reads the top-level fields of a .cabal file (lowercased names). */
export function cabalTopFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*--/.test(line) || line.trim() === '') continue;
    if (/^\s/.test(line)) {
      if (last !== undefined) out.set(last, `${out.get(last)} ${line.trim()}`.trim());
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:(.*)$/.exec(line);
    last = m ? m[1]!.toLowerCase() : undefined; // a section header ("library", "executable foo") ends the field
    if (m && !out.has(last!)) out.set(last!, m[2]!.trim());
    else if (m) last = undefined;
  }
  return out;
}

export async function identifyHackage(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const tar = await openTar(artifact, options, (e) => /^[^/]+\/[^/]+\.cabal$/.test(e.path));
  refuseDuplicates(
    file,
    tar.entries.filter((e) => e.type !== 'directory').map((e) => e.path),
  );
  const top = topDirectory(tar.entries.map((e) => e.path));
  const cabals = [...tar.files.keys()].filter((p) => top !== undefined && p.startsWith(`${top}/`));
  if (top === undefined || cabals.length === 0)
    throw missingMetadata(
      'HACKAGE_CABAL_MISSING',
      file,
      '<pkg>-<version>/<pkg>.cabal',
      'make the source distribution with `cabal sdist`',
    );
  if (cabals.length > 1)
    throw new InputError(
      'HACKAGE_CABAL_AMBIGUOUS',
      `${file} has ${cabals.length} .cabal files in ${top}/`,
      { file, field: top, hint: 'a package has exactly one .cabal file' },
    );
  const path = cabals[0]!;
  const fields = cabalTopFields(
    decodeUtf8(tar.files.get(path)!, file, path, 'HACKAGE_CABAL_INVALID'),
  );
  const name = fields.get('name');
  const version = fields.get('version');
  const problems: string[] = [];
  if (name === undefined || !CABAL_NAME.test(name))
    problems.push(`"name" ${JSON.stringify(name)} is not a package name`);
  if (version === undefined || !CABAL_VERSION.test(version))
    problems.push(`"version" ${JSON.stringify(version)} is not a version`);
  if (problems.length > 0)
    throw new InputError('HACKAGE_CABAL_INVALID', `${file}: ${path}: ${problems.join('; ')}`, {
      file,
      field: path,
    });
  if (top !== `${name}-${version}` || path !== `${top}/${name}.cabal`) {
    throw new InputError(
      'HACKAGE_NAME_MISMATCH',
      `${file}: ${path} says ${name} ${version}; the sdist must be ${name}-${version}/${name}.cabal`,
      { file, field: path },
    );
  }
  return {
    type: 'hackage',
    name: name!,
    version: version!,
    purl: makePurl('hackage', undefined, name!, version),
  };
}
