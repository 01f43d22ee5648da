/**
 * Safe streaming reader for tar and tar.gz archives (npm tarballs, sdists,
 * crates, gems' members, …), built on the `tar` package's parser.
 *
 * One pass, bounded memory: only the entries the caller selects are kept,
 * each up to `maxEntryBytes`; decompressed bytes are counted before the tar
 * parser sees them, so a gzip bomb stops at `maxTotalBytes`.
 */
import { Transform, Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { InputError } from '../core/errors.js';
import {
  archiveError,
  DEFAULT_ARCHIVE_LIMITS,
  linkEscapes,
  normalizeEntryPath,
  type ArchiveLimits,
} from './limits.js';

/** TarEntryInfo describes one entry as the reader saw it. */
export interface TarEntryInfo {
  /** Normalized relative path. */
  readonly path: string;
  /** The path as the archive spells it (before normalization): what other extractors see. */
  readonly rawPath?: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  readonly size: number;
  readonly linkTarget?: string;
  /** Unix permission bits. */
  readonly mode: number;
  /** The path or link target came from a pax or GNU extended header, not the entry's own header. */
  readonly extendedHeader?: true;
}

export interface ReadTarOptions {
  /** File name for messages. */
  readonly file: string;
  readonly limits?: Partial<ArchiveLimits>;
  /** Which regular files to keep in memory (by normalized path). */
  readonly select?: (entry: TarEntryInfo) => boolean;
  /** Called for every entry, in archive order. */
  readonly onEntry?: (entry: TarEntryInfo) => void;
  /** gzip: true, false, or 'auto' (sniff the magic bytes). Default 'auto'. */
  readonly gzip?: boolean | 'auto';
  /** What to do with a symlink or hardlink that points outside the tree: refuse (default) or report only. */
  readonly escapingLinks?: 'refuse' | 'allow';
  /** Also hash each selected file? No: callers hash what they keep. */
}

export interface TarContents {
  readonly entries: readonly TarEntryInfo[];
  /** Selected regular files, by normalized path. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** Decompressed size of the tar stream. */
  readonly totalBytes: number;
}

function entryType(e: ReadEntry): TarEntryInfo['type'] {
  switch (e.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** Counts bytes flowing through and fails once more than `max` have passed. */
class ByteBudget extends Transform {
  total = 0;
  constructor(
    private readonly max: number,
    private readonly file: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.max) {
      cb(
        archiveError(
          'ARCHIVE_TOO_LARGE',
          this.file,
          `decompresses to more than ${this.max} bytes (limit); a compression bomb or an oversized release`,
          'raise the limit only for archives you trust',
        ),
      );
      return;
    }
    cb(null, chunk);
  }
}

/** Peeks the first bytes of a stream to tell gzip from plain tar. */
async function sniffGzip(
  source: AsyncIterable<Uint8Array>,
): Promise<{ gzip: boolean; stream: Readable }> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return {
    gzip: head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b,
    stream: Readable.from(rest(), { objectMode: false }),
  };
}

/**
 * readTar reads a tar (optionally gzip-compressed) stream under limits.
 * Throws ArchiveError (an InputError) with a stable code for hostile or
 * broken archives; never an untyped exception for bad bytes.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  options: ReadTarOptions,
): Promise<TarContents> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const file = options.file;
  const { gzip: sniffed, stream } = await sniffGzip(source);
  const gzip = options.gzip === undefined || options.gzip === 'auto' ? sniffed : options.gzip;

  const entries: TarEntryInfo[] = [];
  const files = new Map<string, Buffer>();
  const budget = new ByteBudget(limits.maxTotalBytes, file);
  let failure: unknown;
  let sawEnd = false;
  const parser = new Parser({ strict: true });
  const abort = (err: unknown): void => {
    if (failure === undefined) failure = err;
    budget.destroy(err as Error);
  };

  parser.on('entry', (e: ReadEntry) => {
    if (failure !== undefined) return e.resume();
    try {
      if (entries.length >= limits.maxEntries) {
        throw archiveError(
          'ARCHIVE_TOO_MANY_ENTRIES',
          file,
          `holds more than ${limits.maxEntries} entries (limit)`,
        );
      }
      const type = entryType(e);
      const path = normalizeEntryPath(e.path, file);
      const info: TarEntryInfo = {
        path,
        rawPath: e.path,
        type,
        size: e.size ?? 0,
        mode: e.mode ?? 0,
        ...(e.linkpath ? { linkTarget: e.linkpath } : {}),
        ...(e.extended ? { extendedHeader: true as const } : {}),
      };
      if ((type === 'symlink' || type === 'hardlink') && options.escapingLinks !== 'allow') {
        // Hardlink targets are archive-root relative; symlinks are relative to their own folder.
        const escapes =
          type === 'hardlink'
            ? linkEscapes('x', e.linkpath ?? '')
            : linkEscapes(path, e.linkpath ?? '');
        if (escapes)
          throw archiveError(
            'ARCHIVE_LINK_ESCAPE',
            file,
            `${type} "${path}" points outside the archive (to "${e.linkpath}")`,
            'release archives must not link outside their own tree',
          );
      }
      entries.push(info);
      options.onEntry?.(info);
      if (type === 'file' && options.select?.(info)) {
        if (info.size > limits.maxEntryBytes) {
          throw archiveError(
            'ARCHIVE_ENTRY_TOO_LARGE',
            file,
            `entry "${path}" is ${info.size} bytes, more than the ${limits.maxEntryBytes}-byte limit for files Sigil reads`,
          );
        }
        const chunks: Buffer[] = [];
        e.on('data', (c: Buffer) => chunks.push(c));
        e.on('end', () => files.set(path, Buffer.concat(chunks)));
      } else {
        e.resume();
      }
    } catch (err) {
      e.resume();
      abort(err);
    }
  });
  parser.on('error', (err: Error) => abort(err));
  parser.on('warn', (code: string, message: string) => {
    // tar reports header problems as warnings; in a release archive they are fatal.
    if (code !== 'TAR_ENTRY_INFO')
      abort(archiveError('ARCHIVE_CORRUPT', file, `${message} (${code})`));
  });
  parser.on('end', () => {
    sawEnd = true;
  });

  const parsed = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('close', resolve);
  });
  try {
    // .pipe() does not forward errors; send every upstream error to the stage we read from.
    const decompressed = gzip ? stream.pipe(createGunzip()) : stream;
    stream.on('error', (err) => budget.destroy(err));
    decompressed.on('error', (err) => budget.destroy(err));
    for await (const chunk of decompressed.pipe(budget)) {
      if (failure !== undefined) break;
      // tar's parser is a Minipass stream: feed it by hand and honour its backpressure.
      if (!parser.write(chunk as Buffer)) await new Promise((r) => parser.once('drain', r));
    }
    if (failure === undefined) {
      parser.end();
      await parsed;
    }
  } catch (err) {
    if (failure !== undefined) throw translate(failure, file);
    throw translate(err, file);
  }
  if (failure !== undefined) throw translate(failure, file);
  if (!sawEnd && entries.length === 0)
    throw archiveError('ARCHIVE_CORRUPT', file, 'is not a tar archive');
  return { entries, files, totalBytes: budget.total };
}

function translate(err: unknown, file: string): Error {
  if (err instanceof InputError) return err; // an ArchiveError, or the caller's own refusal from onEntry
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '')) {
    return archiveError(
      'ARCHIVE_TRUNCATED',
      file,
      'is truncated (the compressed stream ends early)',
      'download the file again',
    );
  }
  if (e?.code === 'Z_DATA_ERROR' || e?.code?.startsWith?.('Z_')) {
    return archiveError(
      'ARCHIVE_CORRUPT',
      file,
      `gzip data is corrupt (${e.message})`,
      'download the file again',
    );
  }
  if (e?.code === 'TAR_BAD_ARCHIVE' || e?.code?.startsWith?.('TAR_')) {
    return archiveError(
      /truncat|end/i.test(e.message) ? 'ARCHIVE_TRUNCATED' : 'ARCHIVE_CORRUPT',
      file,
      `is not a valid tar archive (${e.message})`,
    );
  }
  return archiveError('ARCHIVE_CORRUPT', file, `cannot be read: ${e?.message ?? String(err)}`);
}
