/**
 * Go's `h1:` hash (golang.org/x/mod/sumdb/dirhash Hash1, applied by HashZip to
 * a module zip): the SHA-256 of a summary made of one line per file,
 * `hex(sha256(content)) + "  " + name + "\n"`, lines sorted by name, names as
 * stored in the zip (so with the `<module>@<version>/` prefix), then base64.
 * The go.mod hash in go.sum (`<mod> <ver>/go.mod h1:…`) is Hash1 over the one
 * file name "go.mod" with the .mod file's bytes (cmd/go modfetch goModSum).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../core/errors.js';
import type { Artifact, IdentifyOptions, NativeDigest } from '../adapter.js';
import { openZip, refuseDuplicates } from '../support/archive.js';
import { MAX_ZIP_FILE } from './zip-rules.js';

/** hash1 is dirhash.Hash1 over (name, content) pairs. */
export function hash1(files: readonly { name: string; content: Uint8Array }[]): string {
  const lines = files.map((f) => {
    if (f.name.includes('\n'))
      throw new InputError(
        'GO_ZIP_INVALID',
        `file name ${JSON.stringify(f.name)} contains a newline`,
        { field: f.name },
      );
    return {
      name: f.name,
      line: `${createHash('sha256').update(f.content).digest('hex')}  ${f.name}\n`,
    };
  });
  // Go sorts with sort.Strings: byte order of the UTF-8 names.
  lines.sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')));
  const h = createHash('sha256');
  for (const l of lines) h.update(l.line, 'utf8');
  return `h1:${h.digest('base64')}`;
}

/** goModHash is the `/go.mod h1:` hash of a .mod file's bytes. */
export function goModHash(mod: Uint8Array): string {
  return hash1([{ name: 'go.mod', content: mod }]);
}

/** GoModuleZip is a module zip read fully, with the names Go hashes. */
export interface GoModuleZip {
  readonly files: readonly { name: string; path: string; content: Buffer }[];
  /** Every entry (directories and symlinks too), for the zip rules. */
  readonly entries: readonly {
    name: string;
    size: number;
    type: 'file' | 'directory' | 'symlink';
  }[];
}

/** readGoModuleZip loads every entry of a module zip (Go's own limit for a module zip is 500 MiB). */
export async function readGoModuleZip(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<GoModuleZip> {
  // Go's limits (x/mod/zip MaxZipFile): 500 MiB of content, any one file up to that.
  const limits = { maxTotalBytes: MAX_ZIP_FILE, maxEntryBytes: MAX_ZIP_FILE, ...options.limits };
  const zip = await openZip(artifact, { ...options, limits }, () => true);
  refuseDuplicates(
    artifact.name,
    zip.entries.map((e) => e.rawName),
  );
  const files = zip.entries.map((e) => {
    if (e.type === 'symlink') {
      throw new InputError(
        'GO_ZIP_INVALID',
        `${artifact.name}: "${e.path}" is a symlink; module zips hold regular files only`,
        { file: artifact.name, field: e.rawName },
      );
    }
    return { name: e.rawName, path: e.path, content: zip.files.get(e.path) ?? Buffer.alloc(0) };
  });
  return {
    files,
    entries: zip.entries.map((e) => ({ name: e.rawName, size: e.size, type: e.type })),
  };
}

/** digestGoZip is `h1:` of a module zip, the value go.sum records for `<mod> <ver>`. */
export async function digestGoZip(artifact: Artifact): Promise<NativeDigest> {
  const zip = await readGoModuleZip(artifact);
  return {
    algorithm: 'h1',
    value: hash1(zip.files.map((f) => ({ name: f.name, content: f.content }))),
  };
}
