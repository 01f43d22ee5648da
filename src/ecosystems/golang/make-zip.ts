/**
 * makeModuleZip builds the zip of a module from a directory the way the go
 * command does (golang.org/x/mod/zip CreateFromDir, v0.7.0): the same files,
 * so the same `h1:` hash.
 *
 * Walk (listFilesInDir): skip .bzr/.git/.hg/.svn directories, nested
 * modules (a directory with its own go.mod), files in vendored packages
 * (vendor/modules.txt and other files directly in vendor/ stay) and
 * everything that is not a regular file (symlinks). Check (checkFiles):
 * clean, valid file paths; no case-fold collisions; go.mod spelled so;
 * size limits; `.hg_archival.txt` dropped. Any invalid file fails the whole
 * zip, as in Go. A module without go.mod is allowed (the proxy then serves
 * the synthesized "module <path>\n" as its .mod).
 *
 * This file reads the directory (I/O at the edge of the adapter, like
 * cli/files.ts); the rules are in zip-rules.ts.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { InputError } from '../../core/errors.js';
import { checkFilePath, checkModuleVersion } from './module.js';
import {
  CollisionChecker,
  isVendoredPackage,
  MAX_GO_MOD,
  MAX_LICENSE,
  MAX_ZIP_FILE,
} from './zip-rules.js';

/** ModuleFile is one file chosen for the zip: its slash path in the module and where it is on disk. */
export interface ModuleFile {
  readonly path: string;
  readonly diskPath: string;
  readonly size: number;
}

/** ModuleDirListing is what CreateFromDir would put in the zip, and what it leaves out and why. */
export interface ModuleDirListing {
  readonly files: readonly ModuleFile[];
  readonly omitted: readonly { path: string; reason: string }[];
}

const VCS_DIRS = new Set(['.bzr', '.git', '.hg', '.svn']);

/** walk is listFilesInDir: filepath.Walk order (names sorted bytewise). */
function walk(dir: string): {
  files: { path: string; diskPath: string; isRegular: boolean; size: number }[];
  omitted: { path: string; reason: string }[];
} {
  const files: { path: string; diskPath: string; isRegular: boolean; size: number }[] = [];
  const omitted: { path: string; reason: string }[] = [];
  const visit = (abs: string, rel: string): void => {
    const names = readdirSync(abs).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const diskPath = join(abs, name);
      const slashPath = rel === '' ? name : `${rel}/${name}`;
      if (isVendoredPackage(slashPath)) {
        omitted.push({ path: slashPath, reason: 'file is in vendor directory' });
        continue;
      }
      const st = lstatSync(diskPath);
      if (st.isDirectory()) {
        if (VCS_DIRS.has(name)) {
          omitted.push({ path: slashPath, reason: 'directory is a version control repository' });
          continue;
        }
        let sub = false;
        try {
          sub = !lstatSync(join(diskPath, 'go.mod')).isDirectory();
        } catch {
          /* no go.mod: part of this module */
        }
        if (sub) {
          omitted.push({ path: slashPath, reason: 'directory is in another module' });
          continue;
        }
        visit(diskPath, slashPath);
        continue;
      }
      if (!st.isFile()) {
        omitted.push({
          path: slashPath,
          reason: st.isSymbolicLink() ? 'file is a symbolic link' : 'not a regular file',
        });
        continue;
      }
      files.push({ path: slashPath, diskPath, isRegular: true, size: st.size });
    }
  };
  visit(dir, '');
  return { files, omitted };
}

/**
 * listModuleDir lists the files CreateFromDir would zip. Throws InputError
 * GO_MODULE_INVALID naming every invalid file, like Go's FileErrorList.
 */
