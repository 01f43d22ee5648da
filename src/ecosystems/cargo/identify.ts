/**
 * Identify a .crate (the gzip tar `cargo package` writes and crates.io
 * serves): `<name>-<version>/Cargo.toml` holds the normalized manifest with
 * `[package] name` and `version`. The top folder must agree with it.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { missingMetadata, openTar, refuseDuplicates, topDirectory } from '../support/archive.js';
import { decodeUtf8, isRecord, parseTomlObject } from '../support/text.js';

const CRATE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export async function identifyCargo(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const tar = await openTar(artifact, options, (e) => /^[^/]+\/Cargo\.toml$/.test(e.path));
  refuseDuplicates(
    file,
    tar.entries.filter((e) => e.type !== 'directory').map((e) => e.path),
  );
  const top = topDirectory(tar.entries.map((e) => e.path));
  const path = top === undefined ? undefined : `${top}/Cargo.toml`;
  const bytes = path === undefined ? undefined : tar.files.get(path);
  if (path === undefined || !bytes)
    throw missingMetadata(
      'CARGO_MANIFEST_MISSING',
      file,
      '<name>-<version>/Cargo.toml',
      'is this a .crate? make one with `cargo package`',
    );
  const doc = parseTomlObject(
    decodeUtf8(bytes, file, path, 'CARGO_MANIFEST_INVALID'),
    file,
    path,
    'CARGO_MANIFEST_INVALID',
  );
  const pkg = doc['package'];
  const problems: string[] = [];
  const name = isRecord(pkg) ? pkg['name'] : undefined;
  const version = isRecord(pkg) ? pkg['version'] : undefined;
  if (typeof name !== 'string' || !CRATE_NAME.test(name))
    problems.push(`[package] name ${JSON.stringify(name)} is not a crate name`);
  if (typeof version !== 'string' || !SEMVER.test(version))
    problems.push(
      `[package] version ${JSON.stringify(version)} is not a semver version (a packaged crate's manifest is normalized; workspace inheritance is resolved by cargo package)`,
    );
  if (problems.length > 0)
    throw new InputError('CARGO_MANIFEST_INVALID', `${file}: ${path}: ${problems.join('; ')}`, {
      file,
      field: path,
    });
  const n = name as string;
  const v = version as string;
  if (top !== `${n}-${v}`) {
    throw new InputError(
      'CARGO_NAME_MISMATCH',
      `${file}: the top folder is "${top}" but Cargo.toml says ${n} ${v}`,
      { file, field: path, hint: 'a .crate holds one folder named <name>-<version>' },
    );
  }
  return { type: 'cargo', name: n, version: v, purl: makePurl('cargo', undefined, n, v) };
}
