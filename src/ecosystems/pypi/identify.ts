/**
 * Identify a Python distribution from its core metadata
 * (packaging.python.org/specifications/core-metadata):
 * - wheel (PEP 427/491): `{name}-{version}.dist-info/METADATA` at the root of the zip;
 * - sdist (PEP 625): `{name}-{version}/PKG-INFO` in a .tar.gz (legacy sdists may be .zip).
 * The file name also carries name and version; when both are readable they
 * must agree with the metadata (a mismatch means someone renamed the file).
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import {
  isZipHead,
  missingMetadata,
  openTar,
  openZip,
  refuseDuplicates,
  topDirectory,
} from '../support/archive.js';
import { decodeUtf8, parseHeaderFields } from '../support/text.js';
import { normalizePypiName, PYPI_NAME, PYPI_VERSION } from './name.js';

/** PypiKind tells a wheel from an sdist. */
export type PypiKind = 'wheel' | 'sdist';

export function pypiKind(fileName: string, head?: Uint8Array): PypiKind {
  if (/\.whl$/i.test(fileName)) return 'wheel';
  if (head && isZipHead(head) && !/\.zip$/i.test(fileName)) return 'wheel';
  return 'sdist';
}

async function readMetadataText(
  artifact: Artifact,
  options: IdentifyOptions,
): Promise<{ text: string; where: string; kind: PypiKind }> {
  const kind = pypiKind(artifact.name);
  if (kind === 'wheel' || /\.zip$/i.test(artifact.name)) {
    const isMeta = (p: string) =>
      kind === 'wheel' ? /^[^/]+\.dist-info\/METADATA$/.test(p) : /^[^/]+\/PKG-INFO$/.test(p);
    const zip = await openZip(artifact, options, (e) => isMeta(e.path));
    refuseDuplicates(
      artifact.name,
      zip.entries.map((e) => e.path),
    );
    const metas = zip.entries.filter((e) => isMeta(e.path));
    if (metas.length > 1) {
      throw new InputError(
        'PYPI_METADATA_AMBIGUOUS',
        `${artifact.name} has ${metas.length} metadata files (${metas.map((m) => m.path).join(', ')})`,
        { file: artifact.name, field: 'METADATA' },
      );
    }
    const meta = metas[0];
    if (!meta || meta.type !== 'file') {
      throw missingMetadata(
        'PYPI_METADATA_MISSING',
        artifact.name,
        kind === 'wheel' ? '*.dist-info/METADATA' : 'PKG-INFO',
        'is this a Python distribution? build one with `python -m build`',
      );
    }
    return {
      text: decodeUtf8(
        zip.files.get(meta.path)!,
        artifact.name,
        meta.path,
        'PYPI_METADATA_INVALID',
      ),
      where: meta.path,
      kind,
    };
  }
  const isMeta = (p: string) => /^[^/]+\/PKG-INFO$/.test(p);
  const tar = await openTar(artifact, options, (e) => isMeta(e.path));
  refuseDuplicates(
    artifact.name,
    tar.entries.filter((e) => e.type !== 'directory').map((e) => e.path),
  );
  const top = topDirectory(tar.entries.map((e) => e.path));
  const path = top === undefined ? undefined : `${top}/PKG-INFO`;
  const bytes = path === undefined ? undefined : tar.files.get(path);
  if (!bytes || path === undefined) {
    throw missingMetadata(
      'PYPI_METADATA_MISSING',
      artifact.name,
      '<name>-<version>/PKG-INFO',
      'an sdist holds one top folder with PKG-INFO in it; build one with `python -m build --sdist`',
    );
  }
  return {
    text: decodeUtf8(bytes, artifact.name, path, 'PYPI_METADATA_INVALID'),
    where: path,
    kind: 'sdist',
  };
}

/** nameVersionFromFileName splits "{name}-{version}(-…).whl" / "{name}-{version}.tar.gz" when it can. */
export function nameVersionFromFileName(
  fileName: string,
  kind: PypiKind,
): { name: string; version: string } | undefined {
  if (kind === 'wheel') {
    const m = /^([^-]+)-([^-]+)-.+\.whl$/i.exec(fileName);
    return m ? { name: m[1]!, version: m[2]! } : undefined;
  }
  // sdist names are "{name}-{version}.tar.gz"; names may hold "-" in old sdists, so split at the last "-" before a digit.
  const m = /^(.+)-(\d[^-]*)\.(?:tar\.gz|zip|tgz)$/i.exec(fileName);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

/** identifyPypi reads Name and Version from a wheel's METADATA or an sdist's PKG-INFO. */
export async function identifyPypi(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const { text, where, kind } = await readMetadataText(artifact, options);
  const fields = parseHeaderFields(text);
  const problems: string[] = [];
  const name = fields.get('Name');
  const version = fields.get('Version');
  if (!name || name.length !== 1 || !name[0]) problems.push('"Name" is missing or repeated');
  else if (!PYPI_NAME.test(name[0]))
    problems.push(`"Name" ${JSON.stringify(name[0])} is not a valid project name`);
  if (!version || version.length !== 1 || !version[0])
    problems.push('"Version" is missing or repeated');
  else if (!PYPI_VERSION.test(version[0]))
    problems.push(`"Version" ${JSON.stringify(version[0])} is not a PEP 440 version`);
  if (problems.length > 0) {
    throw new InputError(
      'PYPI_METADATA_INVALID',
      `${artifact.name}: ${where}: ${problems.join('; ')}`,
      { file: artifact.name, field: where },
    );
  }
  const n = name![0]!;
  const v = version![0]!;
  const fromFile = nameVersionFromFileName(artifact.name, kind);
  if (
    fromFile &&
    (normalizePypiName(fromFile.name) !== normalizePypiName(n) ||
      versionKey(fromFile.version) !== versionKey(v))
  ) {
    throw new InputError(
      'PYPI_NAME_MISMATCH',
      `${artifact.name}: the file name says ${fromFile.name} ${fromFile.version} but ${where} says ${n} ${v}`,
      {
        file: artifact.name,
        field: where,
        hint: 'a renamed distribution is not the release it claims to be; sign the file the build tool produced',
      },
    );
  }
  // The purl carries the PEP 503 name (what PyPI's APIs and every lockfile use), so a release
  // signed from "hurry.filesize-0.9.tar.gz" is found for poetry's "hurry-filesize"; and the
  // file's own name (purl-spec's pypi `file_name`): a version is a set of distribution files,
  // each its own immutable record (docs/pypi.md, "Several files per version").
  return {
    type: 'pypi',
    name: n,
    version: v,
    purl: makePurl('pypi', undefined, normalizePypiName(n), v, {
      file_name: baseName(artifact.name),
    }),
  };
}

const baseName = (name: string) =>
  name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);

/** versionKey compares versions as wheel file names spell them ("-" escaped to "_", PEP 427). */
function versionKey(v: string): string {
  return v.toLowerCase().replace(/[-_]/g, '_');
}
