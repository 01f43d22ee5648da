/**
 * CranUpstream: a CRAN-like repository (cloud.r-project.org, a CRAN mirror, a drat/miniCRAN
 * folder) as Sigil's upstream, source packages only.
 *
 *   index      <url>/src/contrib/PACKAGES (one DCF stanza per package: its newest version
 *              and `MD5sum`); older versions are not indexed (CRAN keeps them in Archive/)
 *   artifact   <url>/src/contrib/<pkg>_<version>.tar.gz for the indexed version, checked here
 *              against its `MD5sum` (MD5 is what the index gives: a weak check, but the
 *              upstream's own, and a mismatch still refuses); an older version from
 *              <url>/src/contrib/Archive/<pkg>/, with no index digest to check
 *   evidence   a CRAN repository signs nothing: registry signature "not-applicable"
 *
 * R's install.packages() never checks MD5sum itself (docs/cran.md); Sigil checks it once, on
 * the first fetch, and logs sha256 and sha512 besides.
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { parseHeaderFields } from '../../ecosystems/support/text.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { checkListedMd5, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface CranUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  readonly indexTtlMs?: number;
  readonly now?: () => number;
}

/** CranEntry: one stanza of the upstream's PACKAGES. */
export interface CranEntry {
  readonly name: string;
  readonly version: string;
  readonly md5: string | null;
  /** Every field, continuation lines kept. */
  readonly fields: ReadonlyMap<string, string>;
}

export const CRAN_NAME = /^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$/;
export const CRAN_VERSION = /^\d+([.-]\d+)+$/;

/** parsePackages reads a PACKAGES file; stanzas without a valid Package/Version (or with a Path: subdirectory) are skipped. */
export function parsePackages(text: string): Map<string, CranEntry> {
  const out = new Map<string, CranEntry>();
  for (const stanza of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const f = parseHeaderFields(stanza);
    const name = f.get('Package')?.[0];
    const version = f.get('Version')?.[0];
    if (!name || !version || !CRAN_NAME.test(name) || !CRAN_VERSION.test(version) || f.has('Path'))
      continue;
    const md5 = f.get('MD5sum')?.[0]?.toLowerCase();
    out.set(name, {
      name,
      version,
      md5: md5 && /^[0-9a-f]{32}$/.test(md5) ? md5 : null,
      fields: new Map([...f].map(([k, v]) => [k, v[0]!])),
    });
  }
  return out;
}

export class CranUpstream implements Upstream {
  readonly ecosystem = 'cran';
  readonly url: string;
  private readonly label: string;
  private cache: { at: number; value: Promise<Map<string, CranEntry>> } | undefined;

  constructor(private readonly o: CranUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `CRAN upstream ${this.url}`;
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** packages returns the upstream's PACKAGES index (empty when it serves none). */
  packages(): Promise<Map<string, CranEntry>> {
    const ttl = this.o.indexTtlMs ?? 10_000;
    if (this.cache && this.now() - this.cache.at < ttl) return this.cache.value;
    const value = this.o.client
      .get(`${this.url}/src/contrib/PACKAGES`, {
        upstream: this.label,
        what: 'PACKAGES index',
        maxBytes: this.o.limits.maxIndexBytes,
      })
      .then((r) => (r ? parsePackages(r.body.toString('latin1')) : new Map<string, CranEntry>()));
    this.cache = { at: this.now(), value };
    value.catch(() => (this.cache = undefined));
    return value;
  }

  async fetchIndex(packagePurl: string): Promise<unknown> {
    return (await this.packages()).get(parsePurl(packagePurl).name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null || !CRAN_NAME.test(p.name) || !CRAN_VERSION.test(p.version))
      return undefined;
    const entry = (await this.packages()).get(p.name);
    const file = `${p.name}_${p.version}.tar.gz`;
    const current = entry?.version === p.version;
    if (!current) {
      // Not the indexed version: CRAN's Archive/ may have it (no index digest there).
      const head = await this.o.client.get(`${this.url}/src/contrib/Archive/${p.name}/${file}`, {
        upstream: this.label,
        what: `archived ${file}`,
        maxBytes: this.o.limits.maxArtifactBytes,
      });
      if (!head) return undefined;
      return {
        purl,
        url: `${this.url}/src/contrib/Archive/${p.name}/${file}`,
        filename: file,
        indexDigest: null,
        publishedAt: null,
        meta: { md5: null, bytes: head.body },
      };
    }
    return {
      purl,
      url: `${this.url}/src/contrib/${file}`,
      filename: file,
      indexDigest: null, // MD5 is checked in fetchArtifact (the digest union has no md5)
      publishedAt: entry.fields.get('Date/Publication') ?? null,
      meta: { md5: entry.md5 },
    };
  }

  async fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    const meta = ref.meta as { md5: string | null; bytes?: Buffer };
    const bytes =
      meta.bytes ??
      (
        await this.o.client.get(ref.url, {
          upstream: this.label,
          what: `source package ${ref.filename}`,
          maxBytes: this.o.limits.maxArtifactBytes,
        })
      )?.body;
    if (!bytes)
      throw new UpstreamError(
        502,
        'UPSTREAM_ARTIFACT_MISSING',
        `${this.label} lists ${ref.purl} but ${ref.url} answers 404`,
      );
    checkListedMd5(this.label, ref, bytes, meta.md5, 'MD5sum its own PACKAGES lists');
    return bytes;
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    const md5 = (ref.meta as { md5: string | null }).md5;
    return {
      ...unsignedIndexEvidence(
        ref,
        `a CRAN repository signs nothing; ${md5 ? "the tarball's md5 was checked against PACKAGES' MD5sum" : 'an archived version has no index digest to check'}`,
      ),
      indexDigest: md5 ? { algorithm: 'md5', value: md5 } : null, // checked in fetchArtifact
    };
  }
}
