/**
 * Archive access for ecosystem adapters: open an Artifact as a zip or a
 * tar(.gz) through the safe readers in src/archive, and find the one metadata
 * file an ecosystem puts at a known place.
 */
import { readTar, type TarContents, type TarEntryInfo } from '../../archive/tar.js';
import { readZip, type ZipContents, type ZipEntryInfo } from '../../archive/zip.js';
import { InputError } from '../../core/errors.js';
import type { Artifact, IdentifyOptions } from '../adapter.js';

/** isZipHead tells whether bytes start like a zip archive (local file header or empty archive). */
export function isZipHead(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 3 || head[2] === 5) &&
    (head[3] === 4 || head[3] === 6)
  );
}

/** isGzipHead tells whether bytes start with the gzip magic. */
export function isGzipHead(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** firstZipEntryName reads the name in the zip's first local file header, when the head holds it. */
export function firstZipEntryName(head: Uint8Array): string | undefined {
  if (!isZipHead(head) || head.length < 30 || head[2] !== 3) return undefined;
  const len = head[26]! | (head[27]! << 8);
  if (30 + len > head.length) return undefined;
  return Buffer.from(head.subarray(30, 30 + len)).toString('utf8');
}

/** openZip reads an artifact as a zip (by path when there is one, to avoid loading it twice). */
export async function openZip(
  artifact: Artifact,
  options: IdentifyOptions,
  select: (e: ZipEntryInfo) => boolean,
): Promise<ZipContents> {
  const source = artifact.path !== undefined ? { path: artifact.path } : await artifact.bytes();
  return readZip(source, {
    file: artifact.name,
    select,
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

/** openTar reads an artifact as a tar or tar.gz. */
export async function openTar(
  artifact: Artifact,
  options: IdentifyOptions,
  select: (e: TarEntryInfo) => boolean,
): Promise<TarContents> {
  return readTar(artifact.open(), {
    file: artifact.name,
    select,
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

/**
 * topDirectory returns the single top-level folder every entry sits in, or
 * undefined when entries sit at the root or in several folders.
 */
export function topDirectory(paths: readonly string[]): string | undefined {
  let top: string | undefined;
  for (const p of paths) {
    if (p === '') continue;
    const i = p.indexOf('/');
    const first = i < 0 ? p : p.slice(0, i);
    if (i < 0 && !paths.some((q) => q.startsWith(`${p}/`))) return undefined; // a file at the root
    if (top === undefined) top = first;
    else if (top !== first) return undefined;
  }
  return top;
}

/** findDuplicates returns the paths that occur more than once (an archive with two "METADATA" can say two things). */
export function findDuplicate(paths: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const p of paths) {
    if (seen.has(p)) return p;
    seen.add(p);
  }
  return undefined;
}

/** refuseDuplicates throws ARCHIVE_DUPLICATE_ENTRY when a file name repeats. */
export function refuseDuplicates(file: string, paths: readonly string[]): void {
  const dup = findDuplicate(paths);
  if (dup !== undefined) {
    throw new InputError(
      'ARCHIVE_DUPLICATE_ENTRY',
      `${file}: entry "${dup}" occurs more than once; which copy counts would depend on the tool`,
      {
        file,
        field: dup,
        hint: "rebuild the archive with the ecosystem's own tool",
      },
    );
  }
}

/** missingMetadata is the error for an archive that lacks the ecosystem's metadata file. */
export function missingMetadata(
  code: string,
  file: string,
  what: string,
  hint: string,
): InputError {
  return new InputError(code, `${file} has no ${what}`, { file, field: what, hint });
}
