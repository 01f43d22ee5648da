/**
 * A hackage-security repository of the `hackage` releases published to Sigil:
 *
 *   root.json                 root role: keys and thresholds, signed by the root key
 *   timestamp.json            snapshot.json's length and hashes, signed by the online key (short expiry)
 *   snapshot.json             root, mirrors and index lengths and hashes, signed by the online key
 *   mirrors.json              empty mirror list, signed by the online key
 *   01-index.tar(.gz)         <p>/<v>/<p>.cabal and <p>/<v>/package.json (target length + hashes)
 *   package/<p>-<v>.tar.gz    the logged bytes; sha256 = the release record's sha256
 *
 * cabal checks timestamp → snapshot → index → package.json → tarball, each by
 * hash and length, ending at the bytes the log describes. Timestamp and snapshot
 * versions are the number of seconds since the epoch at signing, so a client
 * that has seen a newer one refuses an older one (rollback).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readTar } from '../../../archive/tar.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { bytesToIndex } from '../index-bytes.js';
import { releaseStamp } from '../release-stamp.js';
import { canonicalJson, type CanonicalValue } from './canonical-json.js';
import { signRole, type HackageKeySet } from './keys.js';
import { currentRoot, type RootFile } from './root-role.js';

export interface HackageOptions {
  readonly now: () => Date;
  /** Lifetime of timestamp.json (default 3 days; hackage uses 3 days). */
  readonly timestampSeconds: number;
  /** Lifetime of snapshot.json and mirrors.json (default 7 days). */
  readonly snapshotSeconds: number;
  /** Lifetime of root.json (default 1 year); it is re-signed, with the next version, at half-life. */
  readonly rootSeconds: number;
  /** Where root.json is kept between starts (`<data>/hackage-root.json` in `sigil serve`). */
  readonly rootFile: RootFile;
}

export const DEFAULT_HACKAGE_OPTIONS: Omit<HackageOptions, 'now' | 'rootFile'> = {
  timestampSeconds: 3 * 24 * 3600,
  snapshotSeconds: 7 * 24 * 3600,
  rootSeconds: 365 * 24 * 3600,
};

/** One upstream version Sigil's index lists (observed/hackage-proxy.ts), not yet logged. */
export interface UpstreamHackageEntry {
  readonly name: string;
  readonly version: string;
  /** The upstream's newest .cabal revision. */
  readonly cabal: Buffer;
  readonly sha256: string;
  readonly length: number;
}

/** HackageUpstreamSource: the verifying proxy's entries, and a key that changes with them. */
export interface HackageUpstreamSource {
  view(): Promise<{ key: string; entries: readonly UpstreamHackageEntry[] } | undefined>;
}

export interface HackageSnapshot {
  readonly files: ReadonlyMap<string, Buffer>;
  /** package/<p>-<v>.tar.gz → release. */
  readonly packages: ReadonlyMap<string, ReleaseRow>;
  readonly date: Date;
}

const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;
const fileInfo = (b: Buffer): { [k: string]: CanonicalValue } => ({
  length: b.length,
  hashes: {
    md5: createHash('md5').update(b).digest('hex'),
    sha256: createHash('sha256').update(b).digest('hex'),
  },
});

/** packageJsonOf: an index entry's package.json, the tarball's length and sha256 (unsigned: the index is). */
const packageJsonOf = (target: string, length: number, sha256: string): Buffer =>
  Buffer.from(
    canonicalJson({
      signed: {
        _type: 'Targets',
        version: 0,
        expires: null,
        targets: { [`<repo>/package/${target}`]: { length, hashes: { sha256 } } },
      },
      signatures: [],
    }),
    'utf8',
  );

