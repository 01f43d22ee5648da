// Python distributions and twine's upload form, built in memory for the PyPI personality's tests.
import { createHash } from 'node:crypto';
import { makeZip } from '../ecosystems/helpers.js';
import { buildTgz } from '../helpers/tar-builder.js';

export const wheel = (name: string, version: string, extra = '', metaName = name) => {
  const dist = `${name.replace(/[-.]+/g, '_')}-${version}`;
  return makeZip([
    { name: `${name.replace(/[-.]+/g, '_')}/__init__.py`, data: `x = 1${extra}\n` },
    {
      name: `${dist}.dist-info/METADATA`,
      data: `Metadata-Version: 2.1\nName: ${metaName}\nVersion: ${version}\nRequires-Python: >=3.8\n\n`,
    },
    { name: `${dist}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nTag: py3-none-any\n' },
  ]);
};
export const wheelFile = (name: string, version: string) =>
  `${name.replace(/[-.]+/g, '_')}-${version}-py3-none-any.whl`;
export const sdist = (name: string, version: string) =>
  buildTgz([
    {
      name: `${name}-${version}/PKG-INFO`,
      content: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n\n`,
    },
    { name: `${name}-${version}/setup.py`, content: 'pass\n' },
  ]);

/** form builds twine's multipart body. */
export function form(
  fields: Record<string, string | string[]>,
  files: { field?: string; filename: string; data: Buffer }[],
): { body: Buffer; type: string } {
  const b = '----sigiltest';
  const parts: Buffer[] = [];
  for (const [k, vs] of Object.entries(fields))
    for (const v of [vs].flat())
      parts.push(
        Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
      );
  for (const f of files)
    parts.push(
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="${f.field ?? 'content'}"; filename="${f.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${b}` };
}

export function twineFields(
  name: string,
  version: string,
  data: Buffer,
  filetype = 'bdist_wheel',
): Record<string, string> {
  return {
    ':action': 'file_upload',
    protocol_version: '1',
    name,
    version,
    filetype,
    pyversion: 'py3',
    metadata_version: '2.1',
    sha256_digest: createHash('sha256').update(data).digest('hex'),
    md5_digest: createHash('md5').update(data).digest('hex'),
  };
}
