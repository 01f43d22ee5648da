/**
 * PuppetUpstream: a Puppet Forge v3 API (forgeapi.puppet.com, a Forge mirror) as Sigil's
 * upstream.
 *
 *   index      <url>/v3/releases?module=<author>-<name>, every page (pagination.next, same
 *              Forge only, at most MAX_PAGES); each result's version, file_uri, file_sha256,
 *              file_md5, created_at and metadata (puppet resolves dependencies from it)
 *   artifact   <url><file_uri> (file_uri is relative to the Forge, as puppet joins it), checked
 *              against `file_sha256`; a release listed with only `file_md5` is checked against
 *              that (weak, but the Forge's own), and one with neither is not resolved
 *   evidence   the Forge signs nothing: registry signature "not-applicable", said so
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { checkListedMd5, fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface PuppetUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  readonly indexTtlMs?: number;
}

/** PuppetUpstreamRelease: one release as the upstream lists it (the whole JSON object is kept). */
export interface PuppetUpstreamRelease {
  readonly version: string;
  readonly fileUri: string;
  readonly sha256: string | null;
  readonly md5: string | null;
  readonly createdAt: string | null;
  /** The result object as the upstream wrote it (metadata, dependencies, …). */
  readonly raw: Record<string, unknown>;
}

const MAX_PAGES = 50;
const AUTHOR = /^[A-Za-z0-9]+$/;
const MODULE = /^[a-z][a-z0-9_]*$/;
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** A Forge file path: /v3/files/<author>-<name>-<version>.tar.gz (no other path is fetched). */
const FILE_URI = /^\/v3\/files\/[A-Za-z0-9]+-[a-z][a-z0-9_]*-[0-9A-Za-z.+-]+\.tar\.gz$/;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class PuppetUpstream implements Upstream {
  readonly ecosystem = 'puppet';
  readonly url: string;
  private readonly label: string;
  private readonly cache: IndexCache<PuppetUpstreamRelease[] | undefined>;

  constructor(private readonly o: PuppetUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Puppet Forge upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000);
  }

  private badIndex(what: string): UpstreamError {
    return new UpstreamError(502, 'UPSTREAM_BAD_INDEX', `${this.label}: ${what}`);
  }

  /** releases lists a module's releases upstream; undefined when the Forge has no such module. */
  releases(author: string, name: string): Promise<PuppetUpstreamRelease[] | undefined> {
    if (!AUTHOR.test(author) || !MODULE.test(name)) return Promise.resolve(undefined);
    return this.cache.get(`${author}-${name}`, () => this.fetchReleases(author, name));
  }

  private async fetchReleases(
    author: string,
    name: string,
  ): Promise<PuppetUpstreamRelease[] | undefined> {
    const out: PuppetUpstreamRelease[] = [];
    let path: string | null = `/v3/releases?module=${author}-${name}&limit=100`;
    for (let page = 0; path !== null; page++) {
      if (page === MAX_PAGES)
        throw this.badIndex(`releases of ${author}-${name} run past ${MAX_PAGES} pages`);
      const r = await this.o.client.get(`${this.url}${path}`, {
        upstream: this.label,
        what: `releases of ${author}-${name}`,
        maxBytes: this.o.limits.maxIndexBytes,
        accept: 'application/json',
      });
      if (!r) return page === 0 ? undefined : out;
      let doc: unknown;
      try {
        doc = JSON.parse(r.body.toString('utf8'));
      } catch {
        throw this.badIndex(`releases of ${author}-${name} is not JSON`);
      }
      if (!isObj(doc) || !Array.isArray(doc['results']))
        throw this.badIndex(`releases of ${author}-${name} has no "results" list`);
      for (const rel of doc['results']) {
        if (!isObj(rel) || typeof rel['version'] !== 'string' || !VERSION.test(rel['version']))
          continue;
        const fileUri = rel['file_uri'];
        if (typeof fileUri !== 'string' || !FILE_URI.test(fileUri)) continue;
        const sha256 =
          typeof rel['file_sha256'] === 'string' ? rel['file_sha256'].toLowerCase() : '';
        const md5 = typeof rel['file_md5'] === 'string' ? rel['file_md5'].toLowerCase() : '';
        out.push({
          version: rel['version'],
          fileUri,
          sha256: /^[0-9a-f]{64}$/.test(sha256) ? sha256 : null,
          md5: /^[0-9a-f]{32}$/.test(md5) ? md5 : null,
          createdAt: typeof rel['created_at'] === 'string' ? rel['created_at'] : null,
          raw: rel,
        });
      }
      const next: unknown = isObj(doc['pagination']) ? doc['pagination']['next'] : null;
      // next is a path on the same Forge; anything else ends the listing
      path = typeof next === 'string' && next.startsWith('/v3/releases?') ? next : null;
    }
    return out;
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    const p = parsePurl(packagePurl);
    return this.releases(p.namespace ?? '', p.name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null) return undefined;
    const rel = (await this.releases(p.namespace ?? '', p.name))?.find(
      (r) => r.version === p.version,
    );
    if (!rel || (!rel.sha256 && !rel.md5)) return undefined; // nothing to check it by
    return {
      purl,
      url: `${this.url}${rel.fileUri}`,
      filename: rel.fileUri.slice(rel.fileUri.lastIndexOf('/') + 1),
      indexDigest: rel.sha256 ? { algorithm: 'sha256', hex: rel.sha256 } : null,
      publishedAt: rel.createdAt,
      meta: { md5: rel.sha256 ? null : rel.md5 },
    };
  }

  async fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    const bytes = await fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
    const md5 = (ref.meta as { md5: string | null }).md5;
    checkListedMd5(this.label, ref, bytes, md5, 'file_md5 it lists');
    return bytes;
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    const md5 = (ref.meta as { md5: string | null }).md5;
    return {
      ...unsignedIndexEvidence(
        ref,
        `the Puppet Forge signs nothing; the tarball was checked against the release's ${md5 ? 'file_md5 (it lists no file_sha256)' : 'file_sha256'}`,
      ),
      ...(md5 ? { indexDigest: { algorithm: 'md5', value: md5 } } : {}),
    };
  }
}
