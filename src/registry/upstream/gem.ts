/**
 * GemUpstream: a RubyGems compact index (rubygems.org, a Gemstash, a static folder) as Sigil's
 * upstream.
 *
 *   index      <url>/info/<name> (one line per version: `<v>[-<platform>] <deps>|checksum:<sha256>,…`)
 *              and <url>/versions (every gem, for bundler; passed through, see gem-proxy.ts)
 *   artifact   <url>/gems/<name>-<version>[-<platform>].gem, checked against the info line's
 *              `checksum:` (sha256) — the checksum bundler itself checks
 *   evidence   the compact index signs nothing: registry signature "not-applicable" (a gem's
 *              own X.509 signatures stay inside its bytes, for `gem install -P`)
 *
 * Info files and /versions are cached for `indexTtlMs`.
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { makePurl, parsePurl } from '../../core/purl.js';
import { UpstreamClient } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface GemUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  readonly indexTtlMs?: number;
  readonly now?: () => number;
}

/** InfoLine: one version line of /info/<name>, kept verbatim for serving. */
export interface InfoLine {
  readonly version: string;
  /** "ruby" for a pure-Ruby gem. */
  readonly platform: string;
  readonly checksum: string | null;
  readonly text: string;
}

export const GEM_NAME = /^[a-zA-Z0-9.\-_]+$/;

/** parseInfo reads a compact index info file (lines after `---`; others are skipped). */
export function parseInfo(text: string): InfoLine[] {
  const out: InfoLine[] = [];
  for (const line of text.split('\n')) {
    if (!line || line === '---') continue;
    const m = /^(\S+) ([^|]*)\|(.*)$/.exec(line);
    if (!m) continue;
    const dash = m[1]!.indexOf('-');
    const version = dash < 0 ? m[1]! : m[1]!.slice(0, dash);
    const platform = dash < 0 ? 'ruby' : m[1]!.slice(dash + 1);
    const sum = /(?:^|,)checksum:([0-9a-f]{64})(?:,|$)/.exec(m[3]!);
    out.push({ version, platform, checksum: sum ? sum[1]! : null, text: line });
  }
  return out;
}

/** gemPurl: the purl of a gem version (platform as a qualifier unless "ruby"). */
export function gemPurl(name: string, version: string, platform: string): string {
  return makePurl('gem', undefined, name, version, platform === 'ruby' ? undefined : { platform });
}

/** gemFullName: RubyGems' `name-version[-platform]`. */
export const gemFileStem = (name: string, version: string, platform: string) =>
  platform === 'ruby' ? `${name}-${version}` : `${name}-${version}-${platform}`;

export class GemUpstream implements Upstream {
  readonly ecosystem = 'gem';
  readonly url: string;
  private readonly label: string;
  private readonly cache: IndexCache<string | undefined>;

  constructor(private readonly o: GemUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `RubyGems upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000, o.now);
  }

  private cachedText(path: string, what: string): Promise<string | undefined> {
    return this.cache.get(path, () =>
      this.o.client
        .get(`${this.url}/${path}`, {
          upstream: this.label,
          what,
          maxBytes: this.o.limits.maxIndexBytes,
        })
        .then((r) => r?.body.toString('utf8')),
    );
  }

  /** info returns the upstream's info lines of gem `name`, or undefined when it has no such gem. */
  async info(name: string): Promise<InfoLine[] | undefined> {
    if (!GEM_NAME.test(name)) return undefined;
    const text = await this.cachedText(`info/${name}`, `info file of ${name}`);
    return text === undefined ? undefined : parseInfo(text);
  }

  /** versions returns the upstream's /versions file (undefined when it serves none). */
  versions(): Promise<string | undefined> {
    return this.cachedText('versions', 'versions file');
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    return this.info(parsePurl(packagePurl).name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null) return undefined;
    const platform = p.qualifiers?.['platform'] ?? 'ruby';
    const line = (await this.info(p.name))?.find(
      (l) => l.version === p.version && l.platform === platform,
    );
    if (!line) return undefined;
    const stem = gemFileStem(p.name, line.version, line.platform);
    return {
      purl,
      url: `${this.url}/gems/${encodeURIComponent(stem)}.gem`,
      filename: `${stem}.gem`,
      indexDigest: line.checksum ? { algorithm: 'sha256', hex: line.checksum } : null,
      publishedAt: null, // the compact index gives no time per version
    };
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    return unsignedIndexEvidence(
      ref,
      `the compact index signs nothing; the gem's sha256 ${ref.indexDigest ? "was checked against the info file's checksum" : 'is not given by the info file (nothing to check)'}; X.509 gem signatures, if any, stay in the bytes for gem install -P`,
    );
  }
}
