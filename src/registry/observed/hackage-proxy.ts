/**
 * The Hackage side of the verifying proxy: Sigil's own signed hackage-security repository lists
 * the upstream's packages too, so cabal, which checks only Sigil's root keys, can solve against
 * them and fetch them through Sigil.
 *
 *   - the upstream's chain (root, timestamp, snapshot, index) is verified first
 *     (upstream/hackage.ts); nothing of an upstream that fails it is listed;
 *   - a package hosted here (or private, claimed, ledgered) is Sigil's alone: the upstream's
 *     entries for it are left out;
 *   - every other upstream version is listed in Sigil's index with the upstream's newest .cabal
 *     revision and, in its package.json, the upstream's sha256 and length; the tarball, fetched
 *     through Sigil, is checked against them and logged on that first download. A version Sigil
 *     logged is listed from the log; when the upstream now names another sha256 for it, that is
 *     a conflict (logged once) and cabal still gets the logged bytes. Denied versions are left out;
 *   - when the upstream fails, Sigil's index lists what Sigil has.
 */
import { makePurl } from '../../core/purl.js';
import type { UpstreamHackageEntry } from '../personalities/hackage/repository.js';
import { UpstreamError } from '../upstream/http.js';
import type { HackageUpstream } from '../upstream/hackage.js';
import { isObservedRow, type ObserveService } from './observe.js';
import { releaseStamp } from '../personalities/release-stamp.js';

export class HackageProxy {
  private cached: { key: string; entries: UpstreamHackageEntry[] } | undefined;

  constructor(
    readonly upstream: HackageUpstream,
    readonly observe: ObserveService,
  ) {}

  /** view: the upstream entries Sigil's index lists, and a key that changes with them; undefined when the upstream fails. */
  async view(): Promise<{ key: string; entries: UpstreamHackageEntry[] } | undefined> {
    let index;
    try {
      index = await this.upstream.index();
    } catch (e) {
      if (e instanceof UpstreamError) return undefined; // what Sigil has is still listed
      throw e;
    }
    const releases = this.observe.o.ctx.storage.releases;
    const stamp = await releaseStamp(releases, 'hackage');
    if (this.cached?.key === `${index.timestampVersion}/${index.snapshotVersion}/${stamp}`)
      return this.cached;
    const rows = await releases.ofType('hackage');
    const key = `${index.timestampVersion}/${index.snapshotVersion}/${rows.length}`;
    // One read of the logged versions, not one per upstream version (thousands, on any replica).
    const logged = new Map(rows.map((r) => [r.purl, r]));
    const policy = this.observe.o.policy;
    const entries: UpstreamHackageEntry[] = [];
    for (const [name, versions] of index.packages) {
      if (
        (await this.observe.hostedReason(makePurl('hackage', undefined, name, undefined))) !==
        undefined
      )
        continue;
      for (const [version, e] of versions) {
        const purl = makePurl('hackage', undefined, name, version);
        const own = logged.get(purl);
        if (own) {
          if (isObservedRow(own))
            await this.observe.checkIndexDigest(own, this.upstream, {
              algorithm: 'sha256',
              hex: e.sha256,
            });
          continue; // listed from the log
        }
        if (policy?.denied(purl) !== undefined) continue;
        entries.push({ name, version, cabal: e.cabal, sha256: e.sha256, length: e.length });
      }
    }
    this.cached = { key, entries };
    return this.cached;
  }

  /** observeFile observes the release a `package/<p>-<v>.tar.gz` path names; false when the upstream has none. */
  async observeFile(path: string): Promise<boolean> {
    const m = /^package\/([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)-(\d+(?:\.\d+)*)\.tar\.gz$/.exec(path);
    if (!m) return false;
    return (await this.observe.observe(makePurl('hackage', undefined, m[1]!, m[2]!))) !== undefined;
  }
}
