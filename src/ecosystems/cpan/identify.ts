/**
 * Identify a CPAN distribution (`Dist-Name-1.23.tar.gz`): `<top>/META.json`
 * (CPAN::Meta::Spec v2) or else `<top>/META.yml` (v1.x) gives `name` and
 * `version`. purl-spec (types/cpan-definition) requires the namespace to be
 * the PAUSE author id, which the archive does not hold: it comes from
 * IdentifyOptions.namespace, or from a path `…/authors/id/A/AU/AUTHOR/file`.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import {
  missingMetadata,
  openTar,
  openZip,
  refuseDuplicates,
  topDirectory,
} from '../support/archive.js';
import { decodeUtf8, parseJsonObject, parseYamlObject } from '../support/text.js';

const DIST_NAME = /^[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*$/;
const PAUSE_ID = /^[A-Z][A-Z0-9-]{1,8}$/;

/** authorFromPath takes the PAUSE id from a CPAN mirror path. */
export function authorFromPath(path: string | undefined): string | undefined {
  const m = /authors\/id\/[A-Z]\/[A-Z]{2}\/([A-Z][A-Z0-9-]*)\//.exec(path ?? '');
  return m?.[1];
}

export async function identifyCpan(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const isMeta = (p: string) => /^[^/]+\/META\.(json|yml)$/.test(p);
  const contents = /\.zip$/i.test(file)
    ? await openZip(artifact, options, (e) => isMeta(e.path))
    : await openTar(artifact, options, (e) => isMeta(e.path));
  refuseDuplicates(
    file,
    contents.entries.filter((e) => e.type !== 'directory').map((e) => e.path),
  );
  const top = topDirectory(contents.entries.map((e) => e.path));
  const json = top === undefined ? undefined : contents.files.get(`${top}/META.json`);
  const yml = top === undefined ? undefined : contents.files.get(`${top}/META.yml`);
  // META.json is the newer spelling and wins; META.yml is read with the failsafe YAML schema.
  const found = json
    ? { where: `${top}/META.json`, bytes: json, parse: parseJsonObject }
    : yml
      ? { where: `${top}/META.yml`, bytes: yml, parse: parseYamlObject }
      : undefined;
  if (found === undefined)
    throw missingMetadata(
      'CPAN_META_MISSING',
      file,
      '<Dist>-<version>/META.json or META.yml',
      'build the distribution with `make dist` / `./Build dist`, which writes META.json',
    );
  const { where } = found;
  const meta = found.parse(
    decodeUtf8(found.bytes, file, where, 'CPAN_META_INVALID'),
    file,
    where,
    'CPAN_META_INVALID',
  );
  const name = meta['name'];
  const rawVersion = meta['version'];
  // META.json should quote versions; a bare number would lose trailing zeros (1.10 → 1.1), so refuse it.
  const version = typeof rawVersion === 'string' ? rawVersion.trim() : undefined;
  const problems: string[] = [];
  if (typeof name !== 'string' || !DIST_NAME.test(name))
    problems.push(`"name" ${JSON.stringify(name)} is not a distribution name (Dist-Name, no "::")`);
  if (version === undefined || !/^v?\d[\d._]*$/.test(version))
    problems.push(`"version" ${JSON.stringify(rawVersion)} is not a quoted version string`);
  if (problems.length > 0)
    throw new InputError('CPAN_META_INVALID', `${file}: ${where}: ${problems.join('; ')}`, {
      file,
      field: where,
    });
  // A file named as CPAN names distributions (Dist-Name-1.23.tar.gz) must be the release it names.
  const fromFile =
    /^([A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9_]*)*)-(v?\d[\d._]*)\.(?:tar\.gz|tgz|tar\.bz2|zip)$/.exec(
      file,
    );
  if (
    fromFile &&
    (fromFile[1] !== name || fromFile[2]!.replace(/^v/, '') !== version!.replace(/^v/, ''))
  )
    throw new InputError(
      'CPAN_NAME_MISMATCH',
      `${file}: the file name says ${fromFile[1]} ${fromFile[2]} but ${where} says ${name as string} ${version}`,
      {
        file,
        field: where,
        hint: 'a renamed distribution is not the release it claims to be; publish the file `make dist` wrote',
      },
    );
  const author = options.namespace ?? authorFromPath(artifact.path);
  if (author === undefined) {
    throw new InputError(
      'CPAN_AUTHOR_REQUIRED',
      `${file}: a CPAN purl names the PAUSE author (pkg:cpan/AUTHOR/${name as string}@${version}), and the archive does not say who that is`,
      {
        file,
        hint: 'give the PAUSE id as the namespace (e.g. --namespace OALDERS)',
      },
    );
  }
  if (!PAUSE_ID.test(author))
    throw new InputError(
      'CPAN_AUTHOR_INVALID',
      `"${author}" is not a PAUSE id (upper-case letters, digits, "-")`,
      { file, field: 'namespace' },
    );
  return {
    type: 'cpan',
    namespace: author,
    name: name as string,
    version: version!,
    purl: makePurl('cpan', author, name as string, version),
  };
}
