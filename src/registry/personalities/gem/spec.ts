/**
 * What the RubyGems personality needs from a .gem's Gem::Specification
 * (read from the gem's own metadata.gz, the bytes in the log), and its two
 * renderings: the compact index `/info/<name>` line (bundler, and `gem` ≥ 3
 * for resolution) and the Marshal'd specification of
 * `quick/Marshal.4.8/<name>-<version>.gemspec.rz` (`gem install`).
 */
import { InputError } from '../../../core/errors.js';
import { readGemSpec } from '../../../ecosystems/gem/identify.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { marshalDump, sym, type RubyValue } from './marshal.js';

export interface GemDependency {
  readonly name: string;
  /** [[op, version], …], e.g. [[">=", "1.0"], ["<", "2"]]. */
  readonly requirements: readonly (readonly [string, string])[];
  readonly type: 'runtime' | 'development';
}

export interface GemFacts {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
  readonly summary: string;
  readonly description: string | null;
  readonly authors: readonly string[];
  readonly email: string | readonly string[] | null;
  readonly homepage: string | null;
  readonly licenses: readonly string[];
  readonly dependencies: readonly GemDependency[];
  readonly requiredRubyVersion: readonly (readonly [string, string])[];
  readonly requiredRubygemsVersion: readonly (readonly [string, string])[];
  readonly metadata: Readonly<Record<string, string>>;
}

const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
const versionOf = (v: unknown): string =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? String((v as Record<string, unknown>)['version'] ?? '')
    : String(v ?? '');

/** requirementOf reads a YAML Gem::Requirement `{requirements: [[">=", {version: "0"}]]}`. */
function requirementOf(r: unknown): [string, string][] {
  const reqs =
    typeof r === 'object' && r !== null && !Array.isArray(r)
      ? (r as Record<string, unknown>)['requirements']
      : undefined;
  const out: [string, string][] = [];
  if (Array.isArray(reqs))
    for (const pair of reqs)
      if (Array.isArray(pair) && typeof pair[0] === 'string')
        out.push([pair[0], versionOf(pair[1])]);
  return out.length > 0 ? out : [['>=', '0']];
}

function platformOf(p: unknown): string {
  if (typeof p === 'string') return p;
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
    const { cpu, os, version } = p as Record<string, unknown>;
    return [cpu, os, version].filter((x) => typeof x === 'string' && x !== '').join('-') || 'ruby';
  }
  return 'ruby';
}

/** gemFacts reads the facts from .gem bytes (throws InputError). */
export async function gemFacts(filename: string, gem: Buffer): Promise<GemFacts> {
  const spec = await readGemSpec(memoryArtifact(filename, gem));
  const deps: GemDependency[] = [];
  for (const d of Array.isArray(spec['dependencies']) ? spec['dependencies'] : []) {
    if (typeof d !== 'object' || d === null) continue;
    const r = d as Record<string, unknown>;
    const name = str(r['name']);
    if (!name) continue;
    const type =
      String(r['type'] ?? ':runtime').replace(/^:/, '') === 'development'
        ? 'development'
        : 'runtime';
    deps.push({ name, requirements: requirementOf(r['requirement']), type });
  }
  const meta: Record<string, string> = {};
  if (typeof spec['metadata'] === 'object' && spec['metadata'] !== null)
    for (const [k, v] of Object.entries(spec['metadata'] as Record<string, unknown>))
      if (typeof v === 'string') meta[k] = v;
  const email = spec['email'];
  return {
    name: String(spec['name']),
    version: versionOf(spec['version']).trim(),
    platform: platformOf(spec['platform']),
    summary: str(spec['summary']) ?? '',
    description: str(spec['description']),
    authors: Array.isArray(spec['authors'])
      ? spec['authors'].filter((a): a is string => typeof a === 'string')
      : [],
    email:
      typeof email === 'string'
        ? email
        : Array.isArray(email)
          ? email.filter((e): e is string => typeof e === 'string')
          : null,
    homepage: str(spec['homepage']),
    licenses: Array.isArray(spec['licenses'])
      ? spec['licenses'].filter((l): l is string => typeof l === 'string')
      : [],
    dependencies: deps,
    requiredRubyVersion: requirementOf(spec['required_ruby_version']),
    requiredRubygemsVersion: requirementOf(spec['required_rubygems_version']),
    metadata: meta,
  };
}

