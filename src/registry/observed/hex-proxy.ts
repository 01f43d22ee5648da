/**
 * The Hex side of the verifying proxy: /hex/packages/<name> and /hex/tarballs/<file> of
 * packages the upstream has, re-signed with Sigil's Hex key, so rebar3 and mix check Sigil's
 * signature (repo_verify) over what Sigil vouches for.
 *
 *   - a package hosted here (or private) is Sigil's own, never asked upstream;
 *   - otherwise the upstream's signed Package (checked with its configured key,
 *     upstream/hex.ts) lists the versions: a version Sigil logged keeps its logged release
 *     (outer checksum = the logged sha256); when the upstream now lists another outer checksum
 *     for it, that is a conflict (logged once) and clients still get the logged bytes. A version
 *     not yet logged is listed with the upstream's checksums, and its tarball, fetched through
 *     Sigil, is checked against them and logged on that first download. Denied versions are
 *     left out. Logged versions the upstream no longer lists stay;
 *   - when the upstream fails or its resource does not verify, Sigil's own view (what it logged)
 *     is served; with nothing logged, the error (502/504 naming the upstream).
 */
import { makePurl } from '../../core/purl.js';
import type { HexRepository } from '../personalities/hex/repository.js';
import type { HexRelease } from '../personalities/hex/protobuf.js';
import { UpstreamError } from '../upstream/http.js';
import type { HexUpstream } from '../upstream/hex.js';
import { isObservedRow, type ObserveService } from './observe.js';

export class HexProxy {
  constructor(
    readonly upstream: HexUpstream,
    readonly observe: ObserveService,
  ) {}

  /** packageOf: the signed /packages/<name> Sigil serves for an upstream package; undefined when hosted, private or absent upstream, or when the upstream fails and Sigil has logged releases (its own view is served). */
  async packageOf(name: string, repo: HexRepository): Promise<Buffer | undefined> {
    if (
      (await this.observe.hostedReason(makePurl('hex', undefined, name, undefined))) !== undefined
    )
      return undefined;
    const logged = await repo.loggedReleases(name);
    let listed;
    try {
      listed = await this.upstream.releases(name);
    } catch (e) {
      // The upstream fails, or its resource does not verify: what Sigil logged is still served;
      // with nothing logged, the client is told why (502/504 naming the upstream).
      if (e instanceof UpstreamError && logged.size > 0) return undefined;
      throw e;
    }
    if (!listed) return undefined;
    const policy = this.observe.o.policy;
    const releases: HexRelease[] = [];
    for (const up of listed) {
      const purl = makePurl('hex', undefined, name, up.version);
      const own = logged.get(up.version);
      if (own) {
        if (up.outerChecksum && isObservedRow(own.row))
          await this.observe.checkIndexDigest(own.row, this.upstream, {
            algorithm: 'sha256',
            hex: up.outerChecksum.toString('hex'),
          });
        releases.push(own.release);
        continue;
      }
      if (policy?.denied(purl) !== undefined) continue;
      releases.push({
        version: up.version,
        innerChecksum: up.innerChecksum,
        outerChecksum: up.outerChecksum ?? Buffer.alloc(0),
        dependencies: up.dependencies,
      });
    }
    const listedVersions = new Set(listed.map((r) => r.version));
    for (const [version, own] of logged)
      if (!listedVersions.has(version)) releases.push(own.release);
    return repo.signedPackage(name, releases);
  }

  /** observeTarball observes the release a tarball file name (`<name>-<version>.tar`) names; false when the upstream has none. */
  async observeTarball(file: string): Promise<boolean> {
    const m = /^([a-z][a-z0-9_]*)-(\d[0-9A-Za-z.+-]*)\.tar$/.exec(file);
    if (!m) return false;
    return (await this.observe.observe(makePurl('hex', undefined, m[1]!, m[2]!))) !== undefined;
  }
}
