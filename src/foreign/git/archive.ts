/**
 * Release archives checked against a signed tag's tree.
 *
 * Forges (GitHub, GitLab, Bitbucket) regenerate release archives and sign
 * none of them, so their bytes can't be compared; their *trees* can: every file
 * of the archive, hashed as a git blob with its git mode, must be exactly the
 * tree the signed tag names (`git archive` semantics: submodules are left out,
 * `export-ignore` paths are left out; `export-subst` files cannot be compared
 * and fail). A single top folder (`repo-v1.2.3/`) is stripped when that makes
 * the archive match the tree better.
 */
import { readFileSync } from 'node:fs';
import { readTar } from '../../archive/tar.js';
import { readZip } from '../../archive/zip.js';
import { InputError } from '../../core/errors.js';
import { fail, pass, warn, type Check } from '../../core/verdict.js';
import type { GitRepo } from './repo.js';
import { blobOid, treeOid, type ObjectFormat, type TreeFile } from './tree.js';

export interface ArchiveTree {
  readonly files: readonly TreeFile[];
  /** False when the archive format kept no Unix modes (zip made elsewhere): executable bits unknown. */
  readonly modesKnown: boolean;
}

const isZip = (b: Buffer): boolean => b.length >= 4 && b.readUInt32BE(0) === 0x504b0304;

/** readArchiveTree hashes every file of a tar(.gz) or zip archive as git would store it. */
export async function readArchiveTree(
  path: string,
  format: ObjectFormat = 'sha1',
): Promise<ArchiveTree> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new InputError('FILE_NOT_FOUND', `${path}: no such file`, { file: path });
  }
  const files: TreeFile[] = [];
  if (isZip(bytes)) {
    const z = await readZip(bytes, { file: path, select: () => true, escapingLinks: 'allow' });
    let modesKnown = true;
    for (const e of z.entries) {
      if (e.type === 'directory') continue;
      const content = z.files.get(e.path) ?? Buffer.alloc(0);
      if (e.mode === 0) modesKnown = false;
      const mode = e.type === 'symlink' ? '120000' : e.mode & 0o100 ? '100755' : '100644';
      files.push({ path: e.path, mode, oid: blobOid(content, format) });
    }
    return { files, modesKnown };
  }
  const t = await readTar(
    (async function* () {
      yield bytes;
    })(),
    {
      file: path,
      select: (e) => e.type === 'file' || e.type === 'hardlink',
      escapingLinks: 'allow',
    },
  );
  for (const e of t.entries) {
    if (e.type === 'directory' || e.type === 'other') continue;
    if (e.path === 'pax_global_header') continue;
    if (e.type === 'symlink') {
      files.push({
        path: e.path,
        mode: '120000',
        oid: blobOid(Buffer.from(e.linkTarget ?? '', 'utf8'), format),
      });
      continue;
    }
    const content =
      e.type === 'hardlink'
        ? (t.files.get(e.linkTarget ?? '') ?? Buffer.alloc(0))
        : (t.files.get(e.path) ?? Buffer.alloc(0));
    files.push({
      path: e.path,
      mode: e.mode & 0o100 ? '100755' : '100644',
      oid: blobOid(content, format),
    });
  }
  return { files, modesKnown: true };
}

export interface TreeDifference {
  readonly path: string;
  readonly kind: 'changed' | 'mode' | 'extra' | 'missing' | 'export-subst';
}

function stripTopFolder(files: readonly TreeFile[]): TreeFile[] | undefined {
  const first = files[0]?.path.split('/')[0];
  if (first === undefined || !files.every((f) => f.path.startsWith(`${first}/`))) return undefined;
  return files.map((f) => ({ ...f, path: f.path.slice(first.length + 1) }));
}