export function listModuleDir(dir: string): ModuleDirListing {
  const walked = walk(dir);
  const omitted = [...walked.omitted];
  const invalid: { path: string; reason: string }[] = [];
  const haveGoMod = new Set<string>();
  for (const f of walked.files) {
    const slash = f.path.lastIndexOf('/');
    if (f.path.slice(slash + 1).toLowerCase() === 'go.mod')
      haveGoMod.add(f.path.slice(0, slash + 1));
  }
  const inSubmodule = (p: string): boolean => {
    for (let slash = p.lastIndexOf('/'); slash > 0; slash = p.lastIndexOf('/', slash - 1)) {
      if (haveGoMod.has(p.slice(0, slash + 1))) return true;
    }
    return false;
  };
  const collisions = new CollisionChecker();
  const files: ModuleFile[] = [];
  let budget = MAX_ZIP_FILE;
  let sizeError: string | undefined;
  for (const f of walked.files) {
    const p = f.path;
    if (inSubmodule(p)) {
      omitted.push({ path: p, reason: 'file is in another module' });
      continue;
    }
    if (p === '.hg_archival.txt') {
      omitted.push({ path: p, reason: "file is inserted by 'hg archive' and is always omitted" });
      continue;
    }
    const fp = checkFilePath(p);
    if (fp) {
      invalid.push({ path: p, reason: fp });
      continue;
    }
    if (p.toLowerCase() === 'go.mod' && p !== 'go.mod') {
      invalid.push({ path: p, reason: 'go.mod files must have lowercase names' });
      continue;
    }
    const c = collisions.check(p, false);
    if (c) {
      invalid.push({ path: p, reason: c });
      continue;
    }
    if (f.size <= budget) budget -= f.size;
    else sizeError ??= `module source tree too large (max size is ${MAX_ZIP_FILE} bytes)`;
    if (p === 'go.mod' && f.size > MAX_GO_MOD) {
      invalid.push({ path: p, reason: `go.mod file too large (max size is ${MAX_GO_MOD} bytes)` });
      continue;
    }
    if (p === 'LICENSE' && f.size > MAX_LICENSE) {
      invalid.push({
        path: p,
        reason: `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`,
      });
      continue;
    }
    files.push({ path: p, diskPath: f.diskPath, size: f.size });
  }
  if (invalid.length > 0 || sizeError) {
    const lines = [
      ...invalid.map((i) => `${i.path}: ${i.reason}`),
      ...(sizeError ? [sizeError] : []),
    ];
    throw new InputError(
      'GO_MODULE_INVALID',
      `${dir} cannot be made into a module zip:\n\t${lines.join('\n\t')}`,
      { file: dir, hint: 'rename or remove these files; the go command refuses the same' },
    );
  }
  return { files, omitted };
}

/**
 * writeZip writes a zip (deflated entries, UTF-8 names) from in-memory files.
 * Sizes stay below 4 GiB (module zips are ≤ 500 MiB).
 *
 * Hand-written on purpose, not a zip library: what must match Go is the file
 * list and contents (the `h1:` dirhash, checked against x/mod/zip in
 * test/go/modzip.test.ts), and no JavaScript writer can match Go's zip bytes.
 * Compared with CreateFromDir's output for the same module (Debian
 * golang-golang-x-mod-dev), the bytes differ at the first entry: Go writes
 * data descriptors (flag 0x08, sizes after the data) and its own
 * compress/flate stream (a non-final block, then an empty final one), while
 * yazl, archiver, adm-zip and jszip deflate with zlib or their own encoder.
 * A library would add a dependency for ~50 lines and still not be
 * byte-identical, so the go command's checks (paths, sizes, hash) are what we
 * match, here and in zip-rules.ts.
 */
export function writeZip(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const comp = deflateRawSync(data);
    const crc = crc32(data);
    const flags = /[^\x00-\x7f]/.test(e.name) ? 0x0800 : 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(comp.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(comp.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    parts.push(lh, name, comp);
    central.push(ch, name);
    offset += lh.length + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

/**
 * makeModuleZip is CreateFromDir: the zip of module@version from dir.
 * Throws InputError GO_MODULE_INVALID (bad path/version, invalid files, too large).
 */
export function makeModuleZip(dir: string, modulePath: string, version: string): Buffer {
  const mv = checkModuleVersion(modulePath, version);
  if (mv)
    throw new InputError('GO_MODULE_INVALID', mv, {
      hint: 'versions are canonical semver, e.g. v1.2.3; a module path looks like example.com/name[/vN]',
    });
  const { files } = listModuleDir(dir);
  const prefix = `${modulePath}@${version}/`;
  const zip = writeZip(
    files.map((f) => ({ name: prefix + f.path, data: readFileSync(f.diskPath) })),
  );
  if (zip.length > MAX_ZIP_FILE)
    throw new InputError(
      'GO_MODULE_INVALID',
      `module zip file is too large (${zip.length} bytes; limit is ${MAX_ZIP_FILE} bytes)`,
      { file: dir },
    );
  return zip;
}
