/**
 * Hex package tarballs, as hexpm/specifications package_tarball.md and
 * hex_core's hex_tarball.erl define them: an uncompressed outer tar holding
 * exactly VERSION ("3"), CHECKSUM, metadata.config and contents.tar.gz.
 *
 * Two checksums name a release (hex_tarball.erl, `checksum/3`, and the
 * registry's `outer_checksum`):
 * - inner = SHA-256(VERSION ‖ metadata.config ‖ contents.tar.gz), the bytes
 *   of the three files concatenated; the CHECKSUM file holds it in upper-case
 *   hex. mix.lock's 4th element and rebar.lock's `pkg_hash`.
 * - outer = SHA-256 of the whole tarball. mix.lock's 8th element and
 *   rebar.lock's `pkg_hash_ext`.
 */
import { createHash } from 'node:crypto';
import { readTar } from '../../archive/tar.js';
import { digestStream } from '../../core/digest.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity, NativeDigest } from '../adapter.js';
import { isTuple, parseErlangTerms, TermSyntaxError, type Term } from './terms.js';

const REQUIRED = ['VERSION', 'CHECKSUM', 'metadata.config', 'contents.tar.gz'] as const;
/** Hex package names (hexpm's Package changeset): lowercase letter, then letters, digits, "_". */
const HEX_NAME = /^[a-z][a-z0-9_]*$/;
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export interface HexTarball {
  readonly metadata: ReadonlyMap<string, Term>;
  /** Lower-case hex of the inner checksum, recomputed and checked against CHECKSUM. */
  readonly innerChecksum: string;
}

/** readHexTarball reads and checks the outer tar of a Hex package. */
export async function readHexTarball(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<HexTarball> {
  const file = artifact.name;
  const contents = await readTar(artifact.open(), {
    file,
    gzip: false,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => (REQUIRED as readonly string[]).includes(e.path),
  });
  const seen = new Set<string>();
  for (const e of contents.entries) {
    if (seen.has(e.path))
      throw new InputError(
        'HEX_TARBALL_INVALID',
        `${file}: "${e.path}" appears twice in the package tarball`,
        { file, field: e.path },
      );
    seen.add(e.path);
  }
  const missing = REQUIRED.filter((p) => !contents.files.has(p));
  if (missing.length > 0) {
    throw new InputError(
      'HEX_TARBALL_INVALID',
      `${file}: not a Hex package tarball (missing ${missing.join(', ')})`,
      {
        file,
        field: missing[0]!,
        hint: 'a Hex package is the .tar that `mix hex.build` or `rebar3 hex build` writes',
      },
    );
  }
  const extra = contents.entries.filter((e) => !(REQUIRED as readonly string[]).includes(e.path));
  if (extra.length > 0)
    throw new InputError(
      'HEX_TARBALL_INVALID',
      `${file}: unexpected file "${extra[0]!.path}" in the package tarball`,
      { file, field: extra[0]!.path },
    );
  const get = (p: string) => contents.files.get(p)!;
  const version = get('VERSION').toString('latin1');
  if (version !== '3') {
    throw new InputError(
      'HEX_TARBALL_VERSION',
      `${file}: unsupported Hex tarball version ${JSON.stringify(version.slice(0, 20))} (only 3 is current)`,
      { file, field: 'VERSION' },
    );
  }
  const inner = createHash('sha256')
    .update(get('VERSION'))
    .update(get('metadata.config'))
    .update(get('contents.tar.gz'))
    .digest('hex');
  const declared = get('CHECKSUM').toString('latin1').trim();
  if (!/^[0-9A-Fa-f]{64}$/.test(declared))
    throw new InputError('HEX_TARBALL_INVALID', `${file}: CHECKSUM is not 64 hex digits`, {
      file,
      field: 'CHECKSUM',
    });
  if (declared.toLowerCase() !== inner) {
    throw new InputError(
      'HEX_CHECKSUM_MISMATCH',
      `${file}: CHECKSUM says ${declared} but the contents hash to ${inner.toUpperCase()}`,
      {
        file,
        field: 'CHECKSUM',
        hint: 'the tarball was altered after it was built',
      },
    );
  }
  let terms: Term[];
  try {
    terms = parseErlangTerms(get('metadata.config').toString('utf8'));
  } catch (e) {
    if (e instanceof TermSyntaxError)
      throw new InputError(
        'HEX_METADATA_INVALID',
        `${file}: metadata.config is not valid Erlang terms (${e.message})`,
        { file, field: 'metadata.config' },
      );
    throw e;
  }
  const metadata = new Map<string, Term>();
  for (const t of terms) {
    if (!isTuple(t) || t.tuple.length !== 2 || typeof t.tuple[0] !== 'string') {
      throw new InputError(
        'HEX_METADATA_INVALID',
        `${file}: metadata.config must hold {<<"key">>, Value}. pairs`,
        { file, field: 'metadata.config' },
      );
    }
    metadata.set(t.tuple[0], t.tuple[1]!);
  }
  return { metadata, innerChecksum: inner };
}

/** identifyHex reads name and version from metadata.config. */
export async function identifyHex(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const { metadata } = await readHexTarball(artifact, options);
  const name = metadata.get('name');
  const version = metadata.get('version');
  const problems: string[] = [];
  if (typeof name !== 'string' || !HEX_NAME.test(name))
    problems.push(`"name" ${JSON.stringify(name ?? null)} is not a Hex package name`);
  if (typeof version !== 'string' || !SEMVER.test(version))
    problems.push(`"version" ${JSON.stringify(version ?? null)} is not a semver version`);
  if (problems.length > 0)
    throw new InputError(
      'HEX_METADATA_INVALID',
      `${artifact.name}: metadata.config ${problems.join('; ')}`,
      { file: artifact.name, field: 'metadata.config' },
    );
  // purl-spec hex: the optional namespace is the hex.pm organization, which a
  // tarball does not record (it is where it is published); public packages have none.
  const n = name as string;
  const v = version as string;
  // A file named as Hex names tarballs must be the release it names.
  const fromFile = /^([a-z][a-z0-9_]*)-(\d[0-9A-Za-z.+-]*)\.tar$/.exec(artifact.name);
  if (fromFile && (fromFile[1] !== n || fromFile[2] !== v))
    throw new InputError(
      'HEX_NAME_MISMATCH',
      `${artifact.name}: the file name says ${fromFile[1]} ${fromFile[2]} but metadata.config says ${n} ${v}`,
      {
        file: artifact.name,
        field: 'metadata.config',
        hint: 'a renamed tarball is not the release it claims to be; publish the file `rebar3 hex build` / `mix hex.build` wrote',
      },
    );
  return { type: 'hex', name: n, version: v, purl: makePurl('hex', undefined, n, v) };
}

/** hexChecksums gives both checksums, as mix.lock writes them (lower-case hex). */
export async function hexChecksums(
  artifact: Artifact,
): Promise<{ inner: NativeDigest; outer: NativeDigest }> {
  const { innerChecksum } = await readHexTarball(artifact);
  const { digests } = await digestStream(artifact.open(), ['sha256']);
  return {
    inner: { algorithm: 'hex-inner-sha256', value: innerChecksum },
    outer: { algorithm: 'sha256', value: digests.sha256! },
  };
}

/**
 * digestHex is the outer checksum (SHA-256 of the file, lower-case hex): what
 * hex.pm serves as `outer_checksum` and lockfiles pin as the release's hash.
 */
export async function digestHex(artifact: Artifact): Promise<NativeDigest> {
  return (await hexChecksums(artifact)).outer;
}
