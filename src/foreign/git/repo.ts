/**
 * Reading a repository's objects with the real `git` (cat-file, rev-parse,
 * ls-tree): never a home-made pack parser. Every call has a size cap, and every
 * failure is an InputError that says what to do.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { ObjectFormat, TreeFile } from './tree.js';

/** Tag and commit objects (messages included) larger than this are refused. */
export const MAX_OBJECT_BYTES = 8 * 1024 * 1024;
const MAX_LISTING_BYTES = 512 * 1024 * 1024;

export interface GitObject {
  readonly oid: string;
  readonly type: 'commit' | 'tag' | 'tree' | 'blob';
  readonly bytes: Buffer;
}

export class GitRepo {
  private constructor(
    readonly path: string,
    readonly objectFormat: ObjectFormat,
  ) {}

  static open(path: string): GitRepo {
    try {
      statSync(path);
    } catch {
      throw new InputError('FILE_NOT_FOUND', `${path}: no such folder`, { file: path });
    }
    const probe = spawnSync('git', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0)
      throw new InputError(
        'GIT_MISSING',
        'verifying git tags and commits needs the `git` command',
        { hint: 'install git (apt-get install git)' },
      );
    const r = run(path, ['rev-parse', '--git-dir'], 1024 * 1024);
    if (r.status !== 0)
      throw new InputError(
        'GIT_NOT_A_REPOSITORY',
        `${path} is not a git repository (${firstLine(r.stderr)})`,
        { file: path, hint: 'give the folder of a clone, or its .git folder' },
      );
    const fmt = run(path, ['rev-parse', '--show-object-format'], 1024);
    const objectFormat =
      fmt.status === 0 && fmt.stdout.toString().trim() === 'sha256' ? 'sha256' : 'sha1';
    return new GitRepo(path, objectFormat);
  }

  /** resolve a revision to an object id, or undefined when it does not exist. */
  resolve(rev: string): string | undefined {
    if (rev.startsWith('-')) throw new InputError('USAGE', `"${rev}" is not a revision`);
    const r = run(
      this.path,
      ['rev-parse', '--verify', '--quiet', '--end-of-options', rev],
      1024 * 1024,
    );
    return r.status === 0 ? r.stdout.toString().trim() : undefined;
  }

  read(oid: string): GitObject {
    const t = run(this.path, ['cat-file', '-t', oid], 1024);
    if (t.status !== 0)
      throw new InputError(
        'GIT_OBJECT_MISSING',
        `${this.path}: object ${oid} does not exist (${firstLine(t.stderr)})`,
      );
    const type = t.stdout.toString().trim() as GitObject['type'];
    const size = Number(run(this.path, ['cat-file', '-s', oid], 1024).stdout.toString().trim());
    if (type !== 'blob' && size > MAX_OBJECT_BYTES) {
      throw new InputError(
        'GIT_OBJECT_TOO_LARGE',
        `${this.path}: ${type} ${oid} is ${size} bytes; tags and commits over ${MAX_OBJECT_BYTES} bytes are refused`,
      );
    }
    const r = run(this.path, ['cat-file', type, oid], Math.max(size + 1024, 1024));
    if (r.status !== 0)
      throw new InputError(
        'GIT_OBJECT_MISSING',
        `${this.path}: cannot read ${type} ${oid} (${firstLine(r.stderr)})`,
      );
    return { oid, type, bytes: r.stdout };
  }

  /** Every file of a tree, recursively: path, mode, blob id (submodules as 160000 entries). */
  listTree(treeish: string): TreeFile[] {
    const r = run(this.path, ['ls-tree', '-r', '-z', '--full-tree', treeish], MAX_LISTING_BYTES);
    if (r.status !== 0)
      throw new InputError(
        'GIT_OBJECT_MISSING',
        `${this.path}: cannot list tree ${treeish} (${firstLine(r.stderr)})`,
      );
    const out: TreeFile[] = [];
    for (const rec of r.stdout.toString('utf8').split('\0')) {
      if (rec === '') continue;
      const tab = rec.indexOf('\t');
      const [mode, , oid] = rec.slice(0, tab).split(' ') as [string, string, string];
      out.push({ mode, oid, path: rec.slice(tab + 1) });
    }
    return out;
  }

  /** The export-ignore / export-subst attributes git archive would apply, for these paths. */
  archiveAttributes(
    treeish: string,
    paths: readonly string[],
  ): Map<string, { exportIgnore: boolean; exportSubst: boolean }> {
    const out = new Map<string, { exportIgnore: boolean; exportSubst: boolean }>();
    if (paths.length === 0) return out;
    // The tree's own .gitattributes, read through a throw-away index (check-attr --source needs git 2.40).
    const tmp = mkdtempSync(join(tmpdir(), 'sigil-git-index-'));
    try {
      const env = { ...gitEnv(), GIT_INDEX_FILE: join(tmp, 'index') };
      const rt = spawnSync('git', ['-C', this.path, 'read-tree', treeish], { env });
      if (rt.status !== 0) return out;
      const r = spawnSync(
        'git',
        [
          '-C',
          this.path,
          'check-attr',
          '--cached',
          '-z',
          '--stdin',
          'export-ignore',
          'export-subst',
        ],
        {
          input: paths.join('\0') + '\0',
          maxBuffer: MAX_LISTING_BYTES,
          env,
        },
      );
      if (r.status !== 0) return out;
      parseAttributes(r.stdout, out);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return out;
  }
}

function parseAttributes(
  stdout: Buffer,
  out: Map<string, { exportIgnore: boolean; exportSubst: boolean }>,
): void {
  const f = stdout.toString('utf8').split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) {
    const [path, attr, value] = [f[i]!, f[i + 1]!, f[i + 2]!];
    const cur = out.get(path) ?? { exportIgnore: false, exportSubst: false };
    if (value === 'set') {
      if (attr === 'export-ignore') cur.exportIgnore = true;
      if (attr === 'export-subst') cur.exportSubst = true;
    }
    out.set(path, cur);
  }
}

function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
}

function run(
  repo: string,
  args: string[],
  maxBuffer: number,
): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('git', ['-C', repo, ...args], { maxBuffer, env: gitEnv() });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOBUFS')
      throw new InputError(
        'GIT_OBJECT_TOO_LARGE',
        `${repo}: git ${args[0]} answered more than ${maxBuffer} bytes`,
      );
    throw new InputError('GIT_FAILED', `${repo}: git ${args[0]} failed: ${r.error.message}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const firstLine = (s: string): string => s.trim().split('\n')[0] ?? '';
