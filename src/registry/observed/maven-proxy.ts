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
 *   - a .sha1/.sha256 of an artifact Sigil observed: Sigil's (of the logged bytes), and the
 *     upstream's same file is compared with it: a difference is a conflict (logged once).
 *     Maven asks for the checksum of every file it downloads, so a republished artifact is
 *     seen when a client next downloads it; the client still gets the logged bytes.
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

  /** checkSidecar compares the upstream's .sha1/.sha256 of an observed artifact with the logged bytes (a conflict when they differ). */
  async checkSidecar(path: string): Promise<void> {
    const m = /\.(sha1|sha256)$/.exec(path);
    const purl = m ? mavenPurlOfPath(path.slice(0, -m[0].length)) : undefined;
    const row = purl ? this.observe.o.ctx.store.get(purl) : undefined;
    if (!m || !row || !isObservedRow(row)) return;
    let side: Buffer | undefined;
    try {
      side = await this.upstream.passThrough(path);
    } catch (e) {
      if (e instanceof UpstreamError) return; // the upstream is failing: the logged bytes are served regardless
      throw e;
    }
    const hex = side?.toString('utf8').trim().split(/\s+/)[0]?.toLowerCase();
    if (hex && /^[0-9a-f]+$/.test(hex))
      await this.observe.checkIndexDigest(row, this.upstream, {
        algorithm: m[1] as 'sha1' | 'sha256',
        hex,
      });
  }
}
