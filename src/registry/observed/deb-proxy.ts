/**
 * The Debian side of the verifying proxy: the upstream suite (upstream/deb.ts, checked from the
 * archive keyring down) served again under /debian/dists/<suite>/ as Sigil's own signed suite.
 * apt then trusts one key, the registry's, and every .deb it installs was checked against the
 * upstream's signed chain and logged on its first fetch.
 *
 *   - Packages lists the upstream's stanzas as the upstream wrote them (same Filename paths),
 *     minus names published here (they stay in the hosted suite, never shadowed), private and
 *     denied names. When nothing is left out, the upstream's own checked Packages.xz/.gz bytes
 *     are served as they are, so a huge index costs no recompression;
 *   - a logged .deb whose upstream stanza now gives another SHA256 is a conflict (logged once):
 *     its stanza keeps the logged Size and SHA256, and the pool path serves the logged bytes;
 *   - Release is signed with the registry's OpenPGP key; its Valid-Until is never later than
 *     the upstream's own, so a frozen upstream cannot be made to look fresh by Sigil re-signing.
 * If the upstream fails, the suite's index files answer 502 naming the upstream (apt keeps its
 * previous lists), while every logged .deb is still served from the pool.
 */
import { gzipSync } from 'node:zlib';
import type * as openpgp from 'openpgp';
import { xzCompress } from '../../archive/xz-compress.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import type { ReleaseTables } from '../../store/registry/release-tables.js';
import { clearsign, detachSign } from '../personalities/apt/openpgp-key.js';
import { releaseSums, type AptSnapshot } from '../personalities/apt/repository.js';
import type { DebEntry, DebIndex, DebUpstream } from '../upstream/deb.js';
import { isObservedRow, observedPredicateOf, type ObserveService } from './observe.js';
import { matchesPattern } from './policy.js';
import { releaseStamp } from '../personalities/release-stamp.js';

export interface DebMirrorOptions {
  readonly origin: string;
  readonly validitySeconds: number;
  readonly now: () => Date;
  readonly privatePatterns: readonly string[];
}

/** The mirror's snapshot: pool path → the upstream entry it serves (the .deb is observed on its first fetch). */
export type DebMirrorSnapshot = AptSnapshot<DebEntry>;

const rfc2822 = (d: Date): string => d.toUTCString().replace('GMT', 'UTC');
const HASH_LINES = /^(MD5sum|SHA1|SHA256|SHA512|Size):.*\n/gim;

/** loggedStanza: the upstream stanza with the logged Size and SHA256 in place of what the upstream now lists. */
function loggedStanza(entry: DebEntry, row: ReleaseRow): string {
  return `${entry.text.replace(HASH_LINES, '').replace(/\n$/, '')}\nSize: ${row.size}\nSHA256: ${row.sha256}\n`;
}

export class DebMirror {
  private cache: { key: string; snapshot: DebMirrorSnapshot } | undefined;
  private building: Promise<DebMirrorSnapshot> | undefined;
  /** The purls of logged observed .debs by upstream URL, as of `stamp` deb releases (release-stamp.ts). */
  private observed: { stamp: number; byUrl: Map<string, string> } | undefined;

  constructor(
    readonly upstream: DebUpstream,
    readonly observe: ObserveService,
    private readonly releases: ReleaseTables,
    private readonly key: openpgp.PrivateKey,
    private readonly options: DebMirrorOptions,
  ) {}

  get suite(): string {
    return this.upstream.suite;
  }

  /** snapshot: the signed suite for the upstream's current index; 502/504 (UpstreamError) when the upstream fails. */
  async snapshot(): Promise<DebMirrorSnapshot> {
    const index = await this.upstream.index();
    const stamp = await releaseStamp(this.releases, 'deb');
    const now = this.options.now();
    const c = this.cache;
    if (
      c &&
      c.key === `${index.releaseSha256}:${stamp}` &&
      now.getTime() < c.snapshot.date.getTime() + (this.options.validitySeconds * 1000) / 2
    )
      return c.snapshot;
    this.building ??= this.build(index, now).finally(() => (this.building = undefined));
    return this.building;
  }

