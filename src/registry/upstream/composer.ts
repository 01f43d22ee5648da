/**
 * ComposerUpstream: a Composer v2 repository (repo.packagist.org, a Satis/Private Packagist, a
 * static folder) as Sigil's upstream.
 *
 *   index      <url>/packages.json for its `metadata-url` (default /p2/%package%.json), then
 *              the package's p2 document; Packagist's minified form (composer/2.0: each version
 *              lists only what changed from the one before, "__unset" removes) is expanded
 *   artifact   the version's `dist` (zip only), checked against `dist.shasum` (sha1) when the
 *              upstream gives one — Packagist often gives "" for GitHub zipballs, then there is
 *              nothing to check and the observed record says so
 *   evidence   a Composer repository signs nothing: registry signature "not-applicable"
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface ComposerUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  readonly indexTtlMs?: number;
  readonly now?: () => number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** expandMinified undoes composer/metadata-minifier (each entry inherits from the one before). */
export function expandMinified(versions: readonly unknown[]): Json[] {
  const out: Json[] = [];
  let previous: Json = {};
  for (const v of versions) {
    if (!isObj(v)) continue;
    const next: Json = { ...previous };
    for (const [k, val] of Object.entries(v)) {
      if (val === '__unset') delete next[k];
      else next[k] = val;
    }
    out.push(next);
    previous = next;
  }
  return out;
}

/** composerNameOf: `vendor/name` of a composer purl (lower case). */
export function composerNameOf(purl: string): { name: string; version: string | undefined } {
  const p = parsePurl(purl);
  return { name: `${p.namespace ?? ''}/${p.name}`.toLowerCase(), version: p.version ?? undefined };
}

export class ComposerUpstream implements Upstream {
  readonly ecosystem = 'composer';
  readonly url: string;
  private readonly label: string;
  private metadataUrl: Promise<string> | undefined;
  private readonly cache: IndexCache<Json[] | undefined>;

  constructor(private readonly o: ComposerUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Composer upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000, o.now);
  }

  private template(): Promise<string> {
    if (!this.metadataUrl) {
      this.metadataUrl = (async () => {
        const r = await this.o.client.get(`${this.url}/packages.json`, {
          upstream: this.label,
          what: 'packages.json',
          maxBytes: this.o.limits.maxIndexBytes,
          accept: 'application/json',
        });
        let t: unknown;
        try {
          t = r ? (JSON.parse(r.body.toString('utf8')) as Json)['metadata-url'] : undefined;
        } catch {
          throw new UpstreamError(
            502,
            'UPSTREAM_BAD_INDEX',
            `${this.label}: packages.json is not JSON`,
          );
        }
        if (typeof t !== 'string' || !t.includes('%package%'))
          throw new UpstreamError(
            502,
            'UPSTREAM_BAD_INDEX',
            `${this.label}: packages.json has no Composer v2 "metadata-url"`,
            'point --upstream composer= at a Composer v2 repository (the folder holding packages.json)',
          );
        return new URL(t, `${this.url}/`).toString();
      })();
      this.metadataUrl.catch(() => (this.metadataUrl = undefined));
    }
    return this.metadataUrl;
  }

  /** versions returns the expanded version entries of `vendor/name`, or undefined when the upstream has no such package. */
  versions(name: string): Promise<Json[] | undefined> {
    return this.cache.get(name, async () => {
      const url = (await this.template()).replace('%package%', name);
      const doc = await this.o.client.getJson(url, {
        upstream: this.label,
        what: `metadata of ${name}`,
        maxBytes: this.o.limits.maxIndexBytes,
      });
      if (doc === undefined) return undefined;
      const list = isObj(doc) && isObj(doc['packages']) ? doc['packages'][name] : undefined;
      if (!Array.isArray(list))
        throw new UpstreamError(
          502,
          'UPSTREAM_BAD_INDEX',
          `${this.label}: the metadata of ${name} has no "packages"."${name}" list`,
        );
      return (doc as Json)['minified'] === 'composer/2.0'
        ? expandMinified(list)
        : list.filter((v): v is Json => isObj(v));
    });
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    return this.versions(composerNameOf(packagePurl).name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const { name, version } = composerNameOf(purl);
    if (version === undefined) return undefined;
    const v = (await this.versions(name))?.find((e) => e['version'] === version);
    if (!v) return undefined;
    const dist = isObj(v['dist']) ? v['dist'] : {};
    if (
      dist['type'] !== 'zip' ||
      typeof dist['url'] !== 'string' ||
      !/^https?:\/\//.test(dist['url'])
    )
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: ${name} ${version} has no http(s) zip dist (Sigil logs dist archives, not VCS sources)`,
      );
    const shasum = typeof dist['shasum'] === 'string' ? dist['shasum'].toLowerCase() : '';
    const bare = name.slice(name.indexOf('/') + 1);
    return {
      purl,
      url: dist['url'],
      filename: `${bare}-${version}.zip`,
      indexDigest: /^[0-9a-f]{40}$/.test(shasum) ? { algorithm: 'sha1', hex: shasum } : null,
      publishedAt: typeof v['time'] === 'string' ? v['time'] : null,
      meta: v,
    };
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    return unsignedIndexEvidence(
      ref,
      `a Composer repository signs nothing; ${ref.indexDigest ? "the dist's sha1 was checked against dist.shasum" : 'the upstream gives no dist.shasum, so there was nothing to check the bytes against'}`,
    );
  }
}
