/**
 * Safe streaming reader for Unix `ar` archives, the outer container of a
 * Debian binary package (deb(5): "!<arch>\n", then members debian-binary,
 * control.tar.*, data.tar.*). Common ar format, with GNU ("name/") and BSD
 * ("#1/<len>") long-name spellings.
 *
 * One pass, bounded memory: only selected members are kept, each up to
 * `maxEntryBytes`; headers are checked before any member bytes are held, so
 * a member that claims 10 GB ("ar bomb") fails at its header.
 */
import {
  archiveError,
  DEFAULT_ARCHIVE_LIMITS,
  normalizeEntryPath,
  type ArchiveLimits,
} from './limits.js';

export const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');
const HEADER = 60;

export interface ArEntryInfo {
  /** Member name, without the GNU trailing "/". */
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  /** Byte offset of the member's data in the archive. */
  readonly offset: number;
}

export interface ReadArOptions {
  readonly file: string;
  readonly limits?: Partial<ArchiveLimits>;
  /** Which members to keep in memory. */
  readonly select?: (entry: ArEntryInfo) => boolean;
  /** Stop reading once every wanted member is in hand (returns early, entries listed so far). */
  readonly stopWhen?: (files: ReadonlyMap<string, Buffer>) => boolean;
}

export interface ArContents {
  readonly entries: readonly ArEntryInfo[];
  readonly files: ReadonlyMap<string, Buffer>;
  /** False when `stopWhen` ended the read before the end of the archive. */
  readonly complete: boolean;
}

/** isAr tells from the first bytes whether a file is an ar archive. */
export function isAr(head: Uint8Array): boolean {
  return head.length >= 8 && Buffer.from(head.subarray(0, 8)).equals(AR_MAGIC);
}

function field(header: Buffer, start: number, length: number): string {
  return header
    .subarray(start, start + length)
    .toString('latin1')
    .trimEnd();
}

function parseDecimal(text: string, what: string, file: string, member: string): number {
  if (!/^\d{1,12}$/.test(text))
    throw archiveError(
      'ARCHIVE_CORRUPT',
      file,
      `ar member "${member}" has a bad ${what} field "${text}"`,
    );
  return Number(text);
}

/**
 * readAr reads an ar archive from a stream under limits. Throws ArchiveError
 * (an InputError) with a stable code: ARCHIVE_CORRUPT (bad magic, bad
 * header), ARCHIVE_TRUNCATED, ARCHIVE_TOO_MANY_ENTRIES, ARCHIVE_TOO_LARGE,
 * ARCHIVE_ENTRY_TOO_LARGE, ARCHIVE_PATH_TRAVERSAL.
 */