  /**
   * poolFile: the release a pool path serves. A logged .deb is found without the upstream; any
   * other listed one is observed now (fetched, checked against Packages' SHA256, logged).
   */
  async poolFile(path: string): Promise<ReleaseRow | undefined> {
    const purl = (await this.observedByUrl()).get(`${this.upstream.url}/${path}`);
    const logged = purl === undefined ? undefined : await this.releases.get(purl);
    if (logged) {
      this.observe.checkServe(logged);
      return logged;
    }
    const snap = await this.snapshot();
    const entry = snap.pool.get(path);
    return entry ? this.observe.observe(entry.purl) : undefined;
  }

  /** observedByUrl: the purls of the observed .debs logged here, by the upstream URL they were fetched from. */
  private async observedByUrl(): Promise<Map<string, string>> {
    const stamp = await releaseStamp(this.releases, 'deb');
    if (this.observed?.stamp === stamp) return this.observed.byUrl;
    const rows = await this.releases.ofType('deb');
    const byUrl = new Map<string, string>();
    for (const row of rows) {
      const url = isObservedRow(row) ? observedPredicateOf(row)?.artifactUrl : undefined;
      if (url !== undefined && !byUrl.has(url)) byUrl.set(url, row.purl);
    }
    this.observed = { stamp: rows.length, byUrl };
    return byUrl;
  }

  private async build(index: DebIndex, now: Date): Promise<DebMirrorSnapshot> {
    const rows = await this.releases.ofType('deb');
    const key = `${index.releaseSha256}:${rows.length}`;
    const hosted = new Set(rows.filter((r) => !isObservedRow(r)).map((r) => r.name));
    const logged = new Map(rows.filter((r) => isObservedRow(r)).map((r) => [r.purl, r]));
    const policy = this.observe.o.policy;
    const leftOut = (e: DebEntry) =>
      hosted.has(e.name) ||
      this.options.privatePatterns.some((p) => matchesPattern(p, e.purl)) ||
      policy?.denied(e.purl) !== undefined;
    const indexes = new Map<string, Buffer>();
    const pool = new Map<string, DebEntry>();
    for (const file of index.files) {
      let changed = false;
      const stanzas: string[] = [];
      for (const e of file.entries) {
        if (leftOut(e)) {
          changed = true;
          continue;
        }
        pool.set(e.filename, e);
        const row = logged.get(e.purl);
        if (row && row.sha256 !== e.sha256) {
          await this.observe.conflict(row, this.upstream, {
            indexDigest: { algorithm: 'sha256', value: e.sha256 },
          });
          stanzas.push(loggedStanza(e, row));
          changed = true;
        } else stanzas.push(e.text);
      }
      const base = `${file.dir}/Packages`;
      if (!changed && file.entries.length > 0) {
        // Nothing left out or changed: the upstream's own checked files, byte for byte.
        indexes.set(base, Buffer.from(file.text, 'utf8'));
        if (file.fetched.name !== 'Packages')
          indexes.set(`${file.dir}/${file.fetched.name}`, file.fetched.bytes);
        continue;
      }
      const plain = Buffer.from(stanzas.join('\n'), 'utf8');
      indexes.set(base, plain);
      indexes.set(`${base}.gz`, gzipSync(plain, { level: 6 }));
      const xz = await xzCompress(plain, plain.length > 8 * 1024 * 1024 ? 2 : 6);
      if (xz) indexes.set(`${base}.xz`, xz);
    }
    const ownUntil = now.getTime() + this.options.validitySeconds * 1000;
    const validUntil = new Date(
      index.validUntil ? Math.min(ownUntil, index.validUntil.getTime()) : ownUntil,
    );
    const release = [
      `Origin: ${this.options.origin}`,
      `Label: ${this.options.origin} (${this.upstream.url})`,
      `Suite: ${this.suite}`,
      `Codename: ${this.suite}`,
      `Date: ${rfc2822(now)}`,
      `Valid-Until: ${rfc2822(validUntil)}`,
      `Architectures: ${this.upstream.architectures.join(' ')}`,
      `Components: ${this.upstream.components.join(' ')}`,
      `Description: ${this.upstream.url} ${this.suite}, checked with its archive keyring; every .deb is logged on its first fetch`,
      'SHA256:',
      releaseSums(indexes, 'sha256'),
      '',
    ].join('\n');
    const snapshot: DebMirrorSnapshot = {
      release,
      inRelease: await clearsign(this.key, release, now),
      releaseGpg: await detachSign(this.key, release, now),
      indexes,
      pool,
      date: now,
    };
    this.cache = { key, snapshot };
    return snapshot;
  }
}
