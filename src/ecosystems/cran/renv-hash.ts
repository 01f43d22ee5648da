/**
 * renv's `Hash` of a package (the `Hash` of each renv.lock entry): not a
 * digest of the tarball but an md5 over selected DESCRIPTION fields
 * (rstudio/renv R/hash.R `renv_hash_record`, R/md5sum.R `md5`):
 *
 *  1. fields Package, Version, Title, Author, Maintainer, Description, Depends,
 *     Imports, Suggests, LinkingTo, plus the `Remote*` fields unless the
 *     package is CRAN-like (no RemoteType, or cran/repository/standard) and its
 *     RemoteSha is not a 40+ character hash (`RemoteRef: HEAD` left out);
 *  2. sorted by name in the C locale (byte order);
 *  3. joined as "Name: value" lines with "\n";
 *  4. every whitespace character removed (R's [[:space:]]);
 *  5. md5 of the UTF-8 bytes plus one "\n" (renv wrote the text with writeLines).
 *
 * A registry computes it from the published tarball's DESCRIPTION, so a
 * renv.lock entry can be tied to the logged release. It vouches for the
 * metadata, not the bytes: the record's sha256 does that.
 */
import { createHash } from 'node:crypto';
import { parseHeaderFields } from '../support/text.js';

const DEFAULT_FIELDS = [
  'Package',
  'Version',
  'Title',
  'Author',
  'Maintainer',
  'Description',
  'Depends',
  'Imports',
  'Suggests',
  'LinkingTo',
];

function remoteFields(fields: ReadonlyMap<string, string>): string[] {
  const type = fields.get('RemoteType');
  const cranLike =
    type === undefined || ['cran', 'repository', 'standard'].includes(type.toLowerCase());
  if (cranLike) {
    const sha = fields.get('RemoteSha');
    if (sha === undefined || [...sha].length < 40) return [];
  }
  return [...fields.keys()].filter(
    (k) => k.startsWith('Remote') && !(k === 'RemoteRef' && fields.get('RemoteRef') === 'HEAD'),
  );
}

/** renvHashOfFields is renv's Hash of a DESCRIPTION already read into fields (first value of each). */
export function renvHashOfFields(fields: ReadonlyMap<string, string>): string {
  const wanted = new Set([...DEFAULT_FIELDS, ...remoteFields(fields)]);
  const names = [...fields.keys()].filter((k) => wanted.has(k));
  // C-locale collation compares bytes; field names are ASCII, so code units order them the same.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const contents = names
    .map((n) => `${n}: ${fields.get(n)}`)
    .join('\n')
    .replace(/[ \t\n\v\f\r]/g, '');
  return createHash('md5').update(`${contents}\n`, 'utf8').digest('hex');
}

/**
 * renvHash is renv's Hash of a DESCRIPTION file's bytes (UTF-8, or latin1 when it says
 * `Encoding: latin1`) — undefined when the installed package will hash otherwise: without
 * `Author` or `Maintainer` but with `Authors@R` (not made by `R CMD build`), R derives both
 * fields at install time by evaluating R code, which a registry does not do.
 */
export function renvHash(description: Uint8Array): string | undefined {
  const bytes = Buffer.from(description);
  const latin1 = /^Encoding:[ \t]*(latin1|ISO-8859-1)[ \t]*$/im.test(bytes.toString('latin1'));
  const text = bytes.toString(latin1 ? 'latin1' : 'utf8');
  const fields = new Map<string, string>();
  for (const [k, v] of parseHeaderFields(text)) if (v[0] !== undefined) fields.set(k, v[0]);
  if (fields.has('Authors@R') && !(fields.has('Author') && fields.has('Maintainer')))
    return undefined;
  return renvHashOfFields(fields);
}
