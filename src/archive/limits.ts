/**
 * Limits for reading untrusted archives. Every reader in src/archive enforces
 * them while streaming, so a zip bomb or a gzip bomb fails after reading at
 * most `maxTotalBytes`, not after filling memory or disk.
 */
import { InputError } from '../core/errors.js';

export interface ArchiveLimits {
  /** Most entries an archive may hold. */
  readonly maxEntries: number;
  /** Most decompressed bytes in the whole archive (gzip/zip bomb guard). */
  readonly maxTotalBytes: number;
  /** Most bytes of one entry that Sigil will hold in memory. */
  readonly maxEntryBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntries: 200_000,
  maxTotalBytes: 2 * 1024 ** 3,
  maxEntryBytes: 64 * 1024 ** 2,
};

/** ArchiveError is an InputError about an archive; `code` says which rule it broke. */
export class ArchiveError extends InputError {}

/**
 * ArchiveErrorCode lists the stable codes:
 * ARCHIVE_PATH_TRAVERSAL, ARCHIVE_LINK_ESCAPE, ARCHIVE_TOO_MANY_ENTRIES,
 * ARCHIVE_TOO_LARGE, ARCHIVE_ENTRY_TOO_LARGE, ARCHIVE_TRUNCATED, ARCHIVE_CORRUPT.
 */
export type ArchiveErrorCode =
  | 'ARCHIVE_PATH_TRAVERSAL'
  | 'ARCHIVE_LINK_ESCAPE'
  | 'ARCHIVE_TOO_MANY_ENTRIES'
  | 'ARCHIVE_TOO_LARGE'
  | 'ARCHIVE_ENTRY_TOO_LARGE'
  | 'ARCHIVE_TRUNCATED'
  | 'ARCHIVE_CORRUPT';

export function archiveError(
  code: ArchiveErrorCode,
  file: string,
  message: string,
  hint?: string,
): ArchiveError {
  return new ArchiveError(
    code,
    `${file}: ${message}`,
    hint === undefined ? { file } : { file, hint },
  );
}

/**
 * normalizeEntryPath checks an entry name from an archive and returns it
 * with "./" prefixes and duplicate slashes removed. Absolute paths, drive
 * letters, backslashes that hide "..", and any ".." segment are refused:
 * Sigil never writes archives out, but a name with ".." means the archive was
 * made to attack an extractor, and a release like that is not one to sign.
 */
export function normalizeEntryPath(raw: string, file: string): string {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\0')) {
    throw archiveError(
      'ARCHIVE_PATH_TRAVERSAL',
      file,
      `entry "${raw}" has an absolute path`,
      'archives of releases hold relative paths only; rebuild the archive',
    );
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw archiveError(
      'ARCHIVE_PATH_TRAVERSAL',
      file,
      `entry "${raw}" climbs out of the archive with ".."`,
      'rebuild the archive without ../ entries',
    );
  }
  return parts.join('/');
}

/** linkEscapes tells whether a symlink at `entryPath` pointing to `target` resolves outside the archive root. */
export function linkEscapes(entryPath: string, target: string): boolean {
  const t = target.replace(/\\/g, '/');
  if (t.startsWith('/') || /^[A-Za-z]:/.test(t)) return true;
  const stack = entryPath.split('/').slice(0, -1);
  for (const part of t.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return true;
      stack.pop();
    } else stack.push(part);
  }
  return false;
}
