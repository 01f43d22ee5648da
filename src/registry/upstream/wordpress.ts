/**
 * WordpressUpstream: a WordPress plugin directory API (api.wordpress.org, or a mirror with the
 * same answers) as Sigil's upstream, plugins only.
 *
 *   index      <url>/plugins/info/1.2/?action=plugin_information&request[slug]=<slug>: the
 *              current `version`, its `download_link`, and `versions` (version → zip URL)
 *   artifact   the zip the index names for the version (any http(s) URL: wordpress.org serves
 *              zips from downloads.wordpress.org)
 *   checked    what the directory offers: no digest of the zip at all, and no signature on it
 *              (WordPress core signs its own updates, not plugins). It does publish per-file
 *              checksums, `<zip origin>/plugin-checksums/<slug>/<version>.json` (md5 and sha256
 *              of every file in the plugin folder); when they exist, every file of the zip must
 *              be listed there with its sha256, and every listed file must be in the zip. When
 *              they do not (404), the zip is logged as first seen, and the evidence says so.
 *   evidence   registry signature "not-applicable" (none exists); indexDigest null (the
 *              checksums are per file, not of the zip), the per-file check in the reason
 */
import { createHash } from 'node:crypto';
import { readZip } from '../../archive/zip.js';
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface WordpressUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  readonly indexTtlMs?: number;
}

/** WordpressPluginInfo: what the directory says of a plugin. */
export interface WordpressPluginInfo {
  readonly version: string;
  /** version → zip URL (the current version included). */
  readonly versions: ReadonlyMap<string, string>;
}

const SLUG = /^[a-z0-9][a-z0-9_.-]{0,199}$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const httpUrl = (u: unknown): u is string => typeof u === 'string' && /^https?:\/\//.test(u);

interface ChecksumMeta {
  /** Set by fetchArtifact: how many files were checked, or why none were. */
  checked?: { files: number } | { none: string };
}

export class WordpressUpstream implements Upstream {
  readonly ecosystem = 'wordpress';
  readonly url: string;
  private readonly label: string;
  private readonly cache: IndexCache<WordpressPluginInfo | undefined>;

  constructor(private readonly o: WordpressUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `WordPress upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000);
  }

  /** info: the directory's answer for a plugin, checked; undefined when it has no such plugin. */
  info(slug: string): Promise<WordpressPluginInfo | undefined> {
    if (!SLUG.test(slug)) return Promise.resolve(undefined);
    return this.cache.get(slug, () => this.fetchInfo(slug));
  }

  private async fetchInfo(slug: string): Promise<WordpressPluginInfo | undefined> {
    const r = await this.o.client.get(
      `${this.url}/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=${slug}`,
      {
        upstream: this.label,
        what: `plugin_information of ${slug}`,
        maxBytes: this.o.limits.maxIndexBytes,
        accept: 'application/json',
      },
    );
    if (!r) return undefined;
    let doc: unknown;
    try {
      doc = JSON.parse(r.body.toString('utf8'));
    } catch {
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: plugin_information of ${slug} is not JSON`,
      );
    }
    if (!isObj(doc) || doc['error'] !== undefined) return undefined; // {"error": "Plugin not found."}
    const version = doc['version'];
    if (typeof version !== 'string' || !VERSION.test(version))
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: plugin_information of ${slug} has no valid "version"`,
      );
    const versions = new Map<string, string>();
    if (isObj(doc['versions']))
      for (const [v, u] of Object.entries(doc['versions']))
        if (VERSION.test(v) && v !== 'trunk' && httpUrl(u)) versions.set(v, u);
    if (httpUrl(doc['download_link'])) versions.set(version, doc['download_link']);
    return { version, versions };
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    const p = parsePurl(packagePurl);
    return p.namespace === 'plugin' ? this.info(p.name) : Promise.resolve(undefined);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null || p.namespace !== 'plugin') return undefined; // themes: not proxied
    const url = (await this.info(p.name))?.versions.get(p.version);
    if (!url) return undefined;
    const meta: ChecksumMeta & { checksumsUrl: string } = {
      checksumsUrl: `${new URL(url).origin}/plugin-checksums/${p.name}/${p.version}.json`,
    };
    return {
      purl,
      url,
      filename: `${p.name}.${p.version}.zip`,
      indexDigest: null, // the directory gives no digest of the zip
      publishedAt: null,
      meta,
    };
  }

  async fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    const bytes = await fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
    const meta = ref.meta as ChecksumMeta & { checksumsUrl: string };
    const r = await this.o.client.get(meta.checksumsUrl, {
      upstream: this.label,
      what: `plugin checksums of ${ref.filename}`,
      maxBytes: this.o.limits.maxIndexBytes,
      accept: 'application/json',
    });
    if (!r) {
      meta.checked = { none: `${meta.checksumsUrl} answers 404` };
      return bytes;
    }
    const mismatch = (why: string) =>
      new UpstreamError(
        502,
        'UPSTREAM_DIGEST_MISMATCH',
        `${this.label} served ${ref.filename} whose files disagree with ${meta.checksumsUrl}: ${why}; refused, nothing logged`,
        'the upstream or something between it and Sigil is serving other bytes than it lists',
      );
    let listed: Map<string, string[]>;
    try {
      const doc = JSON.parse(r.body.toString('utf8')) as { files?: unknown };
      if (!isObj(doc.files)) throw new Error('no "files"');
      listed = new Map(
        Object.entries(doc.files).map(([path, v]) => {
          const s = isObj(v) ? v['sha256'] : undefined;
          return [path, (Array.isArray(s) ? s : [s]).filter((x) => typeof x === 'string')];
        }),
      );
    } catch (e) {
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: ${meta.checksumsUrl} is not a plugin checksums document (${(e as Error).message})`,
      );
    }
    const slug = parsePurl(ref.purl).name;
    let zip;
    try {
      zip = await readZip(bytes, { file: ref.filename, select: (e) => e.type === 'file' });
    } catch {
      throw mismatch('it is not a readable zip');
    }
    const seen = new Set<string>();
    for (const [path, data] of zip.files) {
      const inPlugin = path.startsWith(`${slug}/`) ? path.slice(slug.length + 1) : undefined;
      if (inPlugin === undefined) throw mismatch(`${path} is outside the ${slug}/ folder`);
      const want = listed.get(inPlugin);
      if (!want) throw mismatch(`${inPlugin} is not listed`);
      if (!want.includes(createHash('sha256').update(data).digest('hex')))
        throw mismatch(`${inPlugin} has another sha256`);
      seen.add(inPlugin);
    }
    const missing = [...listed.keys()].find((p) => !seen.has(p));
    if (missing !== undefined) throw mismatch(`${missing} is listed but not in the zip`);
    meta.checked = { files: seen.size };
    return bytes;
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    const { checked, checksumsUrl } = ref.meta as ChecksumMeta & { checksumsUrl: string };
    return unsignedIndexEvidence(
      ref,
      `the WordPress plugin directory signs no plugin zip and lists no digest of it; ${
        checked && 'files' in checked
          ? `each of its ${checked.files} files matched the sha256 in ${checksumsUrl}`
          : `no per-file checksums to check (${checked?.none ?? 'not fetched'}): logged as first seen`
      }`,
    );
  }
}