/** A ustar header + body, padded to 512. */
function tarEntry(path: string, body: Buffer, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(path, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write(`${Math.floor(mtime).toString(8).padStart(11, '0')}\0`, 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

export class HackageRepository {
  private cache: { key: string; snapshot: HackageSnapshot } | undefined;
  private readonly cabalFiles = new Map<string, Buffer | null>();
  /** One root.json at a time, even when two views are signed at once (root-role.ts says why). */
  private rootSigning: Promise<Buffer> | undefined;
  /** With an upstream configured: its verified entries, listed beside the logged ones. */
  upstream: HackageUpstreamSource | undefined;

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly keys: HackageKeySet,
    readonly options: HackageOptions,
  ) {}

  /** root signs (or reuses) root.json now; `sigil serve` calls it at start so a rotation that cannot be signed stops the start. */
  async root(now: Date): Promise<Buffer> {
    const previous = this.rootSigning ?? Promise.resolve(Buffer.alloc(0));
    const next = previous
      .catch(() => undefined)
      .then(() => currentRoot(this.options.rootFile, this.keys, this.options.rootSeconds, now));
    this.rootSigning = next;
    return next;
  }

  private async cabalFile(row: ReleaseRow): Promise<Buffer | undefined> {
    const known = this.cabalFiles.get(row.purl);
    if (known !== undefined) return known ?? undefined;
    const bytes = await bytesToIndex(this.storage.blobs, row.sha256);
    if (!bytes) return undefined;
    const want = `${row.name}-${row.version}/${row.name}.cabal`;
    try {
      const c = await readTar(memoryArtifact(row.filename, bytes).open(), {
        file: row.filename,
        select: (e) => e.path === want,
      });
      const f = c.files.get(want);
      this.cabalFiles.set(row.purl, f ? Buffer.from(f) : null);
      return f ? Buffer.from(f) : undefined;
    } catch {
      this.cabalFiles.set(row.purl, null);
      return undefined;
    }
  }

  /** snapshot: the index is rebuilt when releases change; timestamp and snapshot are re-signed when half of the timestamp's life has passed. */
  async snapshot(): Promise<HackageSnapshot> {
    const stamp = await releaseStamp(this.storage.releases, 'hackage');
    const now = this.options.now();
    const view = await this.upstream?.view();
    const key = `${stamp}:${view?.key ?? ''}`;
    if (
      this.cache?.key === key &&
      now.getTime() <
        this.cache.snapshot.date.getTime() + (this.options.timestampSeconds * 1000) / 2
    )
      return this.cache.snapshot;
    const rows = await this.storage.releases.ofType('hackage');
    return this.build(rows, `${rows.length}:${view?.key ?? ''}`, now, view?.entries);
  }

  /** build signs a view at `now` (tests sign old or short-lived views with it). */
  async build(
    rows: ReleaseRow[],
    key: string,
    now: Date,
    upstream: readonly UpstreamHackageEntry[] = [],
  ): Promise<HackageSnapshot> {
    const mtime = now.getTime() / 1000;
    const entries: Buffer[] = [];
    const packages = new Map<string, ReleaseRow>();
    for (const row of rows) {
      const cabal = await this.cabalFile(row);
      if (!cabal) continue;
      const target = `${row.name}-${row.version}.tar.gz`;
      const packageJson = packageJsonOf(target, row.size, row.sha256);
      entries.push(
        tarEntry(`${row.name}/${row.version}/${row.name}.cabal`, cabal, mtime),
        tarEntry(`${row.name}/${row.version}/package.json`, packageJson, mtime),
      );
      packages.set(`package/${target}`, row);
    }
    for (const u of upstream) {
      // Not logged yet: the upstream's checked sha256, so the tarball fetched through Sigil is
      // checked by cabal against what Sigil checked it against before logging.
      const target = `${u.name}-${u.version}.tar.gz`;
      if (packages.has(`package/${target}`)) continue;
      const packageJson = packageJsonOf(target, u.length, u.sha256);
      entries.push(
        tarEntry(`${u.name}/${u.version}/${u.name}.cabal`, u.cabal, mtime),
        tarEntry(`${u.name}/${u.version}/package.json`, packageJson, mtime),
      );
    }
    const index = Buffer.concat([...entries, Buffer.alloc(1024)]);
    const indexGz = gzipSync(index, { level: 9 });
    const version = Math.floor(now.getTime() / 1000);
    const expires = (s: number) => iso(new Date(now.getTime() + s * 1000));
    const root = await this.root(now);
    const mirrors = signRole(
      { _type: 'Mirrorlist', version: 1, expires: expires(this.options.rootSeconds), mirrors: [] },
      [this.keys.online],
    );
    const snapshotJson = signRole(
      {
        _type: 'Snapshot',
        version,
        expires: expires(this.options.snapshotSeconds),
        meta: {
          '<repo>/root.json': fileInfo(root),
          '<repo>/mirrors.json': fileInfo(mirrors),
          '<repo>/01-index.tar': fileInfo(index),
          '<repo>/01-index.tar.gz': fileInfo(indexGz),
        },
      },
      [this.keys.online],
    );
    const timestamp = signRole(
      {
        _type: 'Timestamp',
        version,
        expires: expires(this.options.timestampSeconds),
        meta: { '<repo>/snapshot.json': fileInfo(snapshotJson) },
      },
      [this.keys.online],
    );
    const files = new Map<string, Buffer>([
      ['root.json', root],
      ['mirrors.json', mirrors],
      ['snapshot.json', snapshotJson],
      ['timestamp.json', timestamp],
      ['01-index.tar', index],
      ['01-index.tar.gz', indexGz],
    ]);
    const snapshot: HackageSnapshot = { files, packages, date: now };
    this.cache = { key, snapshot };
    return snapshot;
  }
}
