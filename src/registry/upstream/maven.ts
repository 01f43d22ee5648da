/**
 * MavenUpstream: a Maven 2 repository (repo1.maven.org/maven2, a Nexus or Artifactory proxy, a
 * static folder) as Sigil's upstream, released versions only.
 *
 *   index      none to list: a file is located by its path, and its checksum sidecar
 *              (`<file>.sha256`, else `<file>.sha1`) is the upstream's own digest. A file the
 *              upstream serves without either sidecar is not resolved (nothing to check it by)
 *   artifact   <url>/<group path>/<artifactId>/<version>/<artifactId>-<version>[-<classifier>].<ext>
 *   metadata   maven-metadata.xml of an upstream artifact is passed through (mvn reads it for
 *              ranges and LATEST; it lists versions, no bytes)
 *   evidence   a Maven repository has no registry signature; authors' `.asc` files are not
 *              checked here (each needs the author's key): "not-applicable", said so
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { makePurl, parsePurl } from '../../core/purl.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { fetchListedArtifact, unsignedIndexEvidence } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface MavenUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
}

const SEGMENT = /^[A-Za-z0-9_.+-]+$/;

/** mavenPurlOfPath reads the purl a repository path names (undefined: not an artifact path, or a SNAPSHOT). */
export function mavenPurlOfPath(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.length < 4 || !parts.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..'))
    return undefined;
  const file = parts.at(-1)!;
  const version = parts.at(-2)!;
  const artifactId = parts.at(-3)!;
  if (version.endsWith('-SNAPSHOT')) return undefined;
  const stem = `${artifactId}-${version}`;
  if (!file.startsWith(stem)) return undefined;
  const m = /^(?:-([A-Za-z0-9_.-]+?))?\.([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?)$/.exec(
    file.slice(stem.length),
  );
  if (!m || /^(sha1|sha256|sha512|md5|asc)$/.test(m[2]!)) return undefined;
  const q: Record<string, string> = {};
  if (m[1]) q['classifier'] = m[1];
  if (m[2] !== 'jar') q['type'] = m[2]!;
  return makePurl(
    'maven',
    parts.slice(0, -3).join('.'),
    artifactId,
    version,
    Object.keys(q).length ? q : undefined,
  );
}

/** mavenPathOfPurl: the repository path of a maven purl. */
export function mavenPathOfPurl(purl: string): string {
  const p = parsePurl(purl);
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  const classifier = q['classifier'] ? `-${q['classifier']}` : '';
  return `${(p.namespace ?? '').split('.').join('/')}/${p.name}/${p.version}/${p.name}-${p.version}${classifier}.${q['type'] ?? 'jar'}`;
}

export class MavenUpstream implements Upstream {
  readonly ecosystem = 'maven';
  readonly url: string;
  private readonly label: string;

  constructor(private readonly o: MavenUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Maven upstream ${this.url}`;
  }

  /** passThrough GETs a small file of the upstream (maven-metadata.xml and its checksums); undefined on 404. */
  async passThrough(path: string): Promise<Buffer | undefined> {
    const r = await this.o.client.get(`${this.url}/${path}`, {
      upstream: this.label,
      what: path,
      maxBytes: this.o.limits.maxIndexBytes,
    });
    return r?.body;
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    const p = parsePurl(packagePurl);
    return this.passThrough(
      `${(p.namespace ?? '').split('.').join('/')}/${p.name}/maven-metadata.xml`,
    );
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    if (parsePurl(purl).version == null) return undefined;
    const path = mavenPathOfPurl(purl);
    for (const algorithm of ['sha256', 'sha1'] as const) {
      const side = await this.passThrough(`${path}.${algorithm}`);
      if (!side) continue;
      const hex = side.toString('utf8').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      if (!new RegExp(`^[0-9a-f]{${algorithm === 'sha256' ? 64 : 40}}$`).test(hex))
        throw new UpstreamError(
          502,
          'UPSTREAM_BAD_INDEX',
          `${this.label}: ${path}.${algorithm} is not a ${algorithm} checksum`,
        );
      return {
        purl,
        url: `${this.url}/${path}`,
        filename: path.slice(path.lastIndexOf('/') + 1),
        indexDigest: { algorithm, hex },
        publishedAt: null,
      };
    }
    return undefined; // no checksum sidecar: not resolved (docs/proxy.md)
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    return unsignedIndexEvidence(
      ref,
      `a Maven repository has no registry signature (authors' .asc files are not checked by the proxy); the file's ${ref.indexDigest?.algorithm ?? 'digest'} was checked against the upstream's checksum file`,
    );
  }
}
