/**
 * Find one manifest file (bower.json, package.js, …) in a release archive:
 * a tar, tar.gz or zip (GitHub tag archives, `bower`'s own tarball
 * downloads), at the root or in the single top folder such archives use.
 * A bare manifest file (the artifact *is* bower.json) is also accepted.
 */
import { readTar } from '../../archive/tar.js';
import { readZip } from '../../archive/zip.js';
import { InputError } from '../../core/errors.js';
import type { Artifact, IdentifyOptions } from '../adapter.js';

export interface FoundManifest {
  readonly path: string;
  readonly text: string;
}

const MAX_BARE = 4 * 1024 * 1024;

export async function findManifest(
  artifact: Artifact,
  names: readonly string[],
  options: IdentifyOptions,
  code: string,
): Promise<FoundManifest> {
  const file = artifact.name;
  if (names.includes(file)) {
    if (artifact.size > MAX_BARE)
      throw new InputError(code, `${file} is larger than ${MAX_BARE} bytes`, { file });
    return { path: file, text: (await artifact.bytes()).toString('utf8').replace(/^\uFEFF/, '') };
  }
  const wanted = (p: string) => {
    const parts = p.split('/');
    return parts.length <= 2 && names.includes(parts[parts.length - 1]!);
  };
  const limits = options.limits ? { limits: options.limits } : {};
  const head = await firstBytes(artifact);
  let entries: readonly { path: string; type: string }[];
  let files: ReadonlyMap<string, Buffer>;
  if (head[0] === 0x50 && head[1] === 0x4b) {
    ({ entries, files } = await readZip(
      artifact.path ? { path: artifact.path } : await artifact.bytes(),
      { file, ...limits, select: (e) => wanted(e.path) },
    ));
  } else {
    ({ entries, files } = await readTar(artifact.open(), {
      file,
      ...limits,
      select: (e) => wanted(e.path),
    }));
  }
  const found = entries.filter((e) => e.type === 'file' && wanted(e.path));
  // Prefer the root, then the one top folder; several top folders is ambiguous.
  const root = found.filter((e) => !e.path.includes('/'));
  const pick = root.length > 0 ? root : found;
  for (const name of names) {
    const hits = pick.filter((e) => e.path.endsWith(name));
    if (hits.length > 1)
      throw new InputError(
        code,
        `${file}: ${name} appears in more than one place (${hits.map((e) => e.path).join(', ')})`,
        { file, field: name },
      );
    if (hits.length === 1)
      return {
        path: hits[0]!.path,
        text: files
          .get(hits[0]!.path)!
          .toString('utf8')
          .replace(/^\uFEFF/, ''),
      };
  }
  throw new InputError(
    code,
    `${file} has no ${names.join(' or ')} at its root or in its top folder`,
    { file, field: names[0]! },
  );
}

async function firstBytes(artifact: Artifact): Promise<Uint8Array> {
  for await (const chunk of artifact.open()) return chunk;
  return new Uint8Array(0);
}
