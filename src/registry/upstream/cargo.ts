/**
 * CargoUpstream: a sparse Cargo registry index (index.crates.io, or any static folder laid
 * out the same way) as Sigil's upstream.
 *
 *   index      <url>/config.json (its `dl` template) and <url>/<index path of the name>: one
 *              JSON line per version (doc.rust-lang.org/cargo/reference/registry-index.html)
 *   artifact   the .crate at the `dl` template's URL, checked against the line's `cksum`
 *              (sha256) — the checksum cargo itself writes into Cargo.lock
 *   evidence   a Cargo index signs nothing: registry signature and provenance "not-applicable"
 *
 * Index files are cached for `indexTtlMs` (cargo asks for the index, then for the .crate).
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { indexPath } from '../personalities/cargo/index-path.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface CargoUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  readonly indexTtlMs?: number;
  readonly now?: () => number;
}

/** UpstreamIndexLine: one version line of the upstream index, kept verbatim for serving. */
export interface UpstreamIndexLine {
  readonly name: string;
  readonly vers: string;
  readonly cksum: string;
  /** The parsed line, every field as the upstream wrote it. */
  readonly raw: Record<string, unknown>;
  /** `pubtime` (cargo ≥ 1.94 indexes), when the upstream gives it. */
  readonly pubtime: string | null;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** parseIndexLines reads an index file; lines that are not version lines are skipped, not fatal (cargo does the same). */
export function parseIndexLines(text: string): UpstreamIndexLine[] {
  const out: UpstreamIndexLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    if (
      !isObj(doc) ||
      typeof doc['name'] !== 'string' ||
      typeof doc['vers'] !== 'string' ||
      typeof doc['cksum'] !== 'string' ||
      !/^[0-9a-f]{64}$/.test(doc['cksum'])
    )
      continue;
    out.push({
      name: doc['name'],
      vers: doc['vers'],
      cksum: doc['cksum'],
      raw: doc,
      pubtime: typeof doc['pubtime'] === 'string' ? doc['pubtime'] : null,
    });
  }
  return out;
}

/** downloadUrl fills a `dl` template (registry-index.html "Download URL"). */
export function downloadUrl(dl: string, name: string, version: string, cksum: string): string {
  const markers = ['{crate}', '{version}', '{prefix}', '{lowerprefix}', '{sha256-checksum}'];
  if (!markers.some((m) => dl.includes(m)))
    return `${dl.replace(/\/+$/, '')}/${name}/${version}/download`;
  const prefix = indexPath(name).split('/').slice(0, -1).join('/');
  const exactPrefix =
    name.length <= 2
      ? prefix
      : name.length === 3
        ? `3/${name[0]}`
        : `${name.slice(0, 2)}/${name.slice(2, 4)}`;
  return dl
    .replaceAll('{crate}', name)
    .replaceAll('{version}', version)
    .replaceAll('{prefix}', exactPrefix)
    .replaceAll('{lowerprefix}', prefix)
    .replaceAll('{sha256-checksum}', cksum);
}

export class CargoUpstream implements Upstream {
  readonly ecosystem = 'cargo';
  readonly url: string;
  private readonly label: string;
  private dl: Promise<string> | undefined;
  private readonly cache: IndexCache<UpstreamIndexLine[] | undefined>;

  constructor(private readonly o: CargoUpstreamOptions) {
    this.url = o.url.replace(/^sparse\+/, '').replace(/\/+$/, '');
    this.label = `Cargo upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000, o.now);
  }

  /** downloadTemplate: the upstream's `dl` from its config.json (fetched once; again after a failure). */
  private downloadTemplate(): Promise<string> {
    if (!this.dl) {
      this.dl = (async () => {
        const r = await this.o.client.get(`${this.url}/config.json`, {
          upstream: this.label,
          what: 'index config.json',
          maxBytes: 1 << 20,
          accept: 'application/json',
        });
        let dl: unknown;
        try {
          dl = r ? (JSON.parse(r.body.toString('utf8')) as Record<string, unknown>)['dl'] : '';
        } catch {
          dl = undefined;
        }
        if (typeof dl !== 'string' || !/^https?:\/\//.test(dl))
          throw new UpstreamError(
            502,
            'UPSTREAM_BAD_INDEX',
            `${this.label}: config.json has no http(s) "dl" download URL`,
            'point --upstream cargo= at a sparse index root (the folder holding config.json)',
          );
        return dl;
      })();
      this.dl.catch(() => (this.dl = undefined));
    }
    return this.dl;
  }

  /** lines returns the upstream's index lines of crate `name` (any case), or undefined when it has no such crate. */
  lines(name: string): Promise<UpstreamIndexLine[] | undefined> {
    const key = name.toLowerCase();
    return this.cache.get(key, async () => {
      const r = await this.o.client.get(`${this.url}/${indexPath(key)}`, {
        upstream: this.label,
        what: `index file of ${name}`,
        maxBytes: this.o.limits.maxIndexBytes,
      });
      return r ? parseIndexLines(r.body.toString('utf8')) : undefined;
    });
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    return this.lines(parsePurl(packagePurl).name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null) return undefined;
    const line = (await this.lines(p.name))?.find((l) => l.name === p.name && l.vers === p.version);
    if (!line) return undefined;
    return {
      purl,
      url: downloadUrl(await this.downloadTemplate(), line.name, line.vers, line.cksum),
      filename: `${line.name}-${line.vers}.crate`,
      indexDigest: { algorithm: 'sha256', hex: line.cksum },
      publishedAt: line.pubtime,
    };
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    return unsignedIndexEvidence(
      ref,
      "a Cargo index signs nothing; the crate's sha256 was checked against the index's cksum",
    );
  }
}
