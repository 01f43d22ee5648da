/**
 * CpanUpstream: a CPAN mirror (cpan.metacpan.org, a CPAN::Mini mirror) as Sigil's upstream.
 *
 *   index      <url>/modules/02packages.details.txt.gz: package → A/AU/AUTHOR/Dist-1.0.tar.gz,
 *              what cpanm resolves a module name with (bounded: limits.maxIndexBytes compressed,
 *              limits.maxUncompressedIndexBytes decompressed)
 *   checksums  <url>/authors/id/A/AU/AUTHOR/CHECKSUMS, per author: each file's sha256 and size.
 *              With `upstreams.cpan.keyring` (PAUSE's key for CPAN) its clear-signature must be good,
 *              or nothing of that author is fetched; without one it is read unchecked, and the
 *              observed record says so ("unverifiable")
 *   artifact   <url>/authors/id/A/AU/AUTHOR/<file>, checked against that sha256 (the observe
 *              service's index digest), then identified from its META (name, version)
 *
 * The CHECKSUMS file is Perl (`$cksum = {…};`); it is read with a pattern, never evaluated.
 */
import { gunzipSync } from 'node:zlib';
import { authorDir } from '../personalities/cpan/repository.js';
import type { UpstreamEvidence } from '../../core/observed.js';
import { makePurl, parsePurl } from '../../core/purl.js';
import { parseKeyring, verifyCleartext, type Keyring } from '../../foreign/openpgp/index.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface CpanUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits & { readonly maxUncompressedIndexBytes: number };
  /** Keyring bytes CHECKSUMS must be signed by, and their name for messages; none: unchecked. */
  readonly keyring?: { readonly bytes: Uint8Array; readonly name: string };
  readonly indexTtlMs?: number;
  readonly now?: () => number;
}

/** One line of 02packages: a package, its version, and the dist path under authors/id/. */
export interface CpanPackageLine {
  readonly pkg: string;
  readonly version: string;
  readonly path: string;
}

/** One file of an author's CHECKSUMS. */
export interface CpanChecksum {
  readonly file: string;
  readonly sha256: string;
  readonly size: number | null;
  readonly md5: string | null;
  readonly mtime: string | null;
}

export interface CpanChecksums {
  readonly files: ReadonlyMap<string, CpanChecksum>;
  /** "valid" with the signer, or "unverifiable" when no keyring is configured. */
  readonly signature: { readonly verdict: 'valid' | 'unverifiable'; readonly keyid?: string };
}

const PAUSE_ID = /^[A-Z][A-Z0-9-]{1,8}$/;
const DIST_FILE = /^([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*?)-(v?\d[\d._]*)\.(tar\.gz|tgz|zip)$/;

/** distOfFile splits "Dist-Name-1.23.tar.gz" into name and version (undefined for other files). */
export function distOfFile(file: string): { name: string; version: string } | undefined {
  const m = DIST_FILE.exec(file);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

/** parse02packages reads the lines after the header; malformed lines are skipped. */
export function parse02packages(text: string): CpanPackageLine[] {
  const start = text.indexOf('\n\n');
  const out: CpanPackageLine[] = [];
  for (const line of text.slice(start < 0 ? 0 : start + 2).split('\n')) {
    const m =
      /^([A-Za-z_][A-Za-z0-9_:']*)\s+(\S+)\s+([A-Z]\/[A-Z0-9-]{2}\/[A-Z][A-Z0-9-]*\/\S+)$/.exec(
        line.trim(),
      );
    if (m && !m[3]!.split('/').includes('..'))
      out.push({ pkg: m[1]!, version: m[2]!, path: m[3]! });
  }
  return out;
}

/** parseChecksums reads the Perl hash of a CHECKSUMS file: one `'file' => { … }` block per file. */
export function parseChecksums(text: string): Map<string, CpanChecksum> {
  const out = new Map<string, CpanChecksum>();
  const block = /'([^'\\/]+)'\s*=>\s*\{([^{}]*)\}/g;
  for (const m of text.matchAll(block)) {
    const body = m[2]!;
    const get = (k: string) =>
      new RegExp(`'${k}'\\s*=>\\s*'?([^',\\s]+)'?`).exec(body)?.[1] ?? null;
    const sha256 = get('sha256')?.toLowerCase();
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) continue;
    const size = Number(get('size'));
    out.set(m[1]!, {
      file: m[1]!,
      sha256,
      size: Number.isSafeInteger(size) ? size : null,
      md5: get('md5'),
      mtime: get('mtime'),
    });
  }
  return out;
}

export class CpanUpstream implements Upstream {
  readonly ecosystem = 'cpan';
  readonly url: string;
  private readonly label: string;
  private readonly checksumsCache: IndexCache<CpanChecksums | undefined>;
  private packagesCache: { at: number; value: Promise<CpanPackageLine[]> } | undefined;
  private keyring: Promise<Keyring> | undefined;