export async function readAr(
  source: AsyncIterable<Uint8Array>,
  options: ReadArOptions,
): Promise<ArContents> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const file = options.file;
  const entries: ArEntryInfo[] = [];
  const files = new Map<string, Buffer>();

  let buf = Buffer.alloc(0);
  let pos = 0; // absolute offset of buf[0]
  let total = 0;
  const it = source[Symbol.asyncIterator]();
  let ended = false;

  /** ensure at least n bytes are buffered; false at end of stream. */
  async function fill(n: number): Promise<boolean> {
    const parts: Buffer[] = [buf];
    let have = buf.length;
    while (have < n && !ended) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      const chunk = Buffer.from(r.value);
      total += chunk.length;
      if (total > limits.maxTotalBytes)
        throw archiveError(
          'ARCHIVE_TOO_LARGE',
          file,
          `is larger than ${limits.maxTotalBytes} bytes (limit)`,
        );
      parts.push(chunk);
      have += chunk.length;
    }
    if (parts.length > 1) buf = Buffer.concat(parts);
    return buf.length >= n;
  }
  function take(n: number): Buffer {
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    pos += n;
    return out;
  }
  /** skip n bytes without holding them. */
  async function skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (buf.length === 0 && !(await fill(1))) return false;
      const k = Math.min(left, buf.length);
      take(k);
      left -= k;
    }
    return true;
  }

  if (!(await fill(8)) || !buf.subarray(0, 8).equals(AR_MAGIC)) {
    throw archiveError(
      'ARCHIVE_CORRUPT',
      file,
      'is not an ar archive (no "!<arch>" magic)',
      'a .deb starts with "!<arch>\\n"; download it again',
    );
  }
  take(8);

  for (;;) {
    if (!(await fill(1))) break; // clean end
    if (!(await fill(HEADER)))
      throw archiveError(
        'ARCHIVE_TRUNCATED',
        file,
        `is truncated (an ar member header at byte ${pos} is cut short)`,
        'download the file again',
      );
    const header = take(HEADER);
    if (header[58] !== 0x60 || header[59] !== 0x0a) {
      throw archiveError(
        'ARCHIVE_CORRUPT',
        file,
        `has a corrupt ar member header at byte ${pos - HEADER} (bad terminator)`,
      );
    }
    let name = field(header, 0, 16);
    const size0 = parseDecimal(field(header, 48, 10), 'size', file, name);
    const modeText = field(header, 40, 8);
    const mode = /^[0-7]{1,8}$/.test(modeText) ? parseInt(modeText, 8) : 0;
    let size = size0;
    if (entries.length >= limits.maxEntries)
      throw archiveError(
        'ARCHIVE_TOO_MANY_ENTRIES',
        file,
        `holds more than ${limits.maxEntries} members (limit)`,
      );
    if (size > limits.maxTotalBytes) {
      throw archiveError(
        'ARCHIVE_TOO_LARGE',
        file,
        `ar member "${name}" claims ${size} bytes, more than the ${limits.maxTotalBytes}-byte limit`,
      );
    }
    const bsd = /^#1\/(\d+)$/.exec(name);
    if (bsd) {
      const n = Number(bsd[1]);
      if (n > 4096 || n > size)
        throw archiveError(
          'ARCHIVE_CORRUPT',
          file,
          `ar member at byte ${pos - HEADER} has a bad BSD long name length ${n}`,
        );
      if (!(await fill(n)))
        throw archiveError('ARCHIVE_TRUNCATED', file, 'is truncated (inside a member name)');
      name = take(n).toString('utf8').replace(/\0+$/, '');
      size -= n;
    } else if (name === '/' || name === '//' || name === '/SYM64/') {
      // GNU symbol table and long-name table: not used by .deb; skip them.
      if (!(await skip(size + (size0 % 2))))
        throw archiveError('ARCHIVE_TRUNCATED', file, `is truncated (inside ar member "${name}")`);
      continue;
    } else if (name.endsWith('/')) {
      name = name.slice(0, -1);
    }
    if (name === '')
      throw archiveError(
        'ARCHIVE_CORRUPT',
        file,
        `has an ar member with an empty name at byte ${pos - HEADER}`,
      );
    const normalized = normalizeEntryPath(name, file);
    if (normalized !== name)
      throw archiveError(
        'ARCHIVE_PATH_TRAVERSAL',
        file,
        `ar member "${name}" is not a plain file name`,
      );
    const info: ArEntryInfo = { name, size, mode, offset: pos };
    entries.push(info);
    if (options.select?.(info)) {
      if (size > limits.maxEntryBytes) {
        throw archiveError(
          'ARCHIVE_ENTRY_TOO_LARGE',
          file,
          `ar member "${name}" is ${size} bytes, more than the ${limits.maxEntryBytes}-byte limit for members Sigil reads`,
        );
      }
      if (!(await fill(size)))
        throw archiveError(
          'ARCHIVE_TRUNCATED',
          file,
          `is truncated (ar member "${name}" should be ${size} bytes)`,
          'download the file again',
        );
      files.set(name, Buffer.from(take(size)));
      if (size0 % 2 === 1 && (await fill(1))) take(1);
      if (options.stopWhen?.(files)) {
        await it.return?.(); // release the underlying file handle
        return { entries, files, complete: false };
      }
    } else if (!(await skip(size + (size0 % 2 === 1 ? 1 : 0)))) {
      // A missing pad byte after the last member is tolerated by GNU ar; missing data is not.
      if (buf.length === 0 && ended && pos >= info.offset + size) break;
      throw archiveError(
        'ARCHIVE_TRUNCATED',
        file,
        `is truncated (ar member "${name}" should be ${size} bytes)`,
        'download the file again',
      );
    }
  }
  return { entries, files, complete: true };
}
