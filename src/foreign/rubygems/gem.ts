/**
 * The structure of a `.gem` file, as RubyGems' `Gem::Package#verify` reads it.
 *
 * A gem is a tar of `metadata.gz` (the gzipped YAML `Gem::Specification`),
 * `data.tar.gz` (the files), `checksums.yaml.gz` (SHA256 and SHA512 hex
 * digests of the other members) and, when signed, one `<member>.sig` per
 * member (rubygems lib/rubygems/package.rb `verify_entry`, `read_checksums`,
 * `load_spec`; package/tar_writer.rb `add_file_signed`).
 */
import { gunzipSync } from 'node:zlib';
import { parseDocument } from 'yaml';
import { InputError } from '../../core/errors.js';
import { readGemTar, type TarMember } from './tar.js';

/** GemSpecSummary is what verification needs from the embedded `Gem::Specification`. */
export interface GemSpecSummary {
  readonly name: string;
  readonly version: string;
  /** `spec.cert_chain`: PEM certificates, root first, signer last. */
  readonly certChain: readonly string[];
}

/** GemPackage is a parsed `.gem`: its members and the parts of them verification needs. */
export interface GemPackage {
  /** Members in archive order. */
  readonly members: readonly TarMember[];
  readonly spec: GemSpecSummary;
  /** checksums.yaml.gz: algorithm → member name → hex digest; undefined when absent (old gems). */
  readonly checksums: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
  /** `<member>.sig` contents keyed by the signed member's name. */
  readonly signatures: ReadonlyMap<string, Uint8Array>;
  /** Names that occur more than once (RubyGems refuses these: "duplicate files in the package"). */
  readonly duplicates: readonly string[];
}

/** Bound on decompressed metadata and checksums (a gzip bomb in metadata.gz is refused). */
const MAX_YAML_BYTES = 8 * 1024 * 1024;

function gunzip(member: TarMember): Buffer {
  try {
    return gunzipSync(member.data, { maxOutputLength: MAX_YAML_BYTES });
  } catch (cause) {
    throw new InputError(
      'GEM_MALFORMED',
      `${member.name} is not valid gzip data or is larger than ${MAX_YAML_BYTES} bytes`,
      { cause, field: member.name },
    );
  }
}

function parseYaml(text: string, where: string): unknown {
  // Ruby writes local tags (!ruby/object:Gem::Version); yaml resolves unknown tags as plain maps.
  const doc = parseDocument(text, { logLevel: 'silent', uniqueKeys: false });
  if (doc.errors.length > 0)
    throw new InputError(
      'GEM_MALFORMED',
      `${where} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`,
      { field: where },
    );
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new InputError('GEM_MALFORMED', `${where} could not be read as YAML`, {
      cause,
      field: where,
    });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** parseGemSpec reads name, version and cert_chain from the YAML of a `Gem::Specification`. */
export function parseGemSpec(yamlText: string): GemSpecSummary {
  const spec = parseYaml(yamlText, 'metadata');
  const problems: string[] = [];
  if (!isRecord(spec))
    throw new InputError('GEM_MALFORMED', 'metadata is not a Gem::Specification mapping', {
      field: 'metadata',
    });
  const name = spec['name'];
  if (typeof name !== 'string' || name === '') problems.push('name is missing');
  const rawVersion = spec['version'];
  const version = isRecord(rawVersion) ? rawVersion['version'] : rawVersion;
  if (typeof version !== 'string' && typeof version !== 'number')
    problems.push('version is missing');
  const chain = spec['cert_chain'] ?? [];
  if (!Array.isArray(chain) || !chain.every((c) => typeof c === 'string'))
    problems.push('cert_chain is not a list of PEM strings');
  if (problems.length > 0)
    throw new InputError('GEM_MALFORMED', `metadata: ${problems.join('; ')}`, {
      field: 'metadata',
    });
  return { name: name as string, version: String(version), certChain: chain as string[] };
}

function parseChecksums(text: string): Record<string, Record<string, string>> {
  const doc = parseYaml(text, 'checksums.yaml.gz');
  if (!isRecord(doc))
    throw new InputError(
      'GEM_MALFORMED',
      'checksums.yaml.gz is not a mapping of algorithm to digests',
      { field: 'checksums.yaml.gz' },
    );
  const out: Record<string, Record<string, string>> = {};
  for (const [algorithm, digests] of Object.entries(doc)) {
    if (!isRecord(digests) || !Object.values(digests).every((d) => typeof d === 'string')) {
      throw new InputError(
        'GEM_MALFORMED',
        `checksums.yaml.gz: ${algorithm} is not a mapping of file to hex digest`,
        { field: 'checksums.yaml.gz' },
      );
    }
    out[algorithm] = digests as Record<string, string>;
  }
  return out;
}

/**
 * parseGem reads a `.gem` file's bytes.
 *
 * Throws {@link InputError}: `TAR_MALFORMED`/`TAR_TOO_LARGE` from the tar,
 * `GEM_MALFORMED` for missing or unreadable metadata, missing data.tar.gz,
 * or unreadable checksums — the cases where `Gem::Package#verify` raises
 * `FormatError`.
 */
export async function parseGem(bytes: Uint8Array): Promise<GemPackage> {
  const members = await readGemTar(bytes);
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const signatures = new Map<string, Uint8Array>();
  let specYaml: string | undefined;
  let checksums: Record<string, Record<string, string>> | undefined;
  for (const m of members) {
    if (seen.has(m.name)) duplicates.add(m.name);
    seen.add(m.name);
    if (m.name.endsWith('.sig')) {
      signatures.set(m.name.slice(0, -'.sig'.length), m.data);
    } else if (m.name === 'metadata.gz') {
      specYaml = gunzip(m).toString('utf8');
    } else if (m.name === 'metadata') {
      specYaml = Buffer.from(m.data).toString('utf8');
    } else if (m.name === 'checksums.yaml.gz') {
      checksums = parseChecksums(gunzip(m).toString('utf8'));
    }
  }
  if (specYaml === undefined)
    throw new InputError(
      'GEM_MALFORMED',
      'package metadata is missing (no metadata.gz member); is this a .gem file?',
    );
  if (!seen.has('data.tar.gz'))
    throw new InputError('GEM_MALFORMED', 'package content (data.tar.gz) is missing');
  return {
    members,
    spec: parseGemSpec(specYaml),
    checksums,
    signatures,
    duplicates: [...duplicates],
  };
}
