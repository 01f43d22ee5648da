/**
 * The rules of a module zip (golang.org/x/mod/zip, v0.7.0 package doc,
 * checkFiles and checkZip): what the go command accepts when it downloads a
 * zip, and what it puts in one when it creates it.
 *
 * - every name starts with "<module>@<version>/"; the module path is valid
 *   (module.CheckPath), the version canonical and matching the path's major
 *   suffix (module.Check); each file path is valid (module.CheckFilePath);
 * - no two names are equal under Unicode case folding; no name is both a
 *   file and a directory; no file appears twice;
 * - go.mod only at the root and spelled "go.mod";
 * - at most MAX_ZIP_FILE bytes of zip and of uncompressed content; go.mod
 *   and LICENSE at most MAX_GO_MOD / MAX_LICENSE bytes;
 * - regular files only (no symlinks).
 */
import { checkFilePath, checkModuleVersion } from './module.js';

/** MAX_ZIP_FILE is zip.MaxZipFile: the largest module zip, and the most uncompressed content, in bytes (500 MiB). */
export const MAX_ZIP_FILE = 500 * 1024 * 1024;
/** MAX_GO_MOD is zip.MaxGoMod: the largest go.mod in a module zip (16 MiB). */
export const MAX_GO_MOD = 16 * 1024 * 1024;
/** MAX_LICENSE is zip.MaxLICENSE: the largest LICENSE in a module zip (16 MiB). */
export const MAX_LICENSE = 16 * 1024 * 1024;

/** ZipRuleEntry is one entry of a module zip as the rules see it. */
export interface ZipRuleEntry {
  /** The raw name in the zip. */
  readonly name: string;
  readonly size: number;
  readonly type: 'file' | 'directory' | 'symlink';
}

/** ZipProblem is one broken rule: the entry and why. */
export interface ZipProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * strToFold maps s to a representative of its case-folding class
 * (zip.strToFold): equal results iff strings.EqualFold. Lower-casing the
 * upper-cased string matches Go's simple folding for the scripts module
 * file names may use.
 */
export function strToFold(s: string): string {
  return s.toUpperCase().toLowerCase();
}

/** CollisionChecker is zip.collisionChecker: case-fold collisions, file/directory clashes and repeats, parents included. */
export class CollisionChecker {
  private readonly seen = new Map<string, { path: string; isDir: boolean }>();

  check(p: string, isDir: boolean): string | undefined {
    const fold = strToFold(p);
    const other = this.seen.get(fold);
    if (other) {
      if (p !== other.path)
        return `case-insensitive file name collision: "${other.path}" and "${p}"`;
      if (isDir !== other.isDir) return `entry "${p}" is both a file and a directory`;
      if (!isDir) return `multiple entries for file "${p}"`;
    } else {
      this.seen.set(fold, { path: p, isDir });
    }
    const slash = p.lastIndexOf('/');
    return slash > 0 ? this.check(p.slice(0, slash), true) : undefined;
  }
}

function isClean(p: string): boolean {
  return !p.split('/').some((e) => e === '' || e === '.' || e === '..');
}

/**
 * checkModuleZip applies the rules to the entries of a zip for
 * module@version (zip.checkZip). Returns every problem found; empty means
 * the go command accepts the zip.
 */
export function checkModuleZip(
  modulePath: string,
  version: string,
  zipSize: number,
  entries: readonly ZipRuleEntry[],
): ZipProblem[] {
  const mv = checkModuleVersion(modulePath, version);
  if (mv) return [{ path: `${modulePath}@${version}`, reason: mv }];
  if (zipSize > MAX_ZIP_FILE)
    return [
      {
        path: '',
        reason: `module zip file is too large (${zipSize} bytes; limit is ${MAX_ZIP_FILE} bytes)`,
      },
    ];
  const problems: ZipProblem[] = [];
  const prefix = `${modulePath}@${version}/`;
  const collisions = new CollisionChecker();
  let total = 0;
  let sizeError = false;
  for (const e of entries) {
    const bad = (reason: string): void => {
      problems.push({ path: e.name, reason });
    };
    if (!e.name.startsWith(prefix)) {
      bad(`path does not have prefix "${prefix}"`);
      continue;
    }
    let name = e.name.slice(prefix.length);
    if (name === '') continue;
    const isDir = name.endsWith('/');
    if (isDir) name = name.slice(0, -1);
    if (!isClean(name)) {
      bad('file path is not clean');
      continue;
    }
    const fp = checkFilePath(name);
    if (fp) {
      bad(fp);
      continue;
    }
    const c = collisions.check(name, isDir || e.type === 'directory');
    if (c) {
      bad(c);
      continue;
    }
    if (isDir || e.type === 'directory') continue;
    if (e.type === 'symlink') {
      bad('file is a symbolic link; module zips hold regular files only');
      continue;
    }
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (base.toLowerCase() === 'go.mod') {
      if (base !== name) {
        bad('go.mod file not in module root directory');
        continue;
      }
      if (name !== 'go.mod') {
        bad('go.mod files must have lowercase names');
        continue;
      }
    }
    if (e.size >= 0 && MAX_ZIP_FILE - total >= e.size) total += e.size;
    else if (!sizeError) {
      sizeError = true;
      problems.push({
        path: '',
        reason: `total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`,
      });
    }
    if (name === 'go.mod' && e.size > MAX_GO_MOD)
      bad(`go.mod file too large (max size is ${MAX_GO_MOD} bytes)`);
    else if (name === 'LICENSE' && e.size > MAX_LICENSE)
      bad(`LICENSE file too large (max size is ${MAX_LICENSE} bytes)`);
  }
  return problems;
}

/**
 * isVendoredPackage is zip.isVendoredPackage, bug for bug (golang.org/issue/31562):
 * files directly in vendor/ (vendor/modules.txt) stay, deeper ones go.
 */
export function isVendoredPackage(name: string): boolean {
  let i = 0;
  if (name.startsWith('vendor/')) i += 'vendor/'.length;
  else if (name.includes('/vendor/')) i += '/vendor/'.length;
  else return false;
  return name.slice(i).includes('/');
}
