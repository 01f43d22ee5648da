/**
 * describeArtifact: everything signing and verifying need to know about a
 * file — which ecosystem, who it says it is, its sha256/sha512 and its
 * native digest — with as few passes over the bytes as the format allows.
 */
import { digestStream, sriFromHex, type DigestSet } from '../core/digest.js';
import { InputError } from '../core/errors.js';
import type { Artifact, EcosystemAdapter, Identity, IdentifyOptions, NativeDigest } from './adapter.js';
import { genericAdapter } from './generic/index.js';
import { adapterForType, detectAdapter } from './index.js';

export interface ArtifactDescription {
  readonly adapter: EcosystemAdapter;
  readonly identity: Identity;
  readonly digests: DigestSet;
  readonly native: NativeDigest;
}

export interface DescribeOptions extends IdentifyOptions {
  /** Force an ecosystem (the --type flag). */
  readonly type?: string;
}

async function head(artifact: Artifact): Promise<Uint8Array> {
  for await (const chunk of artifact.open()) return Buffer.from(chunk).subarray(0, 512);
  return new Uint8Array();
}

/** chooseAdapter applies --type, else detection, else generic when --name/--version were given. */
export async function chooseAdapter(artifact: Artifact, options: DescribeOptions): Promise<EcosystemAdapter> {
  if (options.type !== undefined) return adapterForType(options.type);
  const detected = detectAdapter(artifact.name, await head(artifact));
  if (detected) return detected;
  if (options.name !== undefined || options.version !== undefined) return genericAdapter;
  throw new InputError('TYPE_UNKNOWN', `cannot tell which package manager ${artifact.name} belongs to`, {
    file: artifact.name,
    hint: 'pass --type TYPE, or --name NAME --version VERSION to treat it as a generic file',
  });
}

/** Native digests that are plain functions of sha256/sha512 need no extra pass. */
function nativeFromDigests(adapter: EcosystemAdapter, digests: DigestSet): NativeDigest | undefined {
  if (adapter.type === 'npm') return { algorithm: 'sri-sha512', value: sriFromHex('sha512', digests.sha512!) };
  if (adapter.type === 'generic') return { algorithm: 'sha256', value: digests.sha256! };
  return undefined;
}

export async function describeArtifact(artifact: Artifact, options: DescribeOptions = {}): Promise<ArtifactDescription> {
  const adapter = await chooseAdapter(artifact, options);
  const identity = await adapter.identify(artifact, options);
  const { digests } = await digestStream((artifact.openTransient ?? artifact.open).call(artifact), ['sha256', 'sha512']);
  const native = nativeFromDigests(adapter, digests) ?? (await adapter.digest(artifact));
  return { adapter, identity, digests, native };
}
