/**
 * Archive access for ecosystem adapters: open an Artifact as a zip or a
 * tar(.gz) through the safe readers in src/archive, and find the one metadata
 * file an ecosystem puts at a known place.
 */
import { readTar, type TarContents, type TarEntryInfo } from '../../archive/tar.js';
import { readZip, type ZipContents, type ZipEntryInfo } from '../../archive/zip.js';
import { InputError } from '../../core/errors.js';
import type { Artifact, IdentifyOptions } from '../adapter.js';

// The magic-byte sniffers live apart so detection loads no archive reader.
export { firstZipEntryName, isGzipHead, isZipHead } from './magic.js';
export { topDirectory } from './top-directory.js';

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
