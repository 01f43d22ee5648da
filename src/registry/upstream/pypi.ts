/**
 * PypiUpstream: a PyPI-compatible simple index (pypi.org/simple, a devpi, a PEP 503 folder
 * behind any static file server) as Sigil's upstream.
 *
 *   index      GET <url>/<normalized name>/ asking for PEP 691 JSON first, PEP 503 HTML
 *              otherwise; file URLs are resolved against the page's URL
 *   artifact   every file the index lists, each its own record under its file purl
 *              (`pkg:pypi/<name>@<version>?file_name=<file>`, docs/pypi.md), checked against
 *              the index's sha256 for that file; a version purl (no file_name) locates the
 *              preferred file (chooseFiles: pure wheel, sdist, other wheel)
 *   evidence   PyPI signs neither index nor files: registry signature "not-applicable";
 *              PEP 740 provenance, where the index links one, verified (pypi-provenance.ts:
 *              "valid" with the publisher, or the file is refused); "none" where it links none
 *
 * Project pages are cached for `indexTtlMs` (pip asks for the page, then for the file: one
 * upstream fetch for both) and fetched once at a time per name.
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { makePurl, parsePurl } from '../../core/purl.js';
import { normalizePypiName } from '../../ecosystems/pypi/name.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { pep740Evidence } from './pypi-provenance.js';
import { fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface PypiUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  /** How long a fetched project page is reused, ms (default 10 s). */
  readonly indexTtlMs?: number;
  /** Sigstore trusted root for PEP 740 provenance (default: the bundled public-good root). */
  readonly trustedRoot?: unknown;
  readonly now?: () => number;
}

/** UpstreamFile: one file of a project page, as the upstream lists it. */
export interface UpstreamFile {
  readonly filename: string;
  /** Absolute URL of the file (fragment removed). */
  readonly url: string;
  readonly version: string;
  /** The index's sha256 (hex), if it gives one. */
  readonly sha256: string | null;
  readonly requiresPython?: string;
  /** undefined: not yanked; "" yanked without a reason. */
  readonly yanked?: string;
  readonly uploadTime: string | null;
  readonly size?: number;
  /** PEP 740: where the upstream serves the file's provenance, if it does. */
  readonly provenance?: string;
}

const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX64 = /^[0-9a-f]{64}$/;

/** pypiVersionOf reads the version from a distribution file name of project `norm` (undefined: not one of its files). */
export function pypiVersionOf(filename: string, norm: string): string | undefined {
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length < 5 || parts.length > 6) return undefined;
    return normalizePypiName(parts[0]!) === norm ? parts[1] : undefined;
  }
  const ext = ['.tar.gz', '.zip', '.tar.bz2', '.tgz'].find((e) => filename.endsWith(e));
  if (!ext) return undefined;
  const stem = filename.slice(0, -ext.length);
  // Legacy sdists may keep hyphens in the name: the split is where the prefix is the project.
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1))
    if (normalizePypiName(stem.slice(0, i)) === norm) return stem.slice(i + 1) || undefined;
  return undefined;
}

/** fileRank orders a version's files: pure wheel, sdist, other wheel; above 3 Sigil does not serve it (eggs, installers). */
export function fileRank(filename: string): number {
  if (filename.endsWith('-none-any.whl')) return 0;
  if (filename.endsWith('.tar.gz')) return 1;
  if (filename.endsWith('.zip')) return 2;
  if (filename.endsWith('.whl')) return 3;
  return 9;
}

