/**
 * Identify a Carthage binary release: the zip a `binary` Cartfile entry
 * points at (`carthage build --archive` output), holding one or more
 * `<Name>.framework` (possibly inside `<Name>.xcframework/<slice>/` or
 * `Carthage/Build/<platform>/`). Name and version come from the framework's
 * Info.plist: CFBundleName (else CFBundleExecutable) and
 * CFBundleShortVersionString. Carthage source releases are git tags, with no
 * artifact of their own: for those, give --name and --version.
 *
 * purl: the purl-spec has no carthage type; "carthage" is a candidate type
 * (PURL-TYPES.rst), so a binary framework is pkg:carthage/<Name>@<version>.
 * (A GitHub-hosted source dependency is pkg:github/<owner>/<repo>@<tag>; see
 * lockfile.ts.)
 */
import { readZip } from '../../archive/zip.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { parsePlist, PlistError } from './plist.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const VERSION = /^v?[0-9][0-9A-Za-z.+-]*$/;

export async function identifyCarthage(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const isPlist = (p: string) =>
    /(^|\/)[^/]+\.framework\/(Versions\/A\/Resources\/|Resources\/)?Info\.plist$/.test(p) &&
    p.split('/').length <= 8;
  const zip = await readZip(artifact.path ? { path: artifact.path } : await artifact.bytes(), {
    file,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => isPlist(e.path),
  });
  const found = new Map<string, Set<string>>(); // name -> versions
  for (const [path, bytes] of zip.files) {
    let plist;
    try {
      plist = parsePlist(bytes);
    } catch (e) {
      if (e instanceof PlistError)
        throw new InputError(
          'CARTHAGE_PLIST_INVALID',
          `${file}: ${path} is not a readable property list (${e.message})`,
          { file, field: path },
        );
      throw e;
    }
    const fwName = /([^/]+)\.framework\//.exec(path)![1]!;
    const name = plist.get('CFBundleName') ?? plist.get('CFBundleExecutable') ?? fwName;
    const version = plist.get('CFBundleShortVersionString');
    if (typeof name !== 'string' || typeof version !== 'string') continue;
    if (!found.has(name)) found.set(name, new Set());
    found.get(name)!.add(version);
  }
  let name = options.name;
  let version = options.version;
  if (name === undefined) {
    if (found.size > 1)
      throw new InputError(
        'CARTHAGE_AMBIGUOUS',
        `${file} holds several frameworks (${[...found.keys()].join(', ')})`,
        { file, hint: 'say which one this release is with --name' },
      );
    name = [...found.keys()][0];
  }
  const versions = name !== undefined ? found.get(name) : undefined;
  if (version === undefined) {
    if (versions && versions.size > 1)
      throw new InputError(
        'CARTHAGE_AMBIGUOUS',
        `${file}: the ${name} frameworks disagree on their version (${[...versions].join(', ')})`,
        { file, field: 'CFBundleShortVersionString' },
      );
    version = versions ? [...versions][0] : undefined;
  } else if (versions && !versions.has(version) && !versions.has(version.replace(/^v/, ''))) {
    throw new InputError(
      'CARTHAGE_VERSION_CONTRADICTS',
      `${file}: --version ${version} contradicts the framework's CFBundleShortVersionString ${[...versions].join(', ')}`,
      { file, field: 'CFBundleShortVersionString' },
    );
  }
  if (name === undefined || version === undefined) {
    throw new InputError(
      'CARTHAGE_METADATA_MISSING',
      `${file} has no <Name>.framework/Info.plist with CFBundleShortVersionString`,
      {
        file,
        field: 'Info.plist',
        hint: 'give the release name and version with --name and --version',
      },
    );
  }
  if (!NAME.test(name) || !VERSION.test(version))
    throw new InputError(
      'CARTHAGE_METADATA_INVALID',
      `${file}: name ${JSON.stringify(name)} or version ${JSON.stringify(version)} is not valid`,
      { file, field: 'Info.plist' },
    );
  return { type: 'carthage', name, version, purl: makePurl('carthage', undefined, name, version) };
}
