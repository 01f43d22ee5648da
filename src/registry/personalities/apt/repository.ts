/**
 * A signed Debian repository built from the `.deb` releases published to Sigil:
 *
 *   dists/<suite>/InRelease                      Release, clear-signed with the registry's OpenPGP key
 *   dists/<suite>/Release, Release.gpg           the same, detached
 *   dists/<suite>/main/binary-<arch>/Packages(.gz, .xz when an `xz` program is installed)
 *   pool/main/<vendor>/<name>/<name>_<version>_<arch>.deb
 *
 * Every byte a client installs is a logged release: the Packages stanza's SHA256
 * is the release record's sha256, so apt's own check (InRelease signature →
 * Packages hash → .deb hash) ends at the bytes Sigil's log and author signature
 * cover. Release carries Date and Valid-Until (apt refuses an expired one); it is
 * re-signed when the package set changes or half its validity has passed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type * as openpgp from 'openpgp';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { readDebControl } from '../../../ecosystems/deb/identify.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { bytesToIndex } from '../index-bytes.js';
import { releaseStamp } from '../release-stamp.js';
import { clearsign, detachSign } from './openpgp-key.js';
import { xzCompress } from '../../../archive/xz-compress.js';
import { isObservedRow } from '../../observed/observe.js';

export interface AptOptions {
  /** Suite and codename (default "sigil"). */
  readonly suite: string;
  /** How long a signed Release is valid (default 7 days). */
  readonly validitySeconds: number;
  /** Architectures always listed, so apt on these hosts finds an index (default amd64, arm64). */
  readonly architectures: readonly string[];
  readonly now: () => Date;
  readonly origin: string;
}

export const DEFAULT_APT_OPTIONS: Omit<AptOptions, 'now' | 'origin'> = {
  suite: 'sigil',
  validitySeconds: 7 * 24 * 3600,
  architectures: ['amd64', 'arm64'],
};

/** One signed state of an apt repository; `PoolEntry` is what a pool path serves (a release here, an upstream entry in the deb mirror). */
export interface AptSnapshot<PoolEntry = ReleaseRow> {
  readonly inRelease: string;
  readonly release: string;
  readonly releaseGpg: string;
  /** Index files by path relative to dists/<suite>/. */
  readonly indexes: ReadonlyMap<string, Buffer>;
  /** pool path (relative to the repository root) → what it serves. */
  readonly pool: ReadonlyMap<string, PoolEntry>;
  readonly date: Date;
}

/** Field names as Debian writes them (readDebControl lower-cases keys). */
const FIELD_CASE: Record<string, string> = {
  md5sum: 'MD5sum',
  sha1: 'SHA1',
  sha256: 'SHA256',
  sha512: 'SHA512',
};
const fieldName = (k: string): string =>
  FIELD_CASE[k] ??
  k
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('-');
const FIRST = ['package', 'source', 'version', 'architecture', 'maintainer', 'installed-size'];
const DROP = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512', 'description-md5']);

function stanza(
  fields: Map<string, string>,
  row: ReleaseRow,
  poolPath: string,
  md5: string,
  sha1: string,
): string {
  const keys = [
    ...FIRST.filter((k) => fields.has(k)),
    ...[...fields.keys()].filter((k) => !FIRST.includes(k) && !DROP.has(k)),
  ];
  const lines = keys.map((k) => `${fieldName(k)}: ${fields.get(k)!.split('\n').join('\n ')}`);
  lines.push(
    `Filename: ${poolPath}`,
    `Size: ${row.size}`,
    `MD5sum: ${md5}`,
    `SHA1: ${sha1}`,
    `SHA256: ${row.sha256}`,
    `SHA512: ${Buffer.from(row.sha512, row.sha512.length === 128 ? 'hex' : 'base64').toString('hex')}`,
  );
  return `${lines.join('\n')}\n`;
}

const safeSegment = (s: string): string => s.replace(/[^A-Za-z0-9.+~-]/g, '_');

/** poolPathOf: pool/main/<vendor>/<name>/<name>_<version without epoch>_<arch>.deb */
export function poolPathOf(row: ReleaseRow, arch: string): string {
  const version = row.version.replace(/^\d+:/, '');
  return `pool/main/${safeSegment(row.namespace)}/${safeSegment(row.name)}/${safeSegment(row.name)}_${safeSegment(version)}_${safeSegment(arch)}.deb`;
}

const rfc2822 = (d: Date): string => d.toUTCString().replace('GMT', 'UTC');

interface Entry {
  row: ReleaseRow;
  arch: string;
  text: string;
  poolPath: string;
}

