/**
 * The adapter registry: every ecosystem Sigil knows, loaded eagerly (the
 * library surface, the registry). Detection without loading every adapter is
 * ./descriptors.ts; the two lists are kept equal by test/ecosystems/descriptors.test.ts.
 */
import { detectDescriptor, findByType } from './descriptors.js';
import type { EcosystemAdapter, LockfileReader } from './adapter.js';
import { genericAdapter } from './generic/index.js';
import { npmAdapter } from './npm/index.js';
import { cargoAdapter } from './cargo/index.js';
import { composerAdapter } from './composer/index.js';
import { cpanAdapter } from './cpan/index.js';
import { cranAdapter } from './cran/index.js';
import { golangAdapter } from './golang/index.js';
import { hackageAdapter } from './hackage/index.js';
import { juliaAdapter } from './julia/index.js';
import { pypiAdapter } from './pypi/index.js';
import { wordpressAdapter } from './wordpress/index.js';
import { bowerAdapter } from './bower/index.js';
import { carthageAdapter } from './carthage/index.js';
import { debAdapter } from './deb/index.js';
import { gemAdapter } from './gem/index.js';
import { hexAdapter } from './hex/index.js';
import { mavenAdapter } from './maven/index.js';
import { meteorAdapter } from './meteor/index.js';
import { nugetAdapter } from './nuget/index.js';
import { puppetAdapter } from './puppet/index.js';

export type {
  Artifact,
  EcosystemAdapter,
  Identity,
  IdentifyOptions,
  LockfileEntry,
  LockfileReader,
  LockfileSource,
  NativeDigest,
} from './adapter.js';

/** ADAPTERS in detection order; generic is last and only chosen explicitly or as a fallback. */
export const ADAPTERS: readonly EcosystemAdapter[] = [
  npmAdapter,
  // eco1: sure-by-name/magic first (.whl, .crate, Go zip prefix, CRAN "<pkg>_<ver>.tar.gz"), then the rest (--type).
  pypiAdapter,
  golangAdapter,
  cargoAdapter,
  cranAdapter,
  composerAdapter,
  cpanAdapter,
  wordpressAdapter,
  hackageAdapter,
  juliaAdapter,
  hexAdapter,
  gemAdapter,
  nugetAdapter,
  mavenAdapter,
  debAdapter,
  puppetAdapter,
  carthageAdapter,
  meteorAdapter,
  bowerAdapter,
  genericAdapter,
];

/** adapterForType finds an adapter by purl type (the --type flag). */
export function adapterForType(type: string): EcosystemAdapter {
  return findByType(ADAPTERS, type);
}

/**
 * detectAdapter picks the adapter for a file from its name and first bytes
 * (the descriptors' detection, see ./descriptors.ts): a sure match wins, then
 * a name match; otherwise undefined.
 */
export function detectAdapter(fileName: string, head: Uint8Array): EcosystemAdapter | undefined {
  const d = detectDescriptor(fileName, head);
  return d === undefined ? undefined : adapterForType(d.type);
}

/** lockfileReaderFor finds the reader for a lockfile by its file name. */
export function lockfileReaderFor(
  fileName: string,
): { adapter: EcosystemAdapter; reader: LockfileReader } | undefined {
  for (const adapter of ADAPTERS)
    for (const reader of adapter.lockfiles ?? [])
      if (reader.matches(fileName)) return { adapter, reader };
  return undefined;
}
