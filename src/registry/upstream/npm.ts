/**
 * NpmUpstream: an npm registry (registry.npmjs.org, a mirror, a Verdaccio) as Sigil's upstream.
 *
 *   index      GET <url>/<name>  (full packument, `Accept: application/json`: `time` and
 *              `dist.signatures` are only in the full document)
 *   artifact   the version's `dist.tarball`, checked against its `dist.integrity` (sha512) or,
 *              for very old versions without one, `dist.shasum` (sha1)
 *   evidence   the registry signature in `dist.signatures` against the upstream's keys
 *              (`<url>/-/npm/v1/keys`, or the keys given in the config); provenance from
 *              `dist.attestations` (`/-/npm/v1/attestations/<name>@<version>`) verified with the
 *              bundled Sigstore trusted root, and its repository and workflow read from it
 *
 * Packuments are cached for a few seconds (an install asks for the packument, then for each
 * tarball: one upstream fetch for both) and fetched once at a time per name.
 */
import {
  parseNpmKeys,
  verifyNpmManifest,
  type NpmRegistryKey,
} from '../../foreign/npm-registry/index.js';
import {
  parseNpmAttestations,
  SLSA_PROVENANCE_V1,
  verifySigstoreBundle,
} from '../../foreign/sigstore/index.js';
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { UpstreamClient, UpstreamError } from './http.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface NpmUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  /** The upstream's registry keys (npm keys document), when it serves none itself. */
  readonly keys?: unknown;
  /** How long a fetched packument is reused, ms (default 10 s). */
  readonly packumentTtlMs?: number;
  readonly now?: () => number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** npmNameOf: the npm package name of an npm purl (`@scope/name` or `name`). */
export function npmNameOf(purl: string): { name: string; version: string | undefined } {
  const p = parsePurl(purl);
  return {
    name: p.namespace ? `${p.namespace}/${p.name}` : p.name,
    version: p.version ?? undefined,
  };
}

export class NpmUpstream implements Upstream {
  readonly ecosystem = 'npm';
  readonly url: string;
  private readonly label: string;
  private readonly cache = new Map<string, { at: number; doc: Promise<Json | undefined> }>();
  private keys: Promise<NpmRegistryKey[] | undefined> | undefined;

  constructor(private readonly o: NpmUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `npm upstream ${this.url}`;
    if (o.keys !== undefined) this.keys = Promise.resolve(parseNpmKeys(o.keys));
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** packument returns the upstream's full packument of `name`, or undefined when it has none. */
  packument(name: string): Promise<Json | undefined> {
    const ttl = this.o.packumentTtlMs ?? 10_000;
    const hit = this.cache.get(name);
    if (hit && this.now() - hit.at < ttl) return hit.doc;
    const doc = this.fetchPackument(name);
    this.cache.set(name, { at: this.now(), doc });
    doc.catch(() => this.cache.delete(name));
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return doc;
  }

  private async fetchPackument(name: string): Promise<Json | undefined> {
    const doc = await this.o.client.getJson(`${this.url}/${name.replace('/', '%2f')}`, {
      upstream: this.label,
      what: `packument of ${name}`,
      maxBytes: this.o.limits.maxIndexBytes,
    });
    if (doc === undefined) return undefined;
    if (!isObj(doc) || !isObj(doc['versions']))
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: the packument of ${name} has no "versions" object`,
      );
    return doc;
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    return this.packument(npmNameOf(packagePurl).name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const { name, version } = npmNameOf(purl);
    if (version === undefined) return undefined;
    const doc = await this.packument(name);
    const m = doc && isObj(doc['versions']) ? (doc['versions'] as Json)[version] : undefined;
    if (!isObj(m)) return undefined;
    const dist = isObj(m['dist']) ? m['dist'] : {};
    const tarball = dist['tarball'];
    if (typeof tarball !== 'string' || !/^https?:\/\//.test(tarball))
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${this.label}: ${name}@${version} has no http(s) dist.tarball`,
      );
    const time = isObj(doc!['time']) ? (doc!['time'] as Json)[version] : undefined;
    return {
      purl,
      url: tarball,
      filename: `${name.includes('/') ? name.slice(name.indexOf('/') + 1) : name}-${version}.tgz`,
      indexDigest: indexDigestOf(dist),
      publishedAt: typeof time === 'string' ? time : null,
      meta: m,
    };
  }