export class AptRepository {
  /** `stamp`: how many deb releases were published when it was checked (release-stamp.ts). */
  private cache: { key: string; stamp: number; snapshot: AptSnapshot } | undefined;
  private building: Promise<AptSnapshot> | undefined;
  /** Stanzas by release purl: a release's bytes never change, so neither does its stanza. */
  private readonly stanzas = new Map<string, Entry>();

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly key: openpgp.PrivateKey,
    readonly options: AptOptions,
  ) {}

  async snapshot(): Promise<AptSnapshot> {
    const stamp = await releaseStamp(this.storage.releases, 'deb');
    const now = this.options.now();
    if (this.cache?.stamp === stamp && this.fresh(this.cache.snapshot, now))
      return this.cache.snapshot;
    this.building ??= this.rebuild(now).finally(() => (this.building = undefined));
    return this.building;
  }

  private fresh(snapshot: AptSnapshot, now: Date): boolean {
    return now.getTime() < snapshot.date.getTime() + (this.options.validitySeconds * 1000) / 2;
  }

  /** rebuild signs a new suite only when its .debs changed (or half its validity passed). */
  private async rebuild(now: Date): Promise<AptSnapshot> {
    const all = await this.storage.releases.ofType('deb');
    // Observed .debs belong to the upstream's suite (observed/deb-proxy.ts), not to this one.
    const rows = all.filter((r) => !isObservedRow(r));
    const key = `${rows.length}:${rows.at(-1)?.purl ?? ''}`;
    const c = this.cache;
    const snapshot =
      c?.key === key && this.fresh(c.snapshot, now) ? c.snapshot : await this.build(rows, now);
    this.cache = { key, stamp: all.length, snapshot };
    return snapshot;
  }

  private async entry(row: ReleaseRow): Promise<Entry | undefined> {
    const cached = this.stanzas.get(row.purl);
    if (cached) return cached;
    const bytes = await bytesToIndex(this.storage.blobs, row.sha256);
    if (!bytes) return undefined; // a release whose blob is gone is not offered
    const fields = await readDebControl(memoryArtifact(row.filename, bytes));
    const arch = fields.get('architecture') ?? 'all';
    const poolPath = poolPathOf(row, arch);
    const md5 = createHash('md5').update(bytes).digest('hex');
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    const e = { row, arch, poolPath, text: stanza(fields, row, poolPath, md5, sha1) };
    this.stanzas.set(row.purl, e);
    return e;
  }

  private async build(rows: ReleaseRow[], now: Date): Promise<AptSnapshot> {
    const entries = (await Promise.all(rows.map((r) => this.entry(r)))).filter(
      (e): e is Entry => e !== undefined,
    );
    const arches = [
      ...new Set([
        ...this.options.architectures,
        ...entries.map((e) => e.arch).filter((a) => a !== 'all'),
      ]),
    ].sort();
    const indexes = new Map<string, Buffer>();
    for (const arch of [...arches, 'all']) {
      const text = entries
        .filter((e) => e.arch === arch || e.arch === 'all')
        .map((e) => e.text)
        .join('\n');
      const plain = Buffer.from(text, 'utf8');
      indexes.set(`main/binary-${arch}/Packages`, plain);
      indexes.set(`main/binary-${arch}/Packages.gz`, gzipSync(plain, { level: 9 }));
      const xz = await xzCompress(plain);
      if (xz) indexes.set(`main/binary-${arch}/Packages.xz`, xz);
    }
    const validUntil = new Date(now.getTime() + this.options.validitySeconds * 1000);
    const release = [
      `Origin: ${this.options.origin}`,
      `Label: ${this.options.origin}`,
      `Suite: ${this.options.suite}`,
      `Codename: ${this.options.suite}`,
      `Date: ${rfc2822(now)}`,
      `Valid-Until: ${rfc2822(validUntil)}`,
      `Architectures: ${arches.join(' ')} all`,
      'Components: main',
      `Description: packages published to Sigil; every file is a logged release`,
      'MD5Sum:',
      releaseSums(indexes, 'md5'),
      'SHA256:',
      releaseSums(indexes, 'sha256'),
      'SHA512:',
      releaseSums(indexes, 'sha512'),
      '',
    ].join('\n');
    const snapshot: AptSnapshot = {
      release,
      inRelease: await clearsign(this.key, release, now),
      releaseGpg: await detachSign(this.key, release, now),
      indexes,
      pool: new Map(entries.map((e) => [e.poolPath, e.row])),
      date: now,
    };
    return snapshot;
  }
}

/** releaseSums: one checksum section of a Release file (` <hex> <size> <path>` per index, Debian's layout). */
export function releaseSums(indexes: ReadonlyMap<string, Buffer>, alg: string): string {
  return [...indexes]
    .map(
      ([p, b]) =>
        ` ${createHash(alg).update(b).digest('hex')} ${String(b.length).padStart(8)} ${p}`,
    )
    .join('\n');
}