function differences(
  archive: readonly TreeFile[],
  tagFiles: readonly TreeFile[],
  modesKnown: boolean,
  ignored: Set<string>,
  subst: Set<string>,
): TreeDifference[] {
  const out: TreeDifference[] = [];
  const inArchive = new Map(archive.map((f) => [f.path, f]));
  for (const t of tagFiles) {
    if (t.mode === '160000' || ignored.has(t.path)) continue;
    const a = inArchive.get(t.path);
    inArchive.delete(t.path);
    if (!a) out.push({ path: t.path, kind: 'missing' });
    else if (a.oid !== t.oid)
      out.push({ path: t.path, kind: subst.has(t.path) ? 'export-subst' : 'changed' });
    else if (modesKnown && a.mode !== t.mode) out.push({ path: t.path, kind: 'mode' });
  }
  for (const p of inArchive.keys()) out.push({ path: p, kind: 'extra' });
  return out;
}

const DESCRIBE: Record<TreeDifference['kind'], string> = {
  changed: 'content differs from the tag',
  mode: 'file mode differs from the tag',
  extra: 'not in the tag',
  missing: 'in the tag but not in the archive',
  'export-subst':
    'marked export-subst: its content is rewritten by git archive and cannot be compared',
};

/** compareArchiveWithTree: the checks saying whether the archive holds exactly the tree. */
export async function compareArchiveWithTree(
  repo: GitRepo,
  tree: string,
  archivePath: string,
  label: string,
): Promise<{ checks: Check[]; differences: TreeDifference[] }> {
  const arch = await readArchiveTree(archivePath, repo.objectFormat);
  const tagFiles = repo.listTree(tree);
  const attrs = repo.archiveAttributes(
    tree,
    tagFiles.map((f) => f.path),
  );
  const ignored = new Set([...attrs].filter(([, a]) => a.exportIgnore).map(([p]) => p));
  const subst = new Set([...attrs].filter(([, a]) => a.exportSubst).map(([p]) => p));
  const plain = differences(arch.files, tagFiles, arch.modesKnown, ignored, subst);
  const strippedFiles = stripTopFolder(arch.files);
  const stripped = strippedFiles
    ? differences(strippedFiles, tagFiles, arch.modesKnown, ignored, subst)
    : undefined;
  const useStripped = stripped !== undefined && stripped.length < plain.length;
  const diffs = useStripped ? stripped : plain;
  const files = useStripped ? strippedFiles! : arch.files;
  const checks: Check[] = [];
  const submodules = tagFiles.filter((f) => f.mode === '160000').map((f) => f.path);
  if (diffs.length === 0) {
    const archiveTree = treeOid(files, repo.objectFormat);
    checks.push(
      pass(
        'archive-tree',
        'ARCHIVE_TREE_MATCHES',
        `${archivePath} holds exactly the tree of ${label} (${files.length} files${ignored.size ? `, ${ignored.size} export-ignore paths left out as git archive does` : ''})`,
        {
          tree,
          archiveTree,
          files: files.length,
        },
      ),
    );
  } else {
    const shown = diffs.slice(0, 20).map((d) => `${d.path}: ${DESCRIBE[d.kind]}`);
    checks.push(
      fail(
        'archive-tree',
        'ARCHIVE_TREE_MISMATCH',
        `${archivePath} is not the tree of ${label}: ${diffs.length} difference(s) — ${shown.join('; ')}${diffs.length > 20 ? '; …' : ''}`,
        {
          tree,
          differences: diffs,
        },
      ),
    );
  }
  if (submodules.length > 0)
    checks.push(
      warn(
        'submodules',
        'ARCHIVE_SUBMODULES_NOT_CHECKED',
        `${label} has submodules that archives leave out and that were not checked: ${submodules.join(', ')}`,
      ),
    );
  if (!arch.modesKnown)
    checks.push(
      warn(
        'modes',
        'ARCHIVE_MODES_UNKNOWN',
        `${archivePath} records no Unix file modes: executable bits were not compared`,
      ),
    );
  return { checks, differences: diffs };
}
