/**
 * A CPAN mirror of the `cpan` releases published to Sigil, in the layout cpanm
 * and CPAN.pm read:
 *
 *   authors/id/A/AU/AUTHOR/<Dist-1.0.tar.gz>      the logged bytes
 *   authors/id/A/AU/AUTHOR/CHECKSUMS              per author, clear-signed with the registry's OpenPGP key
 *   modules/02packages.details.txt(.gz)            package → distribution index
 *
 * CHECKSUMS is written as CPAN::Checksums writes it: a Perl hash `$cksum = {…};`
 * followed by `__END__`, inside an OpenPGP clear-signature, preceded by the line
 * `0&&<<''; # this PGP-signed message is also valid perl` (an empty-terminated
 * here-doc that swallows the armor header), so `cpanm --verify` (Safe->reval)
 * reads the whole file as Perl and gpgv reads it as a clear-signed message. Every sha256 in it is the
 * release record's sha256: the registry signs exactly the bytes the log describes.
 *
 * 02packages lists the packages a distribution provides: META.json/META.yml
 * `provides` when present, else one package per `lib/**.pm` file (Foo/Bar.pm →
 * Foo::Bar) at the distribution's version.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type * as openpgp from 'openpgp';
import { readTar } from '../../../archive/tar.js';
import { readZip } from '../../../archive/zip.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { bytesToIndex } from '../index-bytes.js';
import { releaseStamp } from '../release-stamp.js';
import { clearsign } from '../apt/openpgp-key.js';

export interface CpanOptions {
  readonly now: () => Date;
}

export interface CpanSnapshot {
  /** Every served file, by path relative to the mirror root, except the distributions. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** authors/id/… path → release. */
  readonly dists: ReadonlyMap<string, ReleaseRow>;
  readonly date: Date;
}

const SAFE_FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.(tar\.gz|tgz|tar\.bz2|zip)$/;
const PACKAGE = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z0-9_]+)*$/;

/** authorDir: A/AU/AUTHOR, as PAUSE lays out authors/id. */
export const authorDir = (author: string): string =>
  `${author.slice(0, 1)}/${author.slice(0, 2)}/${author}`;

/** distPathOf: authors/id/A/AU/AUTHOR/<file>, or undefined when the stored file name is not one a mirror can carry. */
export function distPathOf(row: ReleaseRow): string | undefined {
  const file = row.filename.split('/').pop() ?? '';
  if (!SAFE_FILE.test(file) || !/^[A-Z][A-Z0-9-]{1,8}$/.test(row.namespace)) return undefined;
  return `authors/id/${authorDir(row.namespace)}/${file}`;
}

/** Outside the signed text: makes the clear-signed file valid Perl (the here-doc ends at the blank line after "Hash:"). */
export const PERL_PREAMBLE = "0&&<<''; # this PGP-signed message is also valid perl\n";

const perlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** ChecksumsEntry: what a CHECKSUMS file says of one file. */
export interface ChecksumsEntry {
  readonly file: string;
  readonly md5: string | null;
  readonly mtime: string | null;
  readonly sha256: string;
  readonly size: number | null;
}

/** checksumsOf: the signed body of an author's CHECKSUMS (CPAN::Checksums' layout, keys sorted). */
export function checksumsOf(entries: readonly ChecksumsEntry[], date: Date): string {
  const lines = [`# CHECKSUMS file written on ${date.toUTCString()} by Sigil`, '$cksum = {'];
  const sorted = [...entries].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const [i, e] of sorted.entries()) {
    lines.push(
      `  ${perlString(e.file)} => {`,
      ...(e.md5 ? [`    'md5' => '${e.md5}',`] : []),
      ...(e.mtime ? [`    'mtime' => ${perlString(e.mtime)},`] : []),
      `    'sha256' => '${e.sha256}'${e.size !== null ? ',' : ''}`,
      ...(e.size !== null ? [`    'size' => ${e.size}`] : []),
      `  }${i < sorted.length - 1 ? ',' : ''}`,
    );
  }
  lines.push('};', '__END__', '');
  return lines.join('\n');
}

/** checksumsText: CHECKSUMS of releases logged here (every sha256 is the release record's). */
export function checksumsText(
  entries: readonly { file: string; row: ReleaseRow; md5: string }[],
  date: Date,
): string {
  return checksumsOf(
    entries.map((e) => ({
      file: e.file,
      md5: e.md5,
      mtime: e.row.publishedAt.slice(0, 10),
      sha256: e.row.sha256,
      size: e.row.size,
    })),
    date,
  );
}

