/**
 * Git object ids computed from content: blobs and trees, SHA-1 or SHA-256
 * object format. Used to compare a release archive with the tree a signed tag
 * names (file by file) and to compute Julia's git-tree-sha1. Pure.
 */
import { createHash } from 'node:crypto';

export type ObjectFormat = 'sha1' | 'sha256';

export function blobOid(content: Uint8Array, format: ObjectFormat = 'sha1'): string {
  return createHash(format).update(`blob ${content.length}\0`).update(content).digest('hex');
}

export interface TreeFile {
  /** Slash-separated path relative to the tree root. */
  readonly path: string;
  /** Git mode: 100644, 100755, 120000 (symlink), 160000 (submodule). */
  readonly mode: string;
  readonly oid: string;
}

interface Dir {
  files: Map<string, { mode: string; oid: string }>;
  dirs: Map<string, Dir>;
}

function insert(root: Dir, f: TreeFile): void {
  const parts = f.path.split('/');
  let d = root;
  for (const p of parts.slice(0, -1)) {
    let next = d.dirs.get(p);
    if (!next) d.dirs.set(p, (next = { files: new Map(), dirs: new Map() }));
    d = next;
  }
  d.files.set(parts[parts.length - 1]!, { mode: f.mode, oid: f.oid });
}

function hashDir(d: Dir, format: ObjectFormat): string {
  const entries: Array<{ name: string; sortKey: string; mode: string; oid: string }> = [];
  for (const [name, sub] of d.dirs)
    entries.push({ name, sortKey: `${name}/`, mode: '40000', oid: hashDir(sub, format) });
  for (const [name, f] of d.files) entries.push({ name, sortKey: name, mode: f.mode, oid: f.oid });
  // git sorts tree entries by name bytes, directories as if followed by "/".
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
  const body = Buffer.concat(
    entries.map((e) =>
      Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')]),
    ),
  );
  return createHash(format).update(`tree ${body.length}\0`).update(body).digest('hex');
}

/** treeOid is the id of the tree holding exactly these files (empty folders do not exist in git). */
export function treeOid(files: readonly TreeFile[], format: ObjectFormat = 'sha1'): string {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const f of files) insert(root, f);
  return hashDir(root, format);
}
