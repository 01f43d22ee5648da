/**
 * The Puppet side of the verifying proxy: the Forge v3 answers for modules the upstream Forge
 * has, with file URIs on Sigil.
 *
 *   - a module hosted here (or private) is Sigil's own, never asked upstream;
 *   - otherwise the upstream's releases are listed: a version Sigil logged is Sigil's own
 *     release (file_sha256/file_md5 of the logged bytes); when the upstream now lists another
 *     file_sha256 for it, that is a conflict (logged once) and puppet still gets the logged
 *     bytes. A version not yet logged is listed as the upstream wrote it (its metadata and
 *     dependencies, its file_sha256) with Sigil's file_uri, so its first download goes through
 *     Sigil, is checked against that file_sha256 and logged. Denied and too-young versions are
 *     left out; logged versions the upstream no longer lists stay;
 *   - when the upstream fails, Sigil's own view (what it logged) is served; with nothing logged,
 *     the error (502/504 naming the upstream).
 */
import { makePurl } from '../../core/purl.js';
import { comparePuppetVersions, type PuppetForge } from '../personalities/puppet/forge.js';
import { UpstreamError } from '../upstream/http.js';
import type { PuppetUpstream } from '../upstream/puppet.js';
import { isObservedRow, type ObserveService } from './observe.js';

type Json = Record<string, unknown>;

export class PuppetProxy {
  constructor(
    readonly upstream: PuppetUpstream,
    readonly observe: ObserveService,
  ) {}

  /** releases: the merged release objects of a module, newest first; undefined when Sigil's own Forge answers (hosted, private, absent upstream, or the upstream failing with releases logged). */
  async releases(author: string, name: string, forge: PuppetForge): Promise<Json[] | undefined> {
    if (
      (await this.observe.hostedReason(makePurl('puppet', author, name, undefined))) !== undefined
    )
      return undefined;
    const logged = await forge.releasesOf(author, name);
    let listed;
    try {
      listed = await this.upstream.releases(author, name);
    } catch (e) {
      if (e instanceof UpstreamError && logged.length > 0) return undefined;
      throw e;
    }
    if (!listed) return undefined;
    const policy = this.observe.o.policy;
    const out: { version: string; json: Json }[] = [];
    for (const up of listed) {
      const own = logged.find((r) => r.version === up.version);
      if (own) {
        if (up.sha256 && isObservedRow(own))
          await this.observe.checkIndexDigest(own, this.upstream, {
            algorithm: 'sha256',
            hex: up.sha256,
          });
        const json = await forge.release(own);
        if (json) out.push({ version: own.version, json });
        continue;
      }
      const purl = makePurl('puppet', author, name, up.version);
      if (policy?.denied(purl) !== undefined || policy?.hides(purl, up.createdAt)) continue;
      if (!up.sha256 && !up.md5) continue; // nothing to check its download by: not offered
      const slug = `${author}-${name}-${up.version}`;
      out.push({
        version: up.version,
        json: {
          ...up.raw,
          uri: `/v3/releases/${slug}`,
          slug,
          file_uri: `/v3/files/${slug}.tar.gz`,
          purl,
        },
      });
    }
    for (const own of logged)
      if (!out.some((r) => r.version === own.version)) {
        const json = await forge.release(own);
        if (json) out.push({ version: own.version, json });
      }
    return out.sort((a, b) => comparePuppetVersions(b.version, a.version)).map((r) => r.json);
  }

  /** observeFile observes the release a /v3/files name stands for; false when the upstream has none. */
  async observeFile(file: string): Promise<boolean> {
    const m = /^([A-Za-z0-9]+)-([a-z][a-z0-9_]*)-([0-9A-Za-z.+-]+)\.tar\.gz$/.exec(file);
    if (!m) return false;
    return (await this.observe.observe(makePurl('puppet', m[1]!, m[2]!, m[3]!))) !== undefined;
  }
}
