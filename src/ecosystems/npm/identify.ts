/**
 * Identify an npm tarball (.tgz made by `npm pack`): its package.json lives in
 * the archive's single top folder (npm uses "package/", older tools used
 * other names, and npm itself accepts any single top folder). The manifest
 * read is exactly the one npm installs; ambiguous layouts are refused
 * (install-layout.ts).
 */
import { readTar } from '../../archive/tar.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { checkNpmLayout } from './install-layout.js';
import { checkNpmName, splitNpmName } from './name.js';

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** readNpmManifest returns the parsed package.json of an npm tarball. */
export async function readNpmManifest(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Record<string, unknown>> {
  const isManifest = (p: string) => /^[^/]+\/package\.json$/.test(p);
  const contents = await readTar(artifact.open(), {
    file: artifact.name,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => isManifest(e.path),
  });
  // The manifest npm installs, and only when that is unambiguous (install-layout.ts).
  const manifestEntry = checkNpmLayout(
    artifact.name,
    contents.entries.map((e) => ({ ...e, rawPath: e.rawPath ?? e.path })),
  );
  if (!manifestEntry) {
    throw new InputError(
      'NPM_MANIFEST_MISSING',
      `${artifact.name} has no package.json in its top folder (looked for package/package.json)`,
      {
        file: artifact.name,
        hint: 'is this an npm tarball? make one with `npm pack`, or sign other files with --type generic --name N --version V',
      },
    );
  }
  const text = contents.files
    .get(manifestEntry.path)!
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      'NPM_MANIFEST_INVALID',
      `${artifact.name}: ${manifestEntry.path} is not valid JSON (${(e as Error).message})`,
      {
        file: artifact.name,
        field: manifestEntry.path,
      },
    );
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new InputError(
      'NPM_MANIFEST_INVALID',
      `${artifact.name}: ${manifestEntry.path} must hold a JSON object`,
      { file: artifact.name, field: manifestEntry.path },
    );
  }
  return manifest as Record<string, unknown>;
}

/** identifyNpm gives the purl of an npm tarball from its package.json. */
export async function identifyNpm(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const manifest = await readNpmManifest(artifact, options);
  const name = manifest['name'];
  const version = manifest['version'];
  const problems: string[] = [];
  if (typeof name !== 'string') problems.push('"name" is missing or not a string');
  else {
    const bad = checkNpmName(name);
    if (bad) problems.push(`"name" ${JSON.stringify(name)} is not a valid npm name: ${bad}`);
  }
  if (typeof version !== 'string') problems.push('"version" is missing or not a string');
  else if (!SEMVER.test(version))
    problems.push(`"version" ${JSON.stringify(version)} is not a semver version`);
  if (problems.length > 0) {
    throw new InputError(
      'NPM_MANIFEST_INVALID',
      `${artifact.name}: package.json ${problems.join('; ')}`,
      { file: artifact.name, field: 'package.json' },
    );
  }
  const n = name as string;
  const v = (version as string).replace(/^v/, '');
  const { namespace, name: bare } = splitNpmName(n);
  const purl = makePurl('npm', namespace, bare, v);
  return namespace
    ? { type: 'npm', namespace, name: bare, version: v, purl }
    : { type: 'npm', name: bare, version: v, purl };
}
