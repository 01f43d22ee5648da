/**
 * HexUpstream: a Hex repository (repo.hex.pm, a hex_core mirror, a self-hosted mini_repo) as
 * Sigil's upstream, public packages only.
 *
 *   index      <url>/packages/<name>: gzip(Signed{payload, signature}), checked here with the
 *              upstream's configured RSA public key (RSASSA-PKCS1-v1_5, SHA-512, as hex_core
 *              checks it) before anything in it is believed; the Package must name the package
 *              asked for and the configured repository (hex_core's repo-name check), so a
 *              resource of another package or repository cannot be replayed
 *   artifact   <url>/tarballs/<name>-<version>.tar, checked against the signed `outer_checksum`
 *              (sha256 of the whole tarball); the inner checksum is checked when the tarball is
 *              read (ecosystems/hex/tarball.ts)
 *   evidence   registry signature "valid" (it was checked on the index the digest came from)
 * A release the upstream lists without `outer_checksum` (old Hex releases) is located with no
 * index digest: only its inner checksum is checked, and the evidence says so.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { readHexTarball } from '../../ecosystems/hex/tarball.js';
import { memoryArtifact } from '../../ecosystems/memory-artifact.js';
import { decodeMessage, decodeSigned } from '../personalities/hex/protobuf.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface HexUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  /** The upstream's public key (SPKI PEM): what `repo_public_key` is for hexpm. */
  readonly publicKey: string;
  /** The repository name the upstream's resources carry ("hexpm" for repo.hex.pm). */
  readonly repository: string;
  readonly indexTtlMs?: number;
}

/** HexUpstreamRelease: one release of the upstream's signed Package, as checked. */
export interface HexUpstreamRelease {
  readonly version: string;
  readonly innerChecksum: Buffer;
  /** sha256 of the tarball; null when the upstream lists none. */
  readonly outerChecksum: Buffer | null;
  readonly dependencies: {
    package: string;
    requirement: string;
    optional?: boolean;
    app?: string;
    repository?: string;
  }[];
}

const HEX_NAME = /^[a-z][a-z0-9_]*$/;

/** hexUpstreamKey parses a configured public key (PEM), or says why it is not one. */
export function hexUpstreamKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA public key');
  return key;
}

export class HexUpstream implements Upstream {
  readonly ecosystem = 'hex';
  readonly url: string;
  private readonly label: string;
  private readonly key: KeyObject;
  private readonly cache: IndexCache<HexUpstreamRelease[] | undefined>;

