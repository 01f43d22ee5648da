/**
 * Identify a RubyGems package (.gem): a plain tar holding metadata.gz (the
 * gzip-compressed YAML Gem::Specification), data.tar.gz and
 * checksums.yaml.gz (rubygems lib/rubygems/package.rb). The YAML carries
 * Ruby tags (!ruby/object:Gem::Specification, Gem::Version, …); they are read
 * as plain mappings, never turned into objects, and aliases are capped.
 */
import { gunzipSync } from 'node:zlib';
import { yamlLib } from '../support/lazy-libs.js';
import { readTar } from '../../archive/tar.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';

/** Gem names (rubygems specification_policy.rb VALID_NAME_PATTERN). */
const GEM_NAME = /^[a-zA-Z0-9.\-_]+$/;
/** Gem::Version::ANCHORED_VERSION_PATTERN. */
const GEM_VERSION = /^\s*[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$/;
const MAX_SPEC_BYTES = 16 * 1024 * 1024;

function fail(file: string, field: string, message: string, hint?: string): InputError {
  return new InputError(
    'GEM_METADATA_INVALID',
    `${file}: ${message}`,
    hint ? { file, field, hint } : { file, field },
  );
}

/** readGemSpec returns the Gem::Specification mapping of a .gem file. */
export async function readGemSpec(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Record<string, unknown>> {
  const file = artifact.name;
  const contents = await readTar(artifact.open(), {
    file,
    gzip: false,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => e.path === 'metadata.gz',
  });
  const count = contents.entries.filter((e) => e.path === 'metadata.gz').length;
  if (count > 1)
    throw fail(
      file,
      'metadata.gz',
      'holds metadata.gz twice',
      'a .gem made by `gem build` has each member once',
    );
  const gz = contents.files.get('metadata.gz');
  if (!gz) {
    throw new InputError(
      'GEM_METADATA_MISSING',
      `${file} has no metadata.gz (is it a .gem made by \`gem build\`?)`,
      { file, field: 'metadata.gz' },
    );
  }
  let yamlText: string;
  try {
    yamlText = gunzipSync(gz, { maxOutputLength: MAX_SPEC_BYTES }).toString('utf8');
  } catch (e) {
    throw fail(
      file,
      'metadata.gz',
      `metadata.gz is not valid gzip or is too large (${(e as Error).message})`,
    );
  }
  const doc = yamlLib().parseDocument(yamlText, {
    uniqueKeys: true,
    prettyErrors: false,
    logLevel: 'silent',
    version: '1.1',
  });
  if (doc.errors.length > 0)
    throw fail(
      file,
      'metadata.gz',
      `metadata is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`,
    );
  let spec: unknown;
  try {
    spec = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw fail(file, 'metadata.gz', `metadata cannot be read (${(e as Error).message})`);
  }
  const tag = doc.contents && 'tag' in doc.contents ? doc.contents.tag : undefined;
  if (
    typeof spec !== 'object' ||
    spec === null ||
    Array.isArray(spec) ||
    (tag !== undefined && tag !== '!ruby/object:Gem::Specification')
  ) {
    throw fail(file, 'metadata.gz', 'metadata is not a Gem::Specification mapping');
  }
  return spec as Record<string, unknown>;
}

/** gemVersionOf reads `version`, which is `!ruby/object:Gem::Version {version: "1.0"}` (or a plain string). */
function gemVersionOf(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v))
    return (v as Record<string, unknown>)['version'];
  return v;
}

/** platformOf reads `platform`: "ruby", a string, or a Gem::Platform {cpu, os, version}. */
function platformOf(p: unknown): string | undefined {
  if (p === undefined || p === null) return undefined;
  if (typeof p === 'string') return p;
  if (typeof p === 'object' && !Array.isArray(p)) {
    const { cpu, os, version } = p as Record<string, unknown>;
    return [cpu, os, version].filter((x) => typeof x === 'string' && x !== '').join('-');
  }
  return '';
}

/** identifyGem gives pkg:gem/<name>@<version>, with ?platform= for non-"ruby" platforms (purl-spec gem). */
export async function identifyGem(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const spec = await readGemSpec(artifact, options);
  const name = spec['name'];
  const version = gemVersionOf(spec['version']);
  const platform = platformOf(spec['platform']);
  const problems: string[] = [];
  if (typeof name !== 'string' || !GEM_NAME.test(name))
    problems.push(`"name" ${JSON.stringify(name ?? null)} is not a gem name`);
  if (typeof version !== 'string' && typeof version !== 'number')
    problems.push('"version" is missing');
  else if (!GEM_VERSION.test(String(version)))
    problems.push(`"version" ${JSON.stringify(version)} is not a gem version`);
  if (platform === '' || (platform !== undefined && !/^[A-Za-z0-9_.-]+$/.test(platform)))
    problems.push(`"platform" ${JSON.stringify(spec['platform'])} is not a gem platform`);
  if (problems.length > 0)
    throw fail(artifact.name, 'metadata.gz', `metadata ${problems.join('; ')}`);
  const n = name as string;
  const v = String(version).trim();
  const qualifiers = platform && platform !== 'ruby' ? { platform } : undefined;
  return { type: 'gem', name: n, version: v, purl: makePurl('gem', undefined, n, v, qualifiers) };
}
