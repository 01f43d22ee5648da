/**
 * Identify a Puppet Forge module release: `<author>-<module>-<version>.tar.gz`
 * (what `pdk build` / `puppet module build` write) with one top folder holding
 * metadata.json: "name" is "author-module" (the Forge also accepts
 * "author/module"), "version" is SemVer.
 *
 * purl: the purl-spec has no puppet type; "puppet" is a candidate type
 * (PURL-TYPES.rst, "Other candidate types"). We use
 * pkg:puppet/<author>/<module>@<version>: the Forge's own split of a module
 * slug into owner and name.
 */
import { readTar } from '../../archive/tar.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** Forge module names: "author-module", author alphanumeric, module [a-z][a-z0-9_]* (puppet module_tool). */
const FORGE_NAME = /^([A-Za-z0-9]+)[-/]([a-z][a-z0-9_]*)$/;

export function parseForgeName(name: string): { author: string; module: string } | undefined {
  const m = FORGE_NAME.exec(name);
  return m ? { author: m[1]!.toLowerCase(), module: m[2]! } : undefined;
}

export async function identifyPuppet(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const isMeta = (p: string) => /^[^/]+\/metadata\.json$/.test(p);
  const contents = await readTar(artifact.open(), {
    file,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => isMeta(e.path),
  });
  const metas = contents.entries.filter((e) => e.type === 'file' && isMeta(e.path));
  if (metas.length === 0) {
    throw new InputError(
      'PUPPET_METADATA_MISSING',
      `${file} has no <module>/metadata.json in its top folder (is it a module built by \`pdk build\`?)`,
      { file, field: 'metadata.json' },
    );
  }
  if (metas.length > 1)
    throw new InputError(
      'PUPPET_METADATA_INVALID',
      `${file}: more than one top folder holds metadata.json (${metas.map((e) => e.path).join(', ')})`,
      { file, field: metas[1]!.path },
    );
  const path = metas[0]!.path;
  let meta: unknown;
  try {
    meta = JSON.parse(
      contents.files
        .get(path)!
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch (e) {
    throw new InputError(
      'PUPPET_METADATA_INVALID',
      `${file}: ${path} is not valid JSON (${(e as Error).message})`,
      { file, field: path },
    );
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw new InputError('PUPPET_METADATA_INVALID', `${file}: ${path} must hold a JSON object`, {
      file,
      field: path,
    });
  const { name, version } = meta as Record<string, unknown>;
  const parsed = typeof name === 'string' ? parseForgeName(name) : undefined;
  const problems: string[] = [];
  if (!parsed) problems.push(`"name" ${JSON.stringify(name ?? null)} is not "author-module"`);
  if (typeof version !== 'string' || !SEMVER.test(version))
    problems.push(`"version" ${JSON.stringify(version ?? null)} is not a semver version`);
  if (problems.length > 0)
    throw new InputError('PUPPET_METADATA_INVALID', `${file}: ${path} ${problems.join('; ')}`, {
      file,
      field: path,
    });
  const top = path.split('/')[0]!;
  const expected = `${parsed!.author}-${parsed!.module}-${version as string}`;
  if (top.toLowerCase() !== expected.toLowerCase()) {
    throw new InputError(
      'PUPPET_METADATA_CONTRADICTS',
      `${file}: top folder "${top}" contradicts metadata.json (name ${JSON.stringify(name)}, version ${JSON.stringify(version)}; expected "${expected}")`,
      {
        file,
        field: path,
        hint: 'rebuild the module with `pdk build`',
      },
    );
  }
  return {
    type: 'puppet',
    namespace: parsed!.author,
    name: parsed!.module,
    version: version as string,
    purl: makePurl('puppet', parsed!.author, parsed!.module, version as string),
  };
}