  constructor(private readonly o: HexUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Hex upstream ${this.url}`;
    this.key = hexUpstreamKey(o.publicKey);
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000);
  }

  /** releases returns the upstream's signed Package of `name`, checked; undefined when it has none. */
  releases(name: string): Promise<HexUpstreamRelease[] | undefined> {
    if (!HEX_NAME.test(name)) return Promise.resolve(undefined);
    return this.cache.get(name, () => this.fetchPackage(name));
  }

  private bad(name: string, why: string): UpstreamError {
    return new UpstreamError(
      502,
      'UPSTREAM_SIGNATURE_INVALID',
      `${this.label}: /packages/${name} ${why}; refused, nothing logged`,
      'check upstreams.hex.publicKey and upstreams.hex.repository in the config; if they are right, the upstream (or something between it and Sigil) is serving unsigned or forged metadata',
    );
  }

  private async fetchPackage(name: string): Promise<HexUpstreamRelease[] | undefined> {
    const r = await this.o.client.get(`${this.url}/packages/${name}`, {
      upstream: this.label,
      what: `package ${name}`,
      maxBytes: this.o.limits.maxIndexBytes,
    });
    if (!r) return undefined;
    let signed: { payload: Buffer; signature: Buffer };
    try {
      const raw =
        r.body[0] === 0x1f && r.body[1] === 0x8b
          ? gunzipSync(r.body, { maxOutputLength: this.o.limits.maxIndexBytes })
          : r.body;
      signed = decodeSigned(raw);
    } catch {
      throw this.bad(name, 'is not a gzipped Signed message');
    }
    if (!signed.signature?.length) throw this.bad(name, 'carries no signature');
    if (!verify('sha512', signed.payload, this.key, signed.signature))
      throw this.bad(name, 'is not signed by the configured key (upstreams.hex.publicKey)');
    let pkg: Record<string, unknown>;
    try {
      pkg = decodeMessage('Package', signed.payload);
    } catch {
      throw this.bad(name, 'is signed but its payload is not a Package message');
    }
    if (pkg['name'] !== name)
      throw this.bad(name, `names another package (${String(pkg['name'])})`);
    if (pkg['repository'] !== this.o.repository)
      throw this.bad(
        name,
        `names repository ${JSON.stringify(pkg['repository'])}, not the configured ${JSON.stringify(this.o.repository)}`,
      );
    return (pkg['releases'] as Record<string, unknown>[]).map((rel) => {
      const outer = rel['outerChecksum'] as Buffer;
      return {
        version: rel['version'] as string,
        innerChecksum: rel['innerChecksum'] as Buffer,
        outerChecksum: outer.length === 32 ? outer : null,
        dependencies: (rel['dependencies'] as Record<string, unknown>[]).map((d) => ({
          package: d['package'] as string,
          requirement: d['requirement'] as string,
          ...(d['optional'] ? { optional: true } : {}),
          ...(d['app'] ? { app: d['app'] as string } : {}),
          ...(d['repository'] ? { repository: d['repository'] as string } : {}),
        })),
      };
    });
  }

  fetchIndex(packagePurl: string): Promise<unknown> {
    const p = parsePurl(packagePurl);
    return p.namespace ? Promise.resolve(undefined) : this.releases(p.name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null || p.namespace) return undefined; // organizations are not proxied
    const rel = (await this.releases(p.name))?.find((r) => r.version === p.version);
    if (!rel) return undefined;
    const filename = `${p.name}-${p.version}.tar`;
    return {
      purl,
      url: `${this.url}/tarballs/${filename}`,
      filename,
      indexDigest: rel.outerChecksum
        ? { algorithm: 'sha256', hex: rel.outerChecksum.toString('hex') }
        : null,
      publishedAt: null, // a Package carries no release time
      meta: { innerChecksum: rel.innerChecksum.toString('hex') },
    };
  }

  async fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    const bytes = await fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
    if (!ref.indexDigest) {
      // No outer checksum to check: the signed inner checksum must be the tarball's.
      const inner = (ref.meta as { innerChecksum: string }).innerChecksum;
      let got: string | undefined;
      try {
        got = (await readHexTarball(memoryArtifact(ref.filename, bytes))).innerChecksum;
      } catch {
        got = undefined;
      }
      if (got !== inner)
        throw new UpstreamError(
          502,
          'UPSTREAM_DIGEST_MISMATCH',
          `${this.label} served ${ref.filename} whose inner checksum is not the signed inner_checksum of /packages/${parsePurl(ref.purl).name}; refused, nothing logged`,
          'the upstream or something between it and Sigil is serving other bytes than it lists',
        );
    }
    return bytes;
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    return {
      registrySignature: {
        verdict: 'valid',
        reason: `/packages/${parsePurl(ref.purl).name} of repository ${this.o.repository} verified with the configured RSA key (SHA-512); ${ref.indexDigest ? "the tarball's sha256 equals its signed outer_checksum" : 'it lists no outer_checksum for this release: only the inner checksum (CHECKSUM) was checked'}`,
      },
      provenance: { verdict: 'not-applicable', reason: 'a Hex repository carries no provenance' },
      indexDigest: ref.indexDigest
        ? { algorithm: ref.indexDigest.algorithm, value: ref.indexDigest.hex }
        : null,
    };
  }
}
