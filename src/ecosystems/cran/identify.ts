/**
 * Identify an R source package (`<pkg>_<version>.tar.gz`, as `R CMD build`
 * writes it): `<pkg>/DESCRIPTION` is a DCF file with `Package:` and
 * `Version:`. The file name, when it has that shape, must agree.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { missingMetadata, openTar, refuseDuplicates, topDirectory } from '../support/archive.js';
import { parseHeaderFields } from '../support/text.js';

/** R package names (Writing R Extensions §1.1.1): letters, digits, ".", starting with a letter, not ending in ".". */
const R_NAME = /^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$/;
/** R versions: at least two non-negative integers separated by "." or "-". */
const R_VERSION = /^\d+([.-]\d+)+$/;

/** readDescription returns the bytes of `<pkg>/DESCRIPTION` of a source package (the top folder's). */
export async function readDescription(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Uint8Array> {
  return (await openDescription(artifact, options)).bytes;
}

async function openDescription(
  artifact: Artifact,
  options: IdentifyOptions,
): Promise<{ bytes: Uint8Array; path: string; top: string | undefined }> {
  const file = artifact.name;
  const tar = await openTar(artifact, options, (e) => /^[^/]+\/DESCRIPTION$/.test(e.path));
  refuseDuplicates(
    file,
    tar.entries.filter((e) => e.type !== 'directory').map((e) => e.path),
  );
  const top = topDirectory(tar.entries.map((e) => e.path));
  const path = top === undefined ? undefined : `${top}/DESCRIPTION`;
  const bytes = path === undefined ? undefined : tar.files.get(path);
  if (path === undefined || !bytes)
    throw missingMetadata(
      'CRAN_DESCRIPTION_MISSING',
      file,
      '<pkg>/DESCRIPTION',
      'build the source package with `R CMD build <dir>`',
    );
  return { bytes, path, top };
}

export async function identifyCran(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const { bytes, path, top } = await openDescription(artifact, options);
  // DESCRIPTION may declare Encoding: latin1; the fields we read are ASCII by rule, so decode leniently.
  const fields = parseHeaderFields(Buffer.from(bytes).toString('latin1'));
  const name = fields.get('Package')?.[0];
  const version = fields.get('Version')?.[0];
  const problems: string[] = [];
  if (name === undefined || !R_NAME.test(name))
    problems.push(`"Package" ${JSON.stringify(name)} is not an R package name`);
  if (version === undefined || !R_VERSION.test(version))
    problems.push(`"Version" ${JSON.stringify(version)} is not an R version`);
  if (problems.length > 0)
    throw new InputError('CRAN_DESCRIPTION_INVALID', `${file}: ${path}: ${problems.join('; ')}`, {
      file,
      field: path,
    });
  const m = /^([A-Za-z][A-Za-z0-9.]*)_([\d.-]+)\.tar\.gz$/.exec(file);
  if (top !== name || (m && (m[1] !== name || m[2] !== version))) {
    throw new InputError(
      'CRAN_NAME_MISMATCH',
      `${file}: file name / top folder "${top}" disagree with DESCRIPTION (${name} ${version})`,
      { file, field: path },
    );
  }
  return {
    type: 'cran',
    name: name!,
    version: version!,
    purl: makePurl('cran', undefined, name!, version),
  };
}
