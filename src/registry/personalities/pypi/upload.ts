/**
 * The upload form of PyPI's legacy upload API (what `twine upload` posts as
 * multipart/form-data to `<repository-url>`): checks every field against the
 * file, gathering every problem into one refusal.
 *
 *   :action=file_upload  protocol_version=1  name  version  filetype (bdist_wheel | sdist)
 *   pyversion  metadata_version  sha256_digest  md5_digest  blake2_256_digest  content=<file>
 *
 * The form is the uploader's claim; the archive's own metadata is what pip
 * installs. Both must name the same project (PEP 503-normalised) and version.
 * Sigil extension, for tools that build the form themselves: `sigil_bundle`
 * (the author's Sigstore bundle JSON) and `sigil_key_events` (JSON array of
 * DSSE key events, first signed publish only).
 */
import { createHash } from 'node:crypto';
import { normalizePypiName } from '../../../ecosystems/pypi/name.js';
import { RegistryError } from '../../errors.js';

export interface UploadForm {
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** The `content` file parts (exactly one is allowed). */
  readonly files: readonly { readonly filename: string; readonly data: Buffer }[];
}

export interface CheckedUpload {
  readonly filename: string;
  readonly data: Buffer;
  readonly name: string;
  readonly version: string;
  readonly bundle: unknown;
  readonly keyEvents: unknown[];
}

/** DIST_FILE: a wheel or sdist file name, nothing that could be a path. */
const DIST_FILE = /^[A-Za-z0-9][A-Za-z0-9._+!-]*\.(whl|tar\.gz|zip)$/;

/** pypiVersionKey compares PEP 440 versions loosely: case, leading "v", and separators of pre/post/dev parts. */
export function pypiVersionKey(v: string): string {
  return v.trim().toLowerCase().replace(/^v/, '').replace(/[-_]/g, '.');
}

function one(fields: UploadForm['fields'], name: string, problems: string[]): string | undefined {
  const v = fields.get(name);
  if (!v || v.length === 0) return undefined;
  if (v.length > 1) {
    problems.push(`field "${name}" is given ${v.length} times`);
    return undefined;
  }
  return v[0];
}

/** checkUploadForm throws RegistryError 400 naming every field that is wrong. */
export function checkUploadForm(form: UploadForm): CheckedUpload {
  const problems: string[] = [];
  const action = one(form.fields, ':action', problems);
  if (action !== 'file_upload')
    problems.push(`":action" must be "file_upload" (got ${JSON.stringify(action ?? null)})`);
  const protocol = one(form.fields, 'protocol_version', problems);
  if (protocol !== undefined && protocol !== '1')
    problems.push(`"protocol_version" must be 1 (got ${JSON.stringify(protocol)})`);
  const name = one(form.fields, 'name', problems);
  const version = one(form.fields, 'version', problems);
  if (!name) problems.push('"name" is missing');
  if (!version) problems.push('"version" is missing');
  if (form.files.length !== 1)
    problems.push(`exactly one file must be sent as "content" (got ${form.files.length})`);
  const file = form.files[0];
  if (file && !DIST_FILE.test(file.filename))
    problems.push(
      `${JSON.stringify(file.filename)} is not a wheel (.whl) or sdist (.tar.gz, .zip) file name`,
    );
  const filetype = one(form.fields, 'filetype', problems);
  if (file && filetype !== undefined) {
    const want = file.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist';
    if (filetype !== want)
      problems.push(`"filetype" is ${JSON.stringify(filetype)} but ${file.filename} is a ${want}`);
  }
  const sha256 = one(form.fields, 'sha256_digest', problems)?.toLowerCase();
  const md5 = one(form.fields, 'md5_digest', problems)?.toLowerCase();
  if (sha256 === undefined && md5 === undefined) problems.push('"sha256_digest" is missing');
  if (
    file &&
    sha256 !== undefined &&
    sha256 !== createHash('sha256').update(file.data).digest('hex')
  )
    problems.push('"sha256_digest" does not match the uploaded file');
  if (file && md5 !== undefined && md5 !== createHash('md5').update(file.data).digest('hex'))
    problems.push('"md5_digest" does not match the uploaded file');
  if (file && name && DIST_FILE.test(file.filename)) {
    // The file name starts with the project name ("-" escaped to "_" in wheels, PEP 427/625).
    const head = file.filename.split('-')[0]!;
    if (
      normalizePypiName(head) !== normalizePypiName(name) &&
      !normalizePypiName(file.filename).startsWith(`${normalizePypiName(name)}-`)
    ) {
      problems.push(`the file name ${file.filename} is not a distribution of "${name}"`);
    }
  }
  let bundle: unknown = null;
  let keyEvents: unknown[] = [];
  const b = one(form.fields, 'sigil_bundle', problems);
  if (b !== undefined) {
    try {
      bundle = JSON.parse(b);
    } catch {
      problems.push('"sigil_bundle" is not JSON');
    }
  }
  const k = one(form.fields, 'sigil_key_events', problems);
  if (k !== undefined) {
    try {
      const parsed: unknown = JSON.parse(k);
      if (!Array.isArray(parsed)) problems.push('"sigil_key_events" must be a JSON array');
      else keyEvents = parsed;
    } catch {
      problems.push('"sigil_key_events" is not JSON');
    }
  }
  if (problems.length > 0)
    throw new RegistryError(
      400,
      'PYPI_UPLOAD_INVALID',
      `invalid upload: ${problems.join('; ')}`,
      'upload with `twine upload` from the folder `python -m build` wrote',
    );
  return {
    filename: file!.filename,
    data: file!.data,
    name: name!,
    version: version!,
    bundle,
    keyEvents,
  };
}
