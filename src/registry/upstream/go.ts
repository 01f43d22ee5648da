/**
 * GoUpstream: any GOPROXY (proxy.golang.org, Athens, a static folder) as Sigil's upstream.
 *
 *   index      <url>/<module>/@v/<version>.info (its Time) and @v/list, @latest (passed through)
 *   artifact   <url>/<module>/@v/<version>.zip, checked with the go command's zip rules and
 *              against <url>/<module>/@v/<version>.mod: the `.mod` the proxy serves must be
 *              the zip's go.mod (or the one Go synthesises), else nothing is logged
 *   evidence   a GOPROXY signs nothing: registry signature and provenance are "not-applicable";
 *              the checksum Sigil computes (h1:) goes into its own checksum database
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { goModHash } from '../../ecosystems/golang/digest.js';
import { inspectGoModule } from '../../ecosystems/golang/identify.js';
import { escapePath, escapeVersion } from '../../ecosystems/golang/module.js';
import { memoryArtifact } from '../../ecosystems/memory-artifact.js';
import { InputError } from '../../core/errors.js';
import { UpstreamClient, UpstreamError } from './http.js';
import type { UpstreamSumdb } from './go-sumdb.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface GoUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  /** The upstream's checksum database, consulted for every version observed (go-sumdb.ts). */
  readonly sumdb?: UpstreamSumdb;
}

/** modulePathOf: the module path of a golang purl. */
export function modulePathOf(purl: string): { path: string; version: string | undefined } {
  const p = parsePurl(purl);
  return {
    path: p.namespace ? `${p.namespace}/${p.name}` : p.name,
    version: p.version ?? undefined,
  };
}

export class GoUpstream implements Upstream {
  readonly ecosystem = 'golang';
  readonly url: string;
  private readonly label: string;

  constructor(private readonly o: GoUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Go upstream ${this.url}`;
  }

  private base(path: string): string {
    return `${this.url}/${escapePath(path)}`;
  }

  /** text GETs a small text endpoint of the upstream (list, @latest, .info): undefined on 404/410. */
  async text(path: string, tail: string, what: string): Promise<string | undefined> {
    const r = await this.o.client.get(`${this.base(path)}/${tail}`, {
      upstream: this.label,
      what,
      maxBytes: this.o.limits.maxIndexBytes,
    });
    return r?.body.toString('utf8');
  }

  list(path: string): Promise<string | undefined> {
    return this.text(path, '@v/list', `version list of ${path}`);
  }

  latest(path: string): Promise<string | undefined> {
    return this.text(path, '@latest', `latest version of ${path}`);
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    return this.list(modulePathOf(packagePurl).path);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const { path, version } = modulePathOf(purl);
    if (version === undefined) return undefined;
    const info = await this.text(
      path,
      `@v/${escapeVersion(version)}.info`,
      `.info of ${path}@${version}`,
    );
    if (info === undefined) return undefined;
    let time: string | null = null;
    try {
      const doc = JSON.parse(info) as { Version?: unknown; Time?: unknown };
      if (typeof doc.Time === 'string') time = doc.Time;
      if (doc.Version !== version)
        throw new UpstreamError(
          502,
          'UPSTREAM_BAD_INDEX',
          `${this.label}: .info of ${path}@${version} names version ${JSON.stringify(doc.Version)}`,
        );
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: .info of ${path}@${version} is not JSON`,
      );
    }
    return {
      purl,
      url: `${this.base(path)}/@v/${escapeVersion(version)}.zip`,
      filename: `${version}.zip`,
      indexDigest: null,
      publishedAt: time,
    };
  }

  async fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    const { path, version } = modulePathOf(ref.purl);
    const zip = await this.o.client.get(ref.url, {
      upstream: this.label,
      what: `zip of ${path}@${version}`,
      maxBytes: this.o.limits.maxArtifactBytes,
    });
    if (!zip)
      throw new UpstreamError(
        502,
        'UPSTREAM_ARTIFACT_MISSING',
        `${this.label} has ${path}@${version}.info but its .zip answers 404`,
      );
    const mod = await this.o.client.get(`${this.base(path)}/@v/${escapeVersion(version!)}.mod`, {
      upstream: this.label,
      what: `.mod of ${path}@${version}`,
      maxBytes: this.o.limits.maxIndexBytes,
    });
    if (!mod)
      throw new UpstreamError(
        502,
        'UPSTREAM_ARTIFACT_MISSING',
        `${this.label} has ${path}@${version}.zip but its .mod answers 404`,
      );
    let facts;
    try {
      facts = await inspectGoModule(memoryArtifact(ref.filename, zip.body));
    } catch (e) {
      if (e instanceof InputError)
        throw new UpstreamError(
          502,
          'UPSTREAM_ARTIFACT_INVALID',
          `${this.label} served an invalid module zip for ${path}@${version}: ${e.message}`,
        );
      throw e;
    }
    if (facts.goModHash.value !== goModHash(mod.body)) {
      throw new UpstreamError(
        502,
        'UPSTREAM_DIGEST_MISMATCH',
        `${this.label}: the .mod of ${path}@${version} is not the go.mod inside its .zip; refused, nothing logged`,
      );
    }
    return zip.body;
  }

  async evidence(ref: ArtifactRef, integrity: string, bytes?: Buffer): Promise<UpstreamEvidence> {
    return {
      ...(this.o.sumdb && bytes
        ? { checksumDatabase: await this.checksumDatabase(ref, integrity, bytes, this.o.sumdb) }
        : {}),
      registrySignature: {
        verdict: 'not-applicable',
        reason:
          'a Go module proxy signs nothing; the go.sum hashes Sigil computed are in its checksum database',
      },
      provenance: { verdict: 'not-applicable', reason: 'Go modules carry no provenance' },
      indexDigest: null,
    };
  }

  /**
   * checksumDatabase compares the h1: hashes of the bytes with the upstream checksum database's
   * verified record; a different record refuses the observation (502, nothing logged).
   */
  private async checksumDatabase(
    ref: ArtifactRef,
    zipHash: string,
    bytes: Buffer,
    sumdb: UpstreamSumdb,
  ): Promise<NonNullable<UpstreamEvidence['checksumDatabase']>> {
    const { path, version } = modulePathOf(ref.purl);
    const rec = await sumdb.lookup(path, version!);
    if (!rec)
      return {
        verdict: 'absent',
        url: sumdb.url,
        reason: `the checksum database has no record of ${path}@${version}; Sigil's record is the first`,
      };
    const modHash = (await inspectGoModule(memoryArtifact(ref.filename, bytes))).goModHash.value;
    const ours = [`${path} ${version} ${zipHash}`, `${path} ${version}/go.mod ${modHash}`];
    if (rec.lines[0] !== ours[0] || rec.lines[1] !== ours[1])
      throw new UpstreamError(
        502,
        'UPSTREAM_CHECKSUM_MISMATCH',
        `${this.label} served ${path}@${version} with ${zipHash} (go.mod ${modHash}), but the checksum database ${sumdb.url} records ${rec.lines.map((l) => l.split(' ')[2]).join(' (go.mod ')}) at record ${rec.id}; refused, nothing logged`,
        'the proxy (or something between it and Sigil) serves other bytes than everyone else got; do not trust this version until that is explained',
      );
    return {
      verdict: 'match',
      url: rec.url,
      reason: `the checksum database's record ${rec.id} (tree of ${rec.treeSize}, signed and proved) lists the same h1: hashes`,
      lines: rec.lines,
      recordId: rec.id,
      treeSize: rec.treeSize,
      tree: rec.tree,
      proof: rec.proof,
    };
  }
}