const memo = new Map<string, GemFacts>();

export async function cachedGemFacts(
  sha256: string,
  filename: string,
  bytes: () => Promise<Buffer | undefined>,
): Promise<GemFacts | undefined> {
  const hit = memo.get(sha256);
  if (hit) return hit;
  const data = await bytes();
  if (!data) return undefined;
  let facts: GemFacts;
  try {
    facts = await gemFacts(filename, data);
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
  if (memo.size > 10_000) memo.clear();
  memo.set(sha256, facts);
  return facts;
}

/** fullName is RubyGems' `name-version[-platform]` (file and spec names). */
export function gemFullName(f: Pick<GemFacts, 'name' | 'version' | 'platform'>): string {
  return f.platform === 'ruby' ? `${f.name}-${f.version}` : `${f.name}-${f.version}-${f.platform}`;
}

const reqText = (rs: readonly (readonly [string, string])[]) =>
  rs.map(([op, v]) => `${op} ${v}`).join('&');

/**
 * infoLine is one version's line of the compact index `/info/<name>`
 * (github.com/rubygems/compact_index): `<version>[-<platform>] <dep>:<req>&<req>,…|checksum:<sha256>,ruby:<req>,rubygems:<req>`.
 */
export function infoLine(f: GemFacts, sha256: string): string {
  const v = f.platform === 'ruby' ? f.version : `${f.version}-${f.platform}`;
  const deps = f.dependencies
    .filter((d) => d.type === 'runtime')
    .map((d) => `${d.name}:${reqText(d.requirements)}`)
    .join(',');
  const reqs = [`checksum:${sha256}`];
  const ruby = reqText(f.requiredRubyVersion);
  if (ruby !== '>= 0') reqs.push(`ruby:${ruby}`);
  const rubygems = reqText(f.requiredRubygemsVersion);
  if (rubygems !== '>= 0') reqs.push(`rubygems:${rubygems}`);
  return `${v} ${deps}|${reqs.join(',')}`;
}

const gemVersion = (v: string): RubyValue => ({ $user: 'Gem::Version', data: [v] });
const gemRequirement = (rs: readonly (readonly [string, string])[]): RubyValue => ({
  $user: 'Gem::Requirement',
  data: [rs.map(([op, v]) => [op, gemVersion(v)])],
});

/**
 * marshalSpec is `Marshal.dump(spec)` of the Gem::Specification as
 * Gem::Specification#_dump writes it (rubygems specification.rb `_dump`/`_load`,
 * specification_version 4: 19 fields; `date` is given as "YYYY-MM-DD", which `date=` parses).
 */
export function marshalSpec(f: GemFacts, date: string): Buffer {
  const deps: RubyValue[] = f.dependencies.map((d) => ({
    $object: 'Gem::Dependency',
    ivars: [
      ['@name', d.name],
      ['@requirement', gemRequirement(d.requirements)],
      ['@type', sym(d.type)],
      ['@prerelease', false],
      ['@version_requirements', gemRequirement(d.requirements)],
    ],
  }));
  const fields: RubyValue[] = [
    '3.3.15', // rubygems_version
    4, // specification_version
    f.name,
    gemVersion(f.version),
    date.slice(0, 10),
    f.summary,
    gemRequirement(f.requiredRubyVersion),
    gemRequirement(f.requiredRubygemsVersion),
    f.platform, // original_platform
    deps,
    null, // rubyforge_project (removed)
    f.email === null ? null : typeof f.email === 'string' ? f.email : [...f.email],
    [...f.authors],
    f.description,
    f.homepage,
    true, // has_rdoc
    f.platform, // new_platform
    [...f.licenses],
    { $hash: Object.entries(f.metadata).map(([k, v]) => [k, v] as const) },
  ];
  return marshalDump({ $userDump: 'Gem::Specification', bytes: marshalDump(fields) });
}
