/**
 * The Maven side of the verifying proxy: repository paths of upstream artifacts, as Sigil
 * serves them.
 *
 *   - an artifact, or any sidecar of it (.sha1, .sha256, .sha512, .md5, .asc, .sigstore.json):
 *     the artifact is observed first (fetched, checked against the upstream's checksum file,
 *     logged), then served from the store like a published one — its checksums are Sigil's,
 *     its .asc the registry's OpenPGP signature;
 *   - maven-metadata.xml of an upstream artifact (and its checksums): the upstream's, passed
 *     through (it lists versions, no bytes; Sigil's own lists only what it logged).
 *   - an artifact Sigil observed, or its .sha1/.sha256: served from the log (Sigil's checksums
 *     of the logged bytes), and the upstream's checksum file of it is compared with the logged
 *     bytes: a difference is a conflict (logged once). A republished artifact is seen on the
 *     next download of the artifact or of its checksum; the client still gets the logged bytes.
 * Hosted and private names are never asked upstream (observe's hostedReason).
 */
import type { MavenUpstream } from '../upstream/maven.js';
import { mavenPurlOfPath } from '../upstream/maven.js';
import { UpstreamError } from '../upstream/http.js';
import { isObservedRow, type ObserveService } from './observe.js';

const SIDECARS = ['.sha1', '.sha256', '.sha512', '.md5', '.asc', '.sigstore.json'];

export class MavenProxy {
  constructor(
    readonly upstream: MavenUpstream,
    readonly observe: ObserveService,
  ) {}

  /** metadataOf: the group and artifact of a maven-metadata.xml path (or of one of its checksums). */
  static metadataOf(path: string): { groupId: string; artifactId: string } | undefined {
    const base = SIDECARS.reduce((p, s) => (p.endsWith(s) ? p.slice(0, -s.length) : p), path);
    const parts = base.split('/');
    if (parts.at(-1) !== 'maven-metadata.xml' || parts.length < 3) return undefined;
    if (!parts.every((s) => /^[A-Za-z0-9_.+-]+$/.test(s) && s !== '.' && s !== '..'))
      return undefined;
    return { groupId: parts.slice(0, -2).join('.'), artifactId: parts.at(-2)! };
  }

  /** metadata passes an upstream artifact's maven-metadata.xml (or checksum) through; undefined when hosted, private or absent. */
  async metadata(path: string): Promise<Buffer | undefined> {
    const m = MavenProxy.metadataOf(path);
    if (!m) return undefined;
    const purl = `pkg:maven/${encodeURIComponent(m.groupId)}/${encodeURIComponent(m.artifactId)}`;
    if ((await this.observe.hostedReason(purl)) !== undefined) return undefined;
    return this.upstream.passThrough(path);
  }

  /** observeFor observes the artifact a path (or one of its sidecars) names; false when there is none upstream. */
  async observeFor(path: string): Promise<boolean> {
    const base = SIDECARS.reduce((p, s) => (p.endsWith(s) ? p.slice(0, -s.length) : p), path);
    const purl = mavenPurlOfPath(base);
    return purl !== undefined && (await this.observe.observe(purl)) !== undefined;
  }

  /**
   * checkUpstream compares what the upstream now says about an observed artifact with the
   * logged bytes, a difference being a conflict (logged once). Asked for the artifact itself,
   * it reads the upstream's checksum file (`.sha256`, else `.sha1`), so a republished artifact
   * is noticed on the download itself, not only when a client asks for a checksum; asked for a
   * `.sha1`/`.sha256`, it compares that same upstream file. Other paths: nothing to compare.
   */
  async checkUpstream(path: string): Promise<void> {
    const m = /\.(sha1|sha256)$/.exec(path);
    const purl = mavenPurlOfPath(m ? path.slice(0, -m[0].length) : path);
    const row = purl ? await this.observe.o.ctx.storage.releases.get(purl) : undefined;
    if (!row || !isObservedRow(row)) return;
    const base = m ? path.slice(0, -m[0].length) : path;
    for (const algorithm of m ? [m[1] as 'sha1' | 'sha256'] : (['sha256', 'sha1'] as const)) {
      let side: Buffer | undefined;
      try {
        side = await this.upstream.passThrough(`${base}.${algorithm}`);
      } catch (e) {
        if (e instanceof UpstreamError) return; // the upstream is failing: the logged bytes are served regardless
        throw e;
      }
      const hex = side?.toString('utf8').trim().split(/\s+/)[0]?.toLowerCase();
      if (!hex || !/^[0-9a-f]+$/.test(hex)) continue;
      await this.observe.checkIndexDigest(row, this.upstream, { algorithm, hex });
      return;
    }
  }
}
