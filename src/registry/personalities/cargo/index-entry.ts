/**
 * The sparse-index line of a published crate, derived from the crate's own
 * normalized Cargo.toml (the bytes the log names), never from the publish
 * request's JSON: what cargo resolves is what the author packaged
 * (doc.rust-lang.org/cargo/reference/registry-index.html "JSON schema").
 *
 * A dependency's `registry` is null for "this registry" and the index URL of
 * another registry otherwise; a packaged manifest names a non-crates.io
 * registry as `registry-index`, and no `registry-index` means crates.io.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../../core/errors.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { openTar, topDirectory } from '../../../ecosystems/support/archive.js';
import { isRecord, parseTomlObject } from '../../../ecosystems/support/text.js';

export const CRATES_IO_INDEX = 'https://github.com/rust-lang/crates.io-index';

export interface IndexDep {
  name: string;
  req: string;
  features: string[];
  optional: boolean;
  default_features: boolean;
  target: string | null;
  kind: 'normal' | 'dev' | 'build';
  registry: string | null;
  package?: string;
}

export interface IndexEntry {
  name: string;
  vers: string;
  deps: IndexDep[];
  cksum: string;
  features: Record<string, string[]>;
  yanked: boolean;
  links: string | null;
  v: number;
  rust_version?: string;
}

/** Without cksum and yanked: what the crate's bytes say. */
export type CrateFacts = Omit<IndexEntry, 'cksum' | 'yanked'>;

const sameIndex = (a: string, b: string) =>
  a.replace(/^sparse\+/, '').replace(/\/+$/, '') === b.replace(/^sparse\+/, '').replace(/\/+$/, '');

function depsOf(
  table: unknown,
  kind: IndexDep['kind'],
  target: string | null,
  ownIndexes: readonly string[],
  problems: string[],
): IndexDep[] {
  if (!isRecord(table)) return [];
  const out: IndexDep[] = [];
  for (const [key, spec] of Object.entries(table)) {
    const s: Record<string, unknown> =
      typeof spec === 'string' ? { version: spec } : isRecord(spec) ? spec : {};
    if (typeof spec !== 'string' && !isRecord(spec)) {
      problems.push(`dependency "${key}" is neither a version string nor a table`);
      continue;
    }
    // Path and git dependencies are stripped by `cargo package` (dev-dependencies) or refused by it; skip what has no version.
    // A bare version is a caret requirement; write it as cargo's VersionReq prints it (crates.io does).
    const req =
      typeof s['version'] === 'string'
        ? s['version']
            .split(',')
            .map((p) => (/^\s*\d/.test(p) ? `^${p.trim()}` : p.trim()))
            .join(', ')
        : undefined;
    if (req === undefined) {
      if (kind !== 'dev')
        problems.push(
          `dependency "${key}" has no version (a published crate can only depend on registry crates)`,
        );
      continue;
    }
    const regIndex = typeof s['registry-index'] === 'string' ? s['registry-index'] : undefined;
    const registry =
      regIndex === undefined
        ? CRATES_IO_INDEX
        : ownIndexes.some((o) => sameIndex(o, regIndex))
          ? null
          : regIndex;
    const pkg = typeof s['package'] === 'string' ? s['package'] : undefined;
    out.push({
      name: key,
      req,
      features: Array.isArray(s['features'])
        ? s['features'].filter((f): f is string => typeof f === 'string')
        : [],
      optional: s['optional'] === true,
      default_features: s['default-features'] !== false && s['default_features'] !== false,
      target,
      kind,
      registry,
      ...(pkg !== undefined ? { package: pkg } : {}),
    });
  }
  return out;
}

/**
 * crateFacts reads the index facts from a .crate. `ownIndexes` are the URLs this registry's
 * index is known by (dependencies there get `registry: null`). Throws InputError.
 */
export async function crateFacts(
  filename: string,
  crate: Buffer,
  ownIndexes: readonly string[],
): Promise<CrateFacts> {
  const tar = await openTar(memoryArtifact(filename, crate), {}, (e) =>
    /^[^/]+\/Cargo\.toml$/.test(e.path),
  );
  const top = topDirectory(tar.entries.map((e) => e.path));
  const bytes = top === undefined ? undefined : tar.files.get(`${top}/Cargo.toml`);
  if (!bytes)
    throw new InputError(
      'CARGO_MANIFEST_MISSING',
      `${filename} has no <name>-<version>/Cargo.toml`,
      { file: filename },
    );
  const doc = parseTomlObject(
    Buffer.from(bytes).toString('utf8'),
    filename,
    'Cargo.toml',
    'CARGO_MANIFEST_INVALID',
  );
  const pkg = isRecord(doc['package']) ? doc['package'] : {};
  const problems: string[] = [];
  const deps = [
    ...depsOf(doc['dependencies'], 'normal', null, ownIndexes, problems),
    ...depsOf(doc['build-dependencies'], 'build', null, ownIndexes, problems),
    ...depsOf(doc['dev-dependencies'], 'dev', null, ownIndexes, problems),
  ];
  if (isRecord(doc['target'])) {
    for (const [target, t] of Object.entries(doc['target'])) {
      if (!isRecord(t)) continue;
      deps.push(
        ...depsOf(t['dependencies'], 'normal', target, ownIndexes, problems),
        ...depsOf(t['build-dependencies'], 'build', target, ownIndexes, problems),
        ...depsOf(t['dev-dependencies'], 'dev', target, ownIndexes, problems),
      );
    }
  }
  if (problems.length > 0)
    throw new InputError(
      'CARGO_MANIFEST_INVALID',
      `${filename}: Cargo.toml: ${problems.join('; ')}`,
      { file: filename, field: 'Cargo.toml' },
    );
  const features: Record<string, string[]> = {};
  if (isRecord(doc['features']))
    for (const [k, v] of Object.entries(doc['features']))
      features[k] = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  // Index format v2 (features2): needed when a feature uses `dep:` or `pkg?/feat` syntax.
  const v2 = Object.values(features).some((fs) =>
    fs.some((f) => f.startsWith('dep:') || f.includes('?/')),
  );
  const rust = typeof pkg['rust-version'] === 'string' ? pkg['rust-version'] : undefined;
  return {
    name: String(pkg['name']),
    vers: String(pkg['version']),
    deps,
    features,
    links: typeof pkg['links'] === 'string' ? pkg['links'] : null,
    v: v2 ? 2 : 1,
    ...(rust ? { rust_version: rust } : {}),
  };
}

const memo = new Map<string, CrateFacts>();

/** cachedCrateFacts: crateFacts once per (sha256, own index URLs). */
export async function cachedCrateFacts(
  sha256: string,
  filename: string,
  bytes: () => Promise<Buffer | undefined>,
  ownIndexes: readonly string[],
): Promise<CrateFacts | undefined> {
  const key = `${sha256} ${ownIndexes.join(' ')}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const data = await bytes();
  if (!data || createHash('sha256').update(data).digest('hex') !== sha256) return undefined;
  const facts = await crateFacts(filename, data, ownIndexes);
  if (memo.size > 10_000) memo.clear();
  memo.set(key, facts);
  return facts;
}
