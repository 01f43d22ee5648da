/**
 * A Hex repository (v2) of the `hex` releases published to Sigil, every
 * registry resource signed with the registry's Hex RSA key:
 *
 *   names, versions, packages/<name>      gzip(Signed{payload, signature}), RSA-SHA512 over payload
 *   tarballs/<name>-<version>.tar         the logged bytes; outer_checksum = the record's sha256
 *
 * rebar3/mix check the signature (repo_verify), that each resource names this
 * repository, and the tarball's outer checksum against the signed Package, so
 * their own checks end at the bytes Sigil's log and author signature cover.
 */
import type { KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readHexTarball } from '../../../ecosystems/hex/tarball.js';
import { isAtom, isMap, isTuple, type Term } from '../../../ecosystems/hex/terms.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { bytesToIndex } from '../index-bytes.js';
import { releaseStamp } from '../release-stamp.js';
import {
  encodeNames,
  encodePackage,
  encodeSigned,
  encodeVersions,
  type HexDependency,
  type HexRelease,
} from './protobuf.js';
import { signPayload } from './rsa-key.js';

export interface HexOptions {
  /** The repository name clients configure (`name` in rebar3's repos, default "sigil"); every resource carries it. */
  readonly repository: string;
}

export interface HexSnapshot {
  readonly names: Buffer;
  readonly versions: Buffer;
  readonly packages: ReadonlyMap<string, Buffer>;
  /** "<name>-<version>.tar" → release. */
  readonly tarballs: ReadonlyMap<string, ReleaseRow>;
}

/** requirements reads metadata.config's requirements (a list of {Name, Props} or a map) into Dependency messages. */
function requirements(term: Term | undefined): HexDependency[] {
  const out: HexDependency[] = [];
  const entries: [Term, Term][] = [];
  if (Array.isArray(term))
    for (const t of term)
      if (isTuple(t) && t.tuple.length === 2) entries.push([t.tuple[0]!, t.tuple[1]!]);
      else if (isMap(term)) for (const [k, v] of term.map) entries.push([k, v]);
  for (const [name, props] of entries) {
    const p = new Map<string, Term>();
    if (Array.isArray(props))
      for (const t of props)
        if (isTuple(t) && typeof t.tuple[0] === 'string') p.set(t.tuple[0], t.tuple[1]!);
    const pkg = typeof p.get('name') === 'string' ? (p.get('name') as string) : name;
    const req = p.get('requirement');
    if (typeof pkg !== 'string' || typeof req !== 'string') continue;
    const dep: HexDependency = {
      package: pkg,
      requirement: req,
      optional: p.get('optional') === true || isAtom(p.get('optional'), 'true'),
    };
    const app = p.get('app');
    if (typeof app === 'string') dep.app = app;
    const repo = p.get('repository');
    if (typeof repo === 'string' && repo !== 'hexpm') dep.repository = repo;
    out.push(dep);
  }
  return out;
}

export class HexRepository {
  /** `stamp`: how many hex releases were published when it was built (release-stamp.ts). */
  private cache: { stamp: number; snapshot: HexSnapshot } | undefined;
  private building: Promise<HexSnapshot> | undefined;
  private readonly releases = new Map<string, HexRelease>();

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly key: KeyObject,
    readonly options: HexOptions,
  ) {}

  async snapshot(): Promise<HexSnapshot> {
    const stamp = await releaseStamp(this.storage.releases, 'hex');
    if (this.cache?.stamp === stamp) return this.cache.snapshot;
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  /** signedPackage: /packages/<name> for `releases`, signed with the registry's Hex key (the proxy's merged view). */
  signedPackage(name: string, releases: HexRelease[]): Buffer {
    return this.signed(encodePackage(this.options.repository, name, releases));
  }

  /** loggedReleases: the releases of a public package in the store (published or observed), by version. */
  async loggedReleases(
    name: string,
  ): Promise<Map<string, { row: ReleaseRow; release: HexRelease }>> {
    const out = new Map<string, { row: ReleaseRow; release: HexRelease }>();
    for (const row of await this.storage.releases.versions('hex', '', name)) {
      const release = await this.release(row);
      if (release) out.set(row.version, { row, release });
    }
    return out;
  }

  private signed(payload: Uint8Array): Buffer {
    return gzipSync(encodeSigned(payload, signPayload(this.key, payload)));
  }

  /** release: what the index says of a stored release; undefined when its bytes are gone, refused or unreadable (not offered). */
  private async release(row: ReleaseRow): Promise<HexRelease | undefined> {
    const known = this.releases.get(row.purl);
    if (known) return known;
    const bytes = await bytesToIndex(this.storage.blobs, row.sha256);
    if (!bytes) return undefined;
    let tarball: Awaited<ReturnType<typeof readHexTarball>>;
    try {
      tarball = await readHexTarball(memoryArtifact(row.filename, bytes));
    } catch {
      return undefined; // identify checked it at publish; an unreadable blob is not offered
    }
    const { metadata, innerChecksum } = tarball;
    const r: HexRelease = {
      version: row.version,
      innerChecksum: Buffer.from(innerChecksum, 'hex'),
      outerChecksum: Buffer.from(row.sha256, 'hex'),
      dependencies: requirements(metadata.get('requirements')),
    };
    this.releases.set(row.purl, r);
    return r;
  }

  private async build(): Promise<HexSnapshot> {
    const rows = await this.storage.releases.ofType('hex');
    const repo = this.options.repository;
    const byName = new Map<string, { row: ReleaseRow; release: HexRelease }[]>();
    for (const row of rows) {
      if (row.namespace !== '') continue; // organization packages are not served in the public repository
      const release = await this.release(row);
      if (release) byName.set(row.name, [...(byName.get(row.name) ?? []), { row, release }]);
    }
    const names = [...byName.keys()].sort();
    const packages = new Map<string, Buffer>();
    const tarballs = new Map<string, ReleaseRow>();
    for (const name of names) {
      const list = byName.get(name)!;
      packages.set(
        name,
        this.signed(
          encodePackage(
            repo,
            name,
            list.map((e) => e.release),
          ),
        ),
      );
      for (const e of list) tarballs.set(`${name}-${e.row.version}.tar`, e.row);
    }
    const snapshot: HexSnapshot = {
      names: this.signed(
        encodeNames(
          repo,
          names.map((n) => ({
            name: n,
            updatedAt: new Date(byName.get(n)!.at(-1)!.row.publishedAt),
          })),
        ),
      ),
      versions: this.signed(
        encodeVersions(
          repo,
          names.map((n) => ({ name: n, versions: byName.get(n)!.map((e) => e.row.version) })),
        ),
      ),
      packages,
      tarballs,
    };
    this.cache = { stamp: rows.length, snapshot };
    return snapshot;
  }
}
