/**
 * Git tree hashing (git's object format, SHA-1), as Julia's Pkg computes
 * `git-tree-sha1` of an unpacked package or artifact (Pkg.GitTools.tree_hash):
 * - blob: sha1("blob <size>\0" + content); a symlink's blob is its target;
 * - tree: sha1("tree <size>\0" + entries), each entry `<mode> <name>\0<20-byte hash>`,
 *   mode 100644 (file), 100755 (any user-executable bit), 120000 (symlink), 40000 (tree);
 * - entries sort by name bytes, a directory's name compared as if it ended in "/";
 * - empty directories are left out (git cannot hold them) and ".git" is skipped.
 */
import { createHash } from 'node:crypto';

export type TreeNode =
  | { kind: 'dir'; children: Map<string, TreeNode> }
  | { kind: 'file'; executable: boolean; content: Uint8Array }
  | { kind: 'symlink'; target: string };

function gitObject(type: 'blob' | 'tree', body: Uint8Array): Buffer {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest();
}

/** newDir is an empty directory node. */
export function newDir(): TreeNode & { kind: 'dir' } {
  return { kind: 'dir', children: new Map() };
}

/** treeHash returns the raw 20-byte tree id of a directory node, or undefined for an empty tree that git would drop. */
function hashNode(node: TreeNode): { mode: string; id: Buffer } | undefined {
  if (node.kind === 'file')
    return { mode: node.executable ? '100755' : '100644', id: gitObject('blob', node.content) };
  if (node.kind === 'symlink')
    return { mode: '120000', id: gitObject('blob', Buffer.from(node.target, 'utf8')) };
  const entries: { name: string; key: Buffer; mode: string; id: Buffer }[] = [];
  for (const [name, child] of node.children) {
    if (name === '.git') continue;
    const h = hashNode(child);
    if (!h) continue;
    entries.push({
      name,
      key: Buffer.from(child.kind === 'dir' ? `${name}/` : name, 'utf8'),
      ...h,
    });
  }
  if (entries.length === 0) return undefined;
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  const body = Buffer.concat(
    entries.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), e.id]),
  );
  return { mode: '40000', id: gitObject('tree', body) };
}

/** gitTreeSha1 is the hex git tree id of a directory (the empty tree's id when it holds nothing). */
export function gitTreeSha1(root: TreeNode & { kind: 'dir' }): string {
  return (hashNode(root)?.id ?? gitObject('tree', new Uint8Array(0))).toString('hex');
}
