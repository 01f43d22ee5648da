/**
 * Every ecosystem Sigil knows, as choosing one needs it: type, display name,
 * file detection and lockfile names, with the adapter loaded on demand. This
 * file and the descriptors import no parser and no archive reader, so
 * `sigil verify <artifact>` loads the one adapter it uses (issue 14).
 * Adding an ecosystem = one folder (with descriptor.ts) + one line here and
 * one in ./index.ts (test/ecosystems/descriptors.test.ts keeps them equal).
 */
import { InputError } from '../core/errors.js';
import type { EcosystemAdapter, EcosystemDescriptor, LockfileFormat } from './adapter.js';
import { bowerDescriptor } from './bower/descriptor.js';
import { cargoDescriptor } from './cargo/descriptor.js';
import { carthageDescriptor } from './carthage/descriptor.js';
import { composerDescriptor } from './composer/descriptor.js';
import { cpanDescriptor } from './cpan/descriptor.js';
import { cranDescriptor } from './cran/descriptor.js';
import { debDescriptor } from './deb/descriptor.js';
import { gemDescriptor } from './gem/descriptor.js';
import { genericDescriptor } from './generic/descriptor.js';
import { golangDescriptor } from './golang/descriptor.js';
import { hackageDescriptor } from './hackage/descriptor.js';
import { hexDescriptor } from './hex/descriptor.js';
import { juliaDescriptor } from './julia/descriptor.js';
import { mavenDescriptor } from './maven/descriptor.js';
import { meteorDescriptor } from './meteor/descriptor.js';
import { npmDescriptor } from './npm/descriptor.js';
import { nugetDescriptor } from './nuget/descriptor.js';
import { puppetDescriptor } from './puppet/descriptor.js';
import { pypiDescriptor } from './pypi/descriptor.js';
import { wordpressDescriptor } from './wordpress/descriptor.js';

/** DESCRIPTORS in detection order; generic is last and only chosen explicitly or as a fallback. */
export const DESCRIPTORS: readonly EcosystemDescriptor[] = [
  npmDescriptor,
  // eco1: sure-by-name/magic first (.whl, .crate, Go zip prefix, CRAN "<pkg>_<ver>.tar.gz"), then the rest (--type).
  pypiDescriptor,
  golangDescriptor,
  cargoDescriptor,
  cranDescriptor,
  composerDescriptor,
  cpanDescriptor,
  wordpressDescriptor,
  hackageDescriptor,
  juliaDescriptor,
  hexDescriptor,
  gemDescriptor,
  nugetDescriptor,
  mavenDescriptor,
  debDescriptor,
  puppetDescriptor,
  carthageDescriptor,
  meteorDescriptor,
  bowerDescriptor,
  genericDescriptor,
];

export { genericDescriptor };

/** findByType picks the ecosystem of a purl type from a list (InputError UNKNOWN_TYPE naming the known ones). */
export function findByType<T extends { readonly type: string }>(
  list: readonly T[],
  type: string,
): T {
  const found = list.find((x) => x.type === type);
  if (!found) {
    throw new InputError('UNKNOWN_TYPE', `unknown package type "${type}"`, {
      hint: `known types: ${list.map((x) => x.type).join(', ')}`,
    });
  }
  return found;
}

/** descriptorForType finds an ecosystem by purl type (the --type flag). */
export function descriptorForType(type: string): EcosystemDescriptor {
  return findByType(DESCRIPTORS, type);
}

/** loadAdapterForType imports the adapter for a purl type (InputError UNKNOWN_TYPE when none). */
export function loadAdapterForType(type: string): Promise<EcosystemAdapter> {
  return descriptorForType(type).load();
}

/**
 * detectDescriptor picks the ecosystem for a file from its name and first
 * bytes: a sure match wins, then a name match; otherwise undefined (the caller
 * asks for --type, or falls back to generic when --name/--version were given).
 */
export function detectDescriptor(
  fileName: string,
  head: Uint8Array,
): EcosystemDescriptor | undefined {
  const specific = DESCRIPTORS.filter((d) => d !== genericDescriptor);
  return (
    specific.find((d) => d.detect(fileName, head) === 'yes') ??
    specific.find((d) => d.detect(fileName, head) === 'maybe')
  );
}

/** lockfileFormatFor finds the lockfile format a file name belongs to, without loading its reader. */
export function lockfileFormatFor(
  fileName: string,
): { descriptor: EcosystemDescriptor; format: LockfileFormat } | undefined {
  for (const descriptor of DESCRIPTORS)
    for (const format of descriptor.lockfileFormats)
      if (format.matches(fileName)) return { descriptor, format };
  return undefined;
}