/** chooseFiles picks the one file per version Sigil serves (and logs) from an upstream listing. */
export function chooseFiles(files: readonly UpstreamFile[]): Map<string, UpstreamFile> {
  const out = new Map<string, UpstreamFile>();
  for (const f of files) {
    const have = out.get(f.version);
    if (fileRank(f.filename) > 3) continue;
    if (!have || fileRank(f.filename) < fileRank(have.filename)) out.set(f.version, f);
  }
  return out;
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** parseSimpleHtml reads a PEP 503 project page (anchors; `#sha256=`, data-requires-python, data-yanked, data-provenance). */
export function parseSimpleHtml(html: string, pageUrl: string, norm: string): UpstreamFile[] {
  const out: UpstreamFile[] = [];
  for (const m of html.matchAll(/<a\s([^>]*)>([^<]*)<\/a>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of m[1]!.matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
      attrs.set(a[1]!.toLowerCase(), unescapeHtml(a[2] ?? a[3] ?? ''));
    if (!m[1]!.match(/\bdata-yanked\b/i)) attrs.delete('data-yanked');
    else if (!attrs.has('data-yanked')) attrs.set('data-yanked', '');
    const href = attrs.get('href');
    if (!href) continue;
    out.push(...fileOf(href, unescapeHtml(m[2]!.trim()), pageUrl, norm, attrs));
  }
  return out;
}

function fileOf(
  href: string,
  text: string,
  pageUrl: string,
  norm: string,
  attrs: Map<string, string>,
  json?: Record<string, unknown>,
): UpstreamFile[] {
  let url: URL;
  try {
    url = new URL(href, pageUrl);
  } catch {
    return [];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [];
  const frag = /^#?sha256=([0-9a-fA-F]{64})$/.exec(url.hash);
  url.hash = '';
  const filename = text || decodeURIComponent(url.pathname.split('/').pop() ?? '');
  if (!filename || filename.includes('/')) return [];
  const version = pypiVersionOf(filename, norm);
  if (!version) return [];
  const hashes = json && isObj(json['hashes']) ? json['hashes'] : undefined;
  const jsonSha = hashes && typeof hashes['sha256'] === 'string' ? hashes['sha256'] : undefined;
  const sha = (jsonSha ?? frag?.[1])?.toLowerCase();
  const yanked = attrs.get('data-yanked');
  return [
    {
      filename,
      url: url.toString(),
      version,
      sha256: sha && HEX64.test(sha) ? sha : null,
      ...(attrs.get('data-requires-python')
        ? { requiresPython: attrs.get('data-requires-python')! }
        : {}),
      ...(yanked !== undefined ? { yanked } : {}),
      uploadTime: attrs.get('upload-time') ?? null,
      ...(attrs.get('size') ? { size: Number(attrs.get('size')) } : {}),
      ...(attrs.get('data-provenance')
        ? { provenance: new URL(attrs.get('data-provenance')!, pageUrl).toString() }
        : {}),
    },
  ];
}

/** parseSimpleJson reads a PEP 691 project page (PEP 700 size and upload-time, PEP 740 provenance). */
export function parseSimpleJson(doc: unknown, pageUrl: string, norm: string): UpstreamFile[] {
  if (!isObj(doc) || !Array.isArray(doc['files'])) throw new Error('no "files" list');
  const out: UpstreamFile[] = [];
  for (const f of doc['files']) {
    if (!isObj(f) || typeof f['url'] !== 'string' || typeof f['filename'] !== 'string') continue;
    const attrs = new Map<string, string>();
    if (typeof f['requires-python'] === 'string')
      attrs.set('data-requires-python', f['requires-python']);
    if (f['yanked'] === true) attrs.set('data-yanked', '');
    else if (typeof f['yanked'] === 'string') attrs.set('data-yanked', f['yanked']);
    if (typeof f['upload-time'] === 'string') attrs.set('upload-time', f['upload-time']);
    if (typeof f['size'] === 'number') attrs.set('size', String(f['size']));
    if (typeof f['provenance'] === 'string') attrs.set('data-provenance', f['provenance']);
    out.push(...fileOf(f['url'], f['filename'], pageUrl, norm, attrs, f));
  }
  return out;
}

/** pypiNameOf: the normalized project name, version and file name (`?file_name=`) of a pypi purl. */
export function pypiNameOf(purl: string): {
  norm: string;
  version: string | undefined;
  fileName: string | undefined;
} {
  const p = parsePurl(purl);
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  return {
    norm: normalizePypiName(p.name),
    version: p.version ?? undefined,
    fileName: q['file_name'],
  };
}

/** pypiFilePurl: the purl of one upstream file (docs/pypi.md "Several files per version"). */
export function pypiFilePurl(norm: string, f: Pick<UpstreamFile, 'version' | 'filename'>): string {
  return makePurl('pypi', undefined, norm, f.version, { file_name: f.filename });
}

export class PypiUpstream implements Upstream {
  readonly ecosystem = 'pypi';
  readonly url: string;
  private readonly label: string;
  private readonly cache: IndexCache<UpstreamFile[] | undefined>;

  constructor(private readonly o: PypiUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `PyPI upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000, o.now);
  }

  /** files returns every file the upstream lists for project `norm`, or undefined when it has no such project. */
  files(norm: string): Promise<UpstreamFile[] | undefined> {
    return this.cache.get(norm, () => this.fetchFiles(norm));
  }

  private async fetchFiles(norm: string): Promise<UpstreamFile[] | undefined> {
    const r = await this.o.client.get(`${this.url}/${norm}/`, {
      upstream: this.label,
      what: `project page of ${norm}`,
      maxBytes: this.o.limits.maxIndexBytes,
      accept: `${SIMPLE_JSON}, text/html;q=0.1`,
    });
    if (!r) return undefined;
    const type = r.headers.get('content-type') ?? '';
    const text = r.body.toString('utf8');
    if (type.includes('json')) {
      try {
        return parseSimpleJson(JSON.parse(text), r.url, norm);
      } catch (e) {
        throw new UpstreamError(
          502,
          'UPSTREAM_BAD_INDEX',
          `${this.label}: the project page of ${norm} is not PEP 691 JSON (${(e as Error).message})`,
        );
      }
    }
    return parseSimpleHtml(text, r.url, norm);
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    return this.files(pypiNameOf(packagePurl).norm);
  }

  /** fileFor: a file of a version as the upstream lists it now: the named one, else the preferred one. */
  async fileFor(
    norm: string,
    version: string,
    fileName?: string,
  ): Promise<UpstreamFile | undefined> {
    const files = await this.files(norm);
    if (!files) return undefined;
    if (fileName === undefined) return chooseFiles(files).get(version);
    return files.find((f) => f.version === version && f.filename === fileName);
  }

  /** filesOfVersion: every file the upstream lists for one version (empty when none). */
  async filesOfVersion(norm: string, version: string): Promise<UpstreamFile[]> {
    return ((await this.files(norm)) ?? []).filter((f) => f.version === version);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const { norm, version, fileName } = pypiNameOf(purl);
    if (version === undefined) return undefined;
    const f = await this.fileFor(norm, version, fileName);
    if (!f) return undefined;
    return {
      purl: pypiFilePurl(norm, f), // a version purl locates its preferred file, recorded as that file
      url: f.url,
      filename: f.filename,
      indexDigest: f.sha256 ? { algorithm: 'sha256', hex: f.sha256 } : null,
      publishedAt: f.uploadTime,
      meta: f,
    };
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef, _native: string, bytes?: Buffer): Promise<UpstreamEvidence> {
    const f = ref.meta as UpstreamFile;
    return unsignedIndexEvidence(
      ref,
      `a PyPI index signs nothing; the file's sha256 ${ref.indexDigest ? 'was checked against the index' : 'is not given by the index (nothing to check)'}`,
      !f.provenance
        ? { verdict: 'none', reason: 'the upstream lists no PEP 740 provenance for this file' }
        : bytes
          ? await pep740Evidence(
              this.o.client,
              this.label,
              f.provenance,
              f.filename,
              bytes,
              this.o.trustedRoot,
            )
          : {
              verdict: 'unverified',
              reason: `PEP 740 provenance at ${f.provenance} not checked: no bytes to check it against`,
            },
    );
  }
}