  async fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    const r = await this.o.client.get(ref.url, {
      upstream: this.label,
      what: `tarball of ${ref.purl}`,
      maxBytes: this.o.limits.maxArtifactBytes,
    });
    if (!r)
      throw new UpstreamError(
        502,
        'UPSTREAM_ARTIFACT_MISSING',
        `${this.label} lists ${ref.purl} but its tarball ${ref.url} answers 404`,
      );
    return r.body;
  }

  private upstreamKeys(): Promise<NpmRegistryKey[] | undefined> {
    if (!this.keys) {
      this.keys = (async () => {
        const r = await this.o.client.get(`${this.url}/-/npm/v1/keys`, {
          upstream: this.label,
          what: 'registry keys',
          maxBytes: 1 << 20,
          accept: 'application/json',
        });
        if (!r) return undefined;
        return parseNpmKeys(JSON.parse(r.body.toString('utf8')));
      })().catch(() => {
        this.keys = undefined; // try again next time
        return undefined;
      });
    }
    return this.keys;
  }

  async evidence(ref: ArtifactRef, _integrity: string, bytes?: Buffer): Promise<UpstreamEvidence> {
    const manifest = ref.meta as Json;
    const dist = isObj(manifest['dist']) ? manifest['dist'] : {};
    const sigs = dist['signatures'];
    const hasSigs = Array.isArray(sigs) && sigs.length > 0;
    const keys = await this.upstreamKeys();
    let registrySignature: UpstreamEvidence['registrySignature'];
    if (!hasSigs)
      registrySignature = {
        verdict: 'missing',
        reason: `the upstream serves no dist.signatures for this version${keys ? '' : ' and no registry keys'} (a mirror may strip them)`,
      };
    else if (!keys || keys.length === 0)
      registrySignature = {
        verdict: 'unverifiable',
        reason:
          'the upstream has dist.signatures but serves no /-/npm/v1/keys and none are configured (upstreams.npm.keys)',
      };
    else {
      const v = verifyNpmManifest(
        manifest,
        keys,
        ref.publishedAt ? { publishedAt: ref.publishedAt } : {},
      );
      const ok = v.checks.find((c) => c.code === 'NPM_SIGNATURE_VALID');
      const bad = v.checks.find((c) => c.status === 'fail');
      registrySignature =
        ok && !bad
          ? { verdict: 'valid', keyid: String(ok.detail?.['keyid'] ?? ''), reason: ok.reason }
          : { verdict: 'invalid', reason: bad?.reason ?? 'no signature verified' };
    }
    return {
      registrySignature,
      provenance: await this.provenance(dist, ref, bytes),
      indexDigest: ref.indexDigest
        ? { algorithm: ref.indexDigest.algorithm, value: ref.indexDigest.hex }
        : null,
    };
  }

  private async provenance(
    dist: Json,
    ref: ArtifactRef,
    bytes: Buffer | undefined,
  ): Promise<UpstreamEvidence['provenance']> {
    const att = dist['attestations'];
    if (!isObj(att) || typeof att['url'] !== 'string')
      return { verdict: 'none', reason: 'the upstream lists no attestations for this version' };
    const provenanceType = isObj(att['provenance'])
      ? att['provenance']['predicateType']
      : undefined;
    if (provenanceType !== undefined && provenanceType !== SLSA_PROVENANCE_V1)
      return {
        verdict: 'unverified',
        reason: `provenance of type ${String(provenanceType)} is not checked`,
      };
    try {
      const r = await this.o.client.get(att['url'], {
        upstream: this.label,
        what: `attestations of ${ref.purl}`,
        maxBytes: 4 << 20,
        accept: 'application/json',
      });
      if (!r)
        return { verdict: 'invalid', reason: `dist.attestations.url ${att['url']} answers 404` };
      const list = parseNpmAttestations(JSON.parse(r.body.toString('utf8')));
      const slsa = list.find((a) => a.predicateType === SLSA_PROVENANCE_V1);
      if (!slsa) return { verdict: 'none', reason: 'the attestations hold no SLSA provenance' };
      const v = verifySigstoreBundle(slsa.bundle, {
        ...(bytes ? { artifact: bytes } : {}),
        subject: ref.purl,
      });
      if (!v.ok)
        return {
          verdict: 'invalid',
          reason:
            v.checks.find((c) => c.status === 'fail')?.reason ??
            'the provenance bundle did not verify',
        };
      const who = provenanceSource(slsa.bundle);
      return {
        verdict: 'valid',
        ...who,
        reason: `SLSA provenance verified with the Sigstore public-good root${who.repository ? ` (${who.repository}${who.workflow ? `, ${who.workflow}` : ''})` : ''}`,
      };
    } catch (e) {
      return {
        verdict: 'invalid',
        reason: `provenance could not be checked: ${(e as Error).message}`,
      };
    }
  }
}

function indexDigestOf(dist: Json): ArtifactRef['indexDigest'] {
  const integrity = dist['integrity'];
  if (typeof integrity === 'string') {
    for (const part of integrity.trim().split(/\s+/)) {
      const m = /^(sha512|sha256)-([A-Za-z0-9+/=]+)$/.exec(part);
      if (m)
        return {
          algorithm: m[1] as 'sha512' | 'sha256',
          hex: Buffer.from(m[2]!, 'base64').toString('hex'),
        };
    }
  }
  const shasum = dist['shasum'];
  if (typeof shasum === 'string' && /^[0-9a-f]{40}$/.test(shasum))
    return { algorithm: 'sha1', hex: shasum };
  return null;
}

/** provenanceSource reads repository and workflow from a SLSA v1 statement inside a DSSE bundle (already verified). */
function provenanceSource(bundle: unknown): { repository?: string; workflow?: string } {
  try {
    const payload = (bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload;
    const st = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as {
      predicate?: {
        buildDefinition?: {
          externalParameters?: { workflow?: { repository?: string; path?: string } };
        };
      };
    };
    const wf = st.predicate?.buildDefinition?.externalParameters?.workflow;
    return {
      ...(wf?.repository ? { repository: wf.repository } : {}),
      ...(wf?.path ? { workflow: wf.path } : {}),
    };
  } catch {
    return {};
  }
}
