/**
 * Identify a Julia package source tarball: the tree served by a Pkg server
 * (`/package/<uuid>/<git-tree-sha1>`, files at the root) or a release archive
 * with one top folder. `Project.toml` (or `JuliaProject.toml`) at the tree's
 * root gives `name`, `uuid`, `version`. purl-spec (types/julia-definition)
 * requires the `uuid` qualifier: `pkg:julia/Example@0.5.3?uuid=7876af07-…`.
 *
 * The native digest is the git tree hash of that tree, the `git-tree-sha1`
 * of the registry's Versions.toml and of Manifest.toml.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity, NativeDigest } from '../adapter.js';
import { openTar, topDirectory } from '../support/archive.js';
import { decodeUtf8, parseTomlObject } from '../support/text.js';
import { gitTreeSha1, newDir, type TreeNode } from './tree-hash.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JULIA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export interface JuliaPackageFacts extends Identity {
  readonly uuid: string;
  readonly treeHash: NativeDigest;
}

/** inspectJulia reads the whole tarball once: Project.toml and the tree hash. */
export async function inspectJulia(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<JuliaPackageFacts> {
  const file = artifact.name;
  const tar = await openTar(artifact, options, (e) => e.type === 'file' || e.type === 'hardlink');
  const root = newDir();
  const paths = tar.entries.map((e) => e.path).filter((p) => p !== '');
  const hasProject = (prefix: string) =>
    ['Project.toml', 'JuliaProject.toml'].find((n) => tar.files.has(`${prefix}${n}`));
  const top = topDirectory(paths);
  const prefix = hasProject('') !== undefined || top === undefined ? '' : `${top}/`;
  const projectName = hasProject(prefix);
  if (projectName === undefined) {
    throw new InputError(
      'JULIA_PROJECT_MISSING',
      `${file} has no Project.toml at its root${top ? ` or in ${top}/` : ''}`,
      { file, field: 'Project.toml', hint: 'a Julia package tree has Project.toml at its root' },
    );
  }
  const dirFor = (parts: string[], path: string): TreeNode & { kind: 'dir' } => {
    let d = root;
    for (const part of parts) {
      const found = d.children.get(part);
      const next: TreeNode = found ?? newDir();
      if (found === undefined) d.children.set(part, next);
      if (next.kind !== 'dir')
        throw new InputError(
          'ARCHIVE_CORRUPT',
          `${file}: "${path}" needs "${part}" to be a folder, but it is a file`,
          { file, field: path },
        );
      d = next;
    }
    return d;
  };
  for (const e of tar.entries) {
    if (!e.path.startsWith(prefix) || e.path === prefix.slice(0, -1)) continue;
    const rel = e.path.slice(prefix.length);
    if (rel === '') continue;
    const parts = rel.split('/');
    const leaf = parts.pop()!;
    const dir = dirFor(parts, e.path);
    const existing = dir.children.get(leaf);
    if (e.type === 'directory') {
      if (existing && existing.kind !== 'dir')
        throw new InputError(
          'ARCHIVE_DUPLICATE_ENTRY',
          `${file}: "${e.path}" is both a file and a folder`,
          { file, field: e.path },
        );
      dirFor([...parts, leaf], e.path);
      continue;
    }
    if (existing)
      throw new InputError(
        'ARCHIVE_DUPLICATE_ENTRY',
        `${file}: entry "${e.path}" occurs more than once`,
        { file, field: e.path },
      );
    if (e.type === 'file')
      dir.children.set(leaf, {
        kind: 'file',
        executable: (e.mode & 0o100) !== 0,
        content: tar.files.get(e.path) ?? Buffer.alloc(0),
      });
    else if (e.type === 'symlink')
      dir.children.set(leaf, { kind: 'symlink', target: e.linkTarget ?? '' });
    else if (e.type === 'hardlink') {
      const target = tar.files.get(e.linkTarget ?? '');
      if (!target)
        throw new InputError(
          'ARCHIVE_CORRUPT',
          `${file}: hardlink "${e.path}" points to "${e.linkTarget}", which is not an earlier file`,
          { file, field: e.path },
        );
      dir.children.set(leaf, { kind: 'file', executable: (e.mode & 0o100) !== 0, content: target });
    } else
      throw new InputError(
        'ARCHIVE_CORRUPT',
        `${file}: "${e.path}" is a special file; a package tree holds files, folders and symlinks only`,
        { file, field: e.path },
      );
  }
  const where = `${prefix}${projectName}`;
  const project = parseTomlObject(
    decodeUtf8(tar.files.get(where)!, file, where, 'JULIA_PROJECT_INVALID'),
    file,
    where,
    'JULIA_PROJECT_INVALID',
  );
  const { name, uuid, version } = project;
  const problems: string[] = [];
  if (typeof name !== 'string' || !JULIA_NAME.test(name))
    problems.push(`"name" ${JSON.stringify(name)} is not a Julia package name`);
  if (typeof uuid !== 'string' || !UUID.test(uuid))
    problems.push(`"uuid" ${JSON.stringify(uuid)} is not a UUID`);
  if (typeof version !== 'string' || !SEMVER.test(version))
    problems.push(`"version" ${JSON.stringify(version)} is not a semver version`);
  if (problems.length > 0)
    throw new InputError('JULIA_PROJECT_INVALID', `${file}: ${where}: ${problems.join('; ')}`, {
      file,
      field: where,
    });
  const u = (uuid as string).toLowerCase();
  return {
    type: 'julia',
    name: name as string,
    version: version as string,
    uuid: u,
    purl: makePurl('julia', undefined, name as string, version as string, { uuid: u }),
    treeHash: { algorithm: 'git-tree-sha1', value: gitTreeSha1(root) },
  };
}

export async function identifyJulia(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const f = await inspectJulia(artifact, options);
  return { type: f.type, name: f.name, version: f.version, purl: f.purl };
}
