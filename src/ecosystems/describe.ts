/**
 * describeArtifact: everything signing and verifying need to know about a
 * file — which ecosystem, who it says it is, its sha256/sha512 and its
 * native digest — with as few passes over the bytes as the format allows.
 */
import { digestStream, sriFromHex, type DigestSet } from '../core/digest.js';
import { InputError } from '../core/errors.js';
import type {
  Artifact,
  EcosystemAdapter,
  EcosystemDescriptor,
  Identity,
  IdentifyOptions,
  NativeDigest,
} from './adapter.js';
import { contentCandidates, looksLikeArchive, type ContentCandidate } from './by-content.js';
import { descriptorForType, detectDescriptor, genericDescriptor } from './descriptors.js';

export interface ArtifactDescription {
  readonly adapter: EcosystemAdapter;
  readonly identity: Identity;
  readonly digests: DigestSet;
  readonly native: NativeDigest;
  /** The adapter's extraNatives (renv's Hash), when it has any. */
  readonly extraNatives?: readonly NativeDigest[];
}

export interface DescribeOptions extends IdentifyOptions {
  /** Force an ecosystem (the --type flag). */
  readonly type?: string;
}

async function head(artifact: Artifact): Promise<Uint8Array> {
  for await (const chunk of artifact.open()) return Buffer.from(chunk).subarray(0, 512);
  return new Uint8Array();
}

/**
 * chooseAdapter applies --type; else reads the archive's contents
 * ({@link contentCandidates}) and uses the file name only to break a tie;
 * else the file name alone; else generic when --name/--version were given.
 * Two readings that both fit throw `TYPE_AMBIGUOUS`, naming each and the file
 * that suggests it.
 */
export async function chooseAdapter(
  artifact: Artifact,
  options: DescribeOptions,
): Promise<EcosystemAdapter> {
  if (options.type !== undefined) return descriptorForType(options.type).load();
  const h = await head(artifact);
  // Only the chosen adapter is imported: detection runs on the light descriptors.
  const byContent = await chooseByContent(artifact, h, options);
  if (byContent) return byContent.load();
  const detected = detectDescriptor(artifact.name, h);
  if (detected) return detected.load();
  if (options.name !== undefined || options.version !== undefined) return genericDescriptor.load();
  const why = looksLikeArchive(h)
    ? ': it holds none of the files a package declares itself in (package.json, PKG-INFO, META.json, *.cabal, DESCRIPTION, Cargo.toml, …)'
    : '';
  throw new InputError(
    'TYPE_UNKNOWN',
    `cannot tell which package manager ${artifact.name} belongs to${why}`,
    {
      file: artifact.name,
      hint: 'pass --type TYPE, or --name NAME --version VERSION to treat it as a generic file',
    },
  );
}

async function chooseByContent(
  artifact: Artifact,
  h: Uint8Array,
  options: DescribeOptions,
): Promise<EcosystemDescriptor | undefined> {
  const found = await contentCandidates(artifact, h, options);
  const byType = new Map<string, ContentCandidate>();
  for (const c of found) if (!byType.has(c.type) || c.strength === 'sure') byType.set(c.type, c);
  let candidates = [...byType.values()];
  if (candidates.length === 0) return undefined;
  if (candidates.length > 1 && candidates.some((c) => c.strength === 'sure'))
    candidates = candidates.filter((c) => c.strength === 'sure');
  if (candidates.length > 1) {
    // The file name breaks the tie: a sure name match first, then a plausible one.
    for (const level of ['yes', 'maybe'] as const) {
      const named = candidates.filter(
        (c) => descriptorForType(c.type).detect(artifact.name, h) === level,
      );
      if (named.length === 1) {
        candidates = named;
        break;
      }
    }
  }
  if (candidates.length === 1) return descriptorForType(candidates[0]!.type);
  const readings = candidates.map(
    (c) => `${descriptorForType(c.type).displayName} (${c.evidence})`,
  );
  throw new InputError(
    'TYPE_AMBIGUOUS',
    `${artifact.name} could be ${readings.slice(0, -1).join(', ')} or ${readings[readings.length - 1]}`,
    {
      file: artifact.name,
      hint: `say which with --type ${candidates.map((c) => c.type).join(' or --type ')}`,
    },
  );
}

/** Native digests that are plain functions of sha256/sha512 need no extra pass. */
function nativeFromDigests(
  adapter: EcosystemAdapter,
  digests: DigestSet,
): NativeDigest | undefined {
  if (adapter.type === 'npm')
    return { algorithm: 'sri-sha512', value: sriFromHex('sha512', digests.sha512!) };
  if (adapter.type === 'generic') return { algorithm: 'sha256', value: digests.sha256! };
  return undefined;
}

export async function describeArtifact(
  artifact: Artifact,
  options: DescribeOptions = {},
): Promise<ArtifactDescription> {
  const adapter = await chooseAdapter(artifact, options);
  const identity = await adapter.identify(artifact, options);
  const { digests } = await digestStream((artifact.openTransient ?? artifact.open).call(artifact), [
    'sha256',
    'sha512',
  ]);
  const native = nativeFromDigests(adapter, digests) ?? (await adapter.digest(artifact));
  const extraNatives = adapter.extraNatives ? await adapter.extraNatives(artifact) : undefined;
  return { adapter, identity, digests, native, ...(extraNatives ? { extraNatives } : {}) };
}