  constructor(private readonly o: CpanUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `CPAN upstream ${this.url}`;
    this.checksumsCache = new IndexCache(o.indexTtlMs ?? 10_000, o.now);
  }

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** packages: the upstream's 02packages lines (empty when it serves none). */
  packages(): Promise<CpanPackageLine[]> {
    const ttl = this.o.indexTtlMs ?? 10_000;
    if (this.packagesCache && this.now() - this.packagesCache.at < ttl)
      return this.packagesCache.value;
    const what = 'modules/02packages.details.txt.gz';
    const value = this.o.client
      .get(`${this.url}/${what}`, {
        upstream: this.label,
        what,
        maxBytes: this.o.limits.maxIndexBytes,
      })
      .then((r) => {
        if (!r) return [];
        const max = this.o.limits.maxUncompressedIndexBytes;
        let text: string;
        try {
          text = gunzipSync(r.body, { maxOutputLength: max }).toString('utf8');
        } catch (e) {
          if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
            throw new UpstreamError(
              502,
              'UPSTREAM_TOO_LARGE',
              `${this.label}: ${what} decompresses to more than this proxy's limit of ${max} bytes (limits.maxUncompressedIndexBytes)`,
              'raise limits.maxUncompressedIndexBytes in sigil.config.json if this index is expected',
              { limit: max },
            );
          throw new UpstreamError(
            502,
            'UPSTREAM_BAD_INDEX',
            `${this.label}: ${what} is not gzip: ${(e as Error).message}`,
          );
        }
        return parse02packages(text);
      });
    this.packagesCache = { at: this.now(), value };
    value.catch(() => (this.packagesCache = undefined));
    return value;
  }

  /** checksums: an author's CHECKSUMS, signature checked when a keyring is configured; undefined when the author has none. */
  checksums(author: string): Promise<CpanChecksums | undefined> {
    if (!PAUSE_ID.test(author)) return Promise.resolve(undefined);
    return this.checksumsCache.get(author, () => this.fetchChecksums(author));
  }

  private async fetchChecksums(author: string): Promise<CpanChecksums | undefined> {
    const what = `authors/id/${authorDir(author)}/CHECKSUMS`;
    const r = await this.o.client.get(`${this.url}/${what}`, {
      upstream: this.label,
      what,
      maxBytes: this.o.limits.maxIndexBytes,
    });
    if (!r) return undefined;
    let text = r.body.toString('utf8');
    let signature: CpanChecksums['signature'] = { verdict: 'unverifiable' };
    if (this.o.keyring) {
      const begin = r.body.indexOf('-----BEGIN PGP SIGNED MESSAGE-----');
      this.keyring ??= parseKeyring(this.o.keyring.bytes);
      const verified =
        begin < 0
          ? undefined
          : await verifyCleartext(r.body.subarray(begin), await this.keyring, {
              subject: what,
              now: new Date(this.now()),
            });
      if (!verified || verified.openpgpVerdict !== 'good')
        throw new UpstreamError(
          502,
          'UPSTREAM_SIGNATURE_INVALID',
          `${this.label}: ${what} is not clear-signed by a key of ${this.o.keyring.name}${verified ? `: ${verified.message}` : ' (no signature)'}; refused, nothing logged`,
          'check upstreams.cpan.keyring: it must hold the key the mirror signs CHECKSUMS with',
        );
      // Only the signed text counts: anything around the signature is ignored.
      text = Buffer.from(verified.text).toString('utf8');
      signature = {
        verdict: 'valid',
        keyid: verified.signer?.primaryFingerprint ?? verified.signer?.fingerprint ?? '',
      };
    }
    return { files: parseChecksums(text), signature };
  }

  async fetchIndex(packagePurl: string): Promise<unknown> {
    const p = parsePurl(packagePurl);
    if (!p.namespace) return undefined;
    const sums = await this.checksums(p.namespace);
    return [...(sums?.files.keys() ?? [])].some((f) => distOfFile(f)?.name === p.name)
      ? { author: p.namespace, name: p.name }
      : undefined;
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (!p.namespace || p.version == null) return undefined;
    const sums = await this.checksums(p.namespace);
    for (const c of sums?.files.values() ?? []) {
      const d = distOfFile(c.file);
      if (d?.name !== p.name || d.version !== p.version) continue;
      return {
        purl: makePurl('cpan', p.namespace, p.name, p.version),
        url: `${this.url}/authors/id/${authorDir(p.namespace)}/${c.file}`,
        filename: c.file,
        indexDigest: { algorithm: 'sha256', hex: c.sha256 },
        publishedAt: c.mtime && /^\d{4}-\d{2}-\d{2}$/.test(c.mtime) ? `${c.mtime}T00:00:00Z` : null,
      };
    }
    return undefined;
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    const author = parsePurl(ref.purl).namespace!;
    const sums = await this.checksums(author);
    const sig = sums?.signature ?? { verdict: 'unverifiable' as const };
    return {
      registrySignature:
        sig.verdict === 'valid'
          ? {
              verdict: 'valid',
              keyid: sig.keyid!,
              reason: `the author's CHECKSUMS is clear-signed by ${sig.keyid} of ${this.o.keyring!.name}, and the file's sha256 matched it`,
            }
          : {
              verdict: 'unverifiable',
              reason:
                "no upstreams.cpan.keyring is configured: the CHECKSUMS signature was not checked (the file's sha256 matched the unsigned CHECKSUMS)",
            },
      provenance: {
        verdict: 'not-applicable',
        reason: 'a CPAN mirror carries no build provenance',
      },
      indexDigest: ref.indexDigest ? { algorithm: 'sha256', value: ref.indexDigest.hex } : null,
    };
  }
}
