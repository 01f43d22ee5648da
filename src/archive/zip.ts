/**
 * Safe reader for zip archives (Go module zips, wheels, nupkg, jars, …),
 * built on yauzl. Zip needs random access (the central directory is at the
 * end), so the source is a Buffer or a file path.
 *
 * Entry count, declared and actual sizes, names and symlinks are checked
 * before any content is inflated; inflation stops at the byte budget.
 */
import yauzl from 'yauzl';
import {
  archiveError,
  ArchiveError,
  DEFAULT_ARCHIVE_LIMITS,
  linkEscapes,
  normalizeEntryPath,
  type ArchiveLimits,
} from './limits.js';

export interface ZipEntryInfo {
  /** Normalized relative path (directories end without "/"). */
  readonly path: string;
  /** The name exactly as stored (Go's h1: hash covers raw names). */
  readonly rawName: string;
  readonly type: 'file' | 'directory' | 'symlink';
  readonly size: number;
  readonly compressedSize: number;
  /** Unix permission bits from the external attributes (0 when the zip was not made on Unix). */
  readonly mode: number;
}

export interface ReadZipOptions {
  readonly file: string;
  readonly limits?: Partial<ArchiveLimits>;
  readonly select?: (entry: ZipEntryInfo) => boolean;
  readonly escapingLinks?: 'refuse' | 'allow';
}

export interface ZipContents {
  readonly entries: readonly ZipEntryInfo[];
  readonly files: ReadonlyMap<string, Buffer>;
}

function open(source: Buffer | { path: string }): Promise<yauzl.ZipFile> {
  const opts = {
    lazyEntries: true,
    validateEntrySizes: true,
    decodeStrings: true,
    autoClose: false,
  } as const;
  return new Promise((resolve, reject) => {
    const cb = (err: Error | null, zip?: yauzl.ZipFile) => (err ? reject(err) : resolve(zip!));
    if (Buffer.isBuffer(source)) yauzl.fromBuffer(source, opts, cb);
    else yauzl.open(source.path, opts, cb);
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (c: Buffer) => {
        total += c.length;
        if (total > max) stream.destroy(new Error(`entry exceeds ${max} bytes`));
        else chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** readZip lists a zip archive and loads the selected files, under limits. Throws ArchiveError for hostile or broken zips. */
export async function readZip(
  source: Buffer | { path: string },
  options: ReadZipOptions,
): Promise<ZipContents> {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const file = options.file;
  let zip: yauzl.ZipFile;
  try {
    zip = await open(source);
  } catch (e) {
    throw archiveError(
      'ARCHIVE_CORRUPT',
      file,
      `is not a readable zip archive (${(e as Error).message})`,
    );
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw archiveError(
        'ARCHIVE_TOO_MANY_ENTRIES',
        file,
        `holds ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`,
      );
    }
    const entries: ZipEntryInfo[] = [];
    const files = new Map<string, Buffer>();
    let declaredTotal = 0;
    const wanted: [ZipEntryInfo, yauzl.Entry][] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          const isDir = entry.fileName.endsWith('/');
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          const type: ZipEntryInfo['type'] = isDir
            ? 'directory'
            : mode === 0o120000
              ? 'symlink'
              : 'file';
          const path = normalizeEntryPath(entry.fileName, file);
          declaredTotal += entry.uncompressedSize;
          if (declaredTotal > limits.maxTotalBytes) {
            throw archiveError(
              'ARCHIVE_TOO_LARGE',
              file,
              `declares more than ${limits.maxTotalBytes} uncompressed bytes (limit); a zip bomb or an oversized release`,
            );
          }
          const info: ZipEntryInfo = {
            path,
            rawName: entry.fileName,
            type,
            size: entry.uncompressedSize,
            compressedSize: entry.compressedSize,
            mode: (entry.externalFileAttributes >>> 16) & 0o7777,
          };
          entries.push(info);
          if (type === 'file' && options.select?.(info)) {
            if (info.size > limits.maxEntryBytes)
              throw archiveError(
                'ARCHIVE_ENTRY_TOO_LARGE',
                file,
                `entry "${path}" is ${info.size} bytes, more than the ${limits.maxEntryBytes}-byte limit`,
              );
            wanted.push([info, entry]);
          }
          if (type === 'symlink' && options.escapingLinks !== 'allow') wanted.push([info, entry]);
          zip.readEntry();
        } catch (e) {
          reject(e);
        }
      });
      zip.readEntry();
    });
    for (const [info, entry] of wanted) {
      const data = await readEntry(zip, entry, Math.min(limits.maxEntryBytes, info.size));
      if (info.type === 'symlink') {
        if (linkEscapes(info.path, data.toString('utf8'))) {
          throw archiveError(
            'ARCHIVE_LINK_ESCAPE',
            file,
            `symlink "${info.path}" points outside the archive (to "${data.toString('utf8')}")`,
          );
        }
        if (!options.select?.(info)) continue;
      }
      files.set(info.path, data);
    }
    return { entries, files };
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    const msg = (e as Error).message ?? String(e);
    if (/invalid relative path|absolute path/i.test(msg))
      throw archiveError('ARCHIVE_PATH_TRAVERSAL', file, msg);
    throw archiveError(
      /end of central|truncat|unexpected EOF/i.test(msg) ? 'ARCHIVE_TRUNCATED' : 'ARCHIVE_CORRUPT',
      file,
      `cannot be read: ${msg}`,
    );
  } finally {
    zip.close();
  }
}