/** providedPackages reads what a distribution provides, for 02packages (see the file comment). */
export async function providedPackages(
  row: ReleaseRow,
  bytes: Buffer,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const artifact = memoryArtifact(row.filename, bytes);
  const wanted = (p: string) => /^[^/]+\/META\.json$/.test(p) || /^[^/]+\/lib\/.+\.pm$/.test(p);
  const contents = /\.zip$/i.test(row.filename)
    ? await readZip(bytes, { file: row.filename, select: (e) => wanted(e.path) })
    : await readTar(artifact.open(), { file: row.filename, select: (e) => wanted(e.path) });
  const metaPath = [...contents.files.keys()].find((p) => p.endsWith('/META.json'));
  if (metaPath) {
    try {
      const provides = (
        JSON.parse(Buffer.from(contents.files.get(metaPath)!).toString('utf8')) as {
          provides?: Record<string, { version?: unknown }>;
        }
      ).provides;
      for (const [pkg, v] of Object.entries(provides ?? {}))
        if (PACKAGE.test(pkg)) out.set(pkg, typeof v?.version === 'string' ? v.version : 'undef');
    } catch {
      // identify already refused an unreadable META.json at publish; fall back to lib/
    }
  }
  if (out.size === 0) {
    for (const p of contents.files.keys()) {
      const m = /^[^/]+\/lib\/(.+)\.pm$/.exec(p);
      const pkg = m?.[1]!.split('/').join('::');
      if (pkg && PACKAGE.test(pkg)) out.set(pkg, row.version);
    }
  }
  return out;
}

/** packagesDetails writes 02packages.details.txt: the header, then one line per package. */
export function packagesDetails(
  rows: readonly { pkg: string; version: string; path: string }[],
  date: Date,
  url: string,
): string {
  // PAUSE's order, `sort { lc $a cmp lc $b }`: code points of the lower-cased names (and fast on
  // a 250,000-line upstream index, where localeCompare takes seconds).
  const keyed = rows.map((r) => ({ r, k: r.pkg.toLowerCase() }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const sorted = keyed.map((x) => x.r);
  const header = [
    'File:         02packages.details.txt',
    `URL:          ${url}/modules/02packages.details.txt`,
    'Description:  Package names found in directory $CPAN/authors/id/ (releases published to Sigil)',
    'Columns:      package name, version, path',
    'Intended-For: Automated fetch routines, namespace documentation.',
    'Written-By:   Sigil',
    `Line-Count:   ${sorted.length}`,
    `Last-Updated: ${date.toUTCString()}`,
    '',
  ];
  const body = sorted.map((r) => `${r.pkg.padEnd(30)} ${r.version.padStart(8)}  ${r.path}`);
  return `${[...header, ...body].join('\n')}\n`;
}

interface Entry {
  row: ReleaseRow;
  path: string;
  md5: string;
  packages: Map<string, string>;
}

export class CpanRepository {
  private cache: { key: string; snapshot: CpanSnapshot } | undefined;
  private building: Promise<CpanSnapshot> | undefined;
  private readonly entries = new Map<string, Entry | null>();

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly key: openpgp.PrivateKey,
    readonly options: CpanOptions,
  ) {}

  /** snapshot is rebuilt (and CHECKSUMS re-signed) only when the set of cpan releases changes. */
  async snapshot(baseUrl: string): Promise<CpanSnapshot> {
    const stamp = await releaseStamp(this.storage.releases, 'cpan');
    if (this.cache?.key === `${stamp}:${baseUrl}`) return this.cache.snapshot;
    this.building ??= this.build(baseUrl).finally(() => (this.building = undefined));
    return this.building;
  }

  private async entry(row: ReleaseRow): Promise<Entry | undefined> {
    const known = this.entries.get(row.purl);
    if (known !== undefined) return known ?? undefined;
    const path = distPathOf(row);
    const bytes = path ? await bytesToIndex(this.storage.blobs, row.sha256) : undefined;
    if (!path || !bytes) return undefined; // not offered (a blob that is gone is not cached as absent)
    let packages: Map<string, string>;
    try {
      packages = await providedPackages(row, bytes);
    } catch {
      packages = new Map();
    }
    const e = { row, path, md5: createHash('md5').update(bytes).digest('hex'), packages };
    this.entries.set(row.purl, e);
    return e;
  }

  private async build(baseUrl: string): Promise<CpanSnapshot> {
    const rows = await this.storage.releases.ofType('cpan');
    const key = `${rows.length}:${baseUrl}`;
    const date = this.options.now();
    const entries = (await Promise.all(rows.map((r) => this.entry(r)))).filter(
      (e): e is Entry => e !== undefined,
    );
    const files = new Map<string, Buffer>();
    const byAuthor = new Map<string, Entry[]>();
    for (const e of entries)
      byAuthor.set(e.row.namespace, [...(byAuthor.get(e.row.namespace) ?? []), e]);
    for (const [author, list] of byAuthor) {
      const text = checksumsText(
        list.map((e) => ({ file: e.path.split('/').pop()!, row: e.row, md5: e.md5 })),
        date,
      );
      files.set(
        `authors/id/${authorDir(author)}/CHECKSUMS`,
        Buffer.from(`${PERL_PREAMBLE}${await clearsign(this.key, text, date)}`, 'utf8'),
      );
    }
    // one line per package: the newest release that provides it
    const latest = new Map<string, { pkg: string; version: string; path: string }>();
    for (const e of entries)
      for (const [pkg, version] of e.packages)
        latest.set(pkg, { pkg, version, path: e.path.slice('authors/id/'.length) });
    const details = Buffer.from(
      packagesDetails([...latest.values()], date, `${baseUrl}/cpan`),
      'utf8',
    );
    files.set('modules/02packages.details.txt', details);
    files.set('modules/02packages.details.txt.gz', gzipSync(details, { level: 9 }));
    const snapshot: CpanSnapshot = {
      files,
      dists: new Map(entries.map((e) => [e.path, e.row])),
      date,
    };
    this.cache = { key, snapshot };
    return snapshot;
  }
}
