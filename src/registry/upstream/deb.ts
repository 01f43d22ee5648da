/**
 * DebUpstream: one suite of a Debian archive (deb.debian.org/debian, a local mirror) as Sigil's
 * upstream, checked link by link as apt checks it:
 *
 *   keyring       the configured archive keyring (Debian's: debian-archive-keyring.gpg)
 *   InRelease     <url>/dists/<suite>/InRelease, clear-signed by a key of that keyring; a
 *                 Valid-Until in the past is refused (an old, validly signed Release replayed)
 *   Packages      <component>/binary-<arch>/Packages.xz (else .gz, else plain), its size and
 *                 SHA256 equal to what the Release lists, decompressed within a limit
 *   .deb          <url>/<Filename>, its SHA256 equal to what Packages lists (the observe
 *                 service checks it as the index digest) — logged as observed on first fetch
 *
 * Every failure is an UpstreamError (502) naming the link that broke; nothing is logged. The
 * parsed index is kept for `indexTtlMs`, then InRelease is fetched again; the Packages files
 * are fetched again only when the new Release lists other hashes.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { xzDecompress } from '../../archive/xz.js';
import { field, parseDeb822 } from '../../core/deb822.js';
import type { UpstreamEvidence } from '../../core/observed.js';
import { canonicalPurl, makePurl, parsePurl } from '../../core/purl.js';
import { checksumLines, type ChecksumLine } from '../../foreign/debian/deb822.js';
import { parseKeyring, verifyCleartext, type Keyring } from '../../foreign/openpgp/index.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { fetchListedArtifact } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface DebUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits & { readonly maxUncompressedIndexBytes: number };
  readonly suite: string;
  readonly components: readonly string[];
  readonly architectures: readonly string[];
  /** The archive keyring's bytes (armored or binary), and where they came from (for messages). */
  readonly keyring: Uint8Array;
  readonly keyringName: string;
  readonly indexTtlMs?: number;
  readonly now?: () => Date;
}

/** DebEntry: one stanza of an upstream Packages file; `text` is the stanza as the upstream wrote it. */
export interface DebEntry {
  readonly purl: string;
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  /** Path of the .deb relative to the archive root ("pool/main/h/hello/hello_2.10-3_amd64.deb"). */
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
  readonly text: string;
}

/** DebIndexFile: one `<component>/binary-<arch>/Packages` as read and checked. */
export interface DebIndexFile {
  /** "main/binary-amd64" */
  readonly dir: string;
  /** The compressed file fetched ("Packages.xz"), its bytes as the upstream served them (hash checked). */
  readonly fetched: { readonly name: string; readonly bytes: Buffer };
  /** The decompressed Packages text. */
  readonly text: string;
  readonly entries: readonly DebEntry[];
}

export interface DebIndex {
  /** sha256 of the upstream InRelease: what the merged index is built from. */
  readonly releaseSha256: string;
  readonly signer: string;
  readonly date: Date | null;
  readonly validUntil: Date | null;
  readonly files: readonly DebIndexFile[];
  /** canonical purl → entry; an `Architecture: all` package is listed once. */
  readonly byPurl: ReadonlyMap<string, DebEntry>;
  /** Filename (pool path) → entry. */
  readonly byPath: ReadonlyMap<string, DebEntry>;
  readonly names: ReadonlySet<string>;
}

const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const FIELD = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi');
const PACKAGE = FIELD('Package');
const VERSION = FIELD('Version');
const ARCHITECTURE = FIELD('Architecture');
const FILENAME = FIELD('Filename');
const SHA256 = FIELD('SHA256');
const SIZE = FIELD('Size');
const ORIGIN = FIELD('Origin');
const SAFE_POOL_PATH = /^pool\/[A-Za-z0-9+.~_/-]+\.deb$/;

const PLAIN = /^[a-z0-9.-]+$/;
const PLAIN_VERSION = /^[A-Za-z0-9.~:+-]+$/;

/**
 * debPurl is canonicalPurl(makePurl('deb', …)) — the string the observe service looks up — with
 * a fast path for the names, versions and architectures that need no percent-encoding (all but
 * a few of an archive's): building and parsing a PackageURL per stanza was most of the time
 * of reading a 100,000-stanza index (bench/upstream-index.mjs).
 */
export function debPurl(vendor: string, name: string, version: string, arch: string): string {
  if (PLAIN.test(vendor) && PLAIN.test(name) && PLAIN.test(arch) && PLAIN_VERSION.test(version))
    return `pkg:deb/${vendor}/${name}@${version}?arch=${arch}`;
  return canonicalPurl(makePurl('deb', vendor, name, version, { arch }));
}

/** parsePackagesIndex reads a Packages file into entries; a stanza without a usable name, version, Filename or SHA256 is skipped. */
export function parsePackagesIndex(text: string): DebEntry[] {
  const out: DebEntry[] = [];
  let start = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf('\n\n', start);
    if (end < 0) end = len;
    const stanza = text.slice(start, end);
    start = end + 2;
    if (stanza.trim() === '') continue;
    const get = (re: RegExp) => re.exec(stanza)?.[1]?.trim();
    const name = get(PACKAGE);
    const version = get(VERSION);
    const arch = get(ARCHITECTURE);
    const filename = get(FILENAME);
    const digest = get(SHA256)?.toLowerCase();
    const size = Number(get(SIZE));
    if (
      !name ||
      !DEB_NAME.test(name) ||
      !version ||
      !arch ||
      !filename ||
      !SAFE_POOL_PATH.test(filename) ||
      filename.split('/').includes('..') ||
      !digest ||
      !/^[0-9a-f]{64}$/.test(digest) ||
      !Number.isSafeInteger(size)
    )
      continue;
    const origin = get(ORIGIN);
    const vendor = (
      origin && /^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(origin) ? origin : 'debian'
    ).toLowerCase();
    let purl: string;
    try {
      purl = debPurl(vendor, name, version, arch);
    } catch {
      continue;
    }
    out.push({ purl, name, version, arch, filename, size, sha256: digest, text: `${stanza}\n` });
  }
  return out;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** parseReleaseDate reads an RFC 2822 date of a Release file ("Sat, 10 May 2025 08:36:12 UTC"). */
function releaseDate(v: string | undefined): Date | null {
  if (!v) return null;
  const d = new Date(v.replace(/\bUTC\b/, 'GMT'));
  return Number.isNaN(d.getTime()) ? null : d;
}

export class DebUpstream implements Upstream {
  readonly ecosystem = 'deb';
  readonly url: string;
  private readonly label: string;
  private cache: { at: number; value: Promise<DebIndex> } | undefined;
  private last: DebIndex | undefined;
  private keyring: Promise<Keyring> | undefined;

  constructor(private readonly o: DebUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Debian upstream ${this.url} (suite ${o.suite})`;
  }

  get suite(): string {
    return this.o.suite;
  }
  get architectures(): readonly string[] {
    return this.o.architectures;
  }
  get components(): readonly string[] {
    return this.o.components;
  }

  private now(): Date {
    return this.o.now ? this.o.now() : new Date();
  }

  /** index returns the upstream's checked index (fetched again after indexTtlMs). */
  index(): Promise<DebIndex> {
    const ttl = this.o.indexTtlMs ?? 10_000;
    const t = this.now().getTime();
    if (this.cache && t - this.cache.at < ttl) return this.cache.value;
    const value = this.fetchIndexNow().then((i) => (this.last = i));
    this.cache = { at: t, value };
    value.catch(() => (this.cache = undefined));
    return value;
  }

  private refuse(code: string, message: string, hint?: string): UpstreamError {
    return new UpstreamError(502, code, `${this.label}: ${message}; refused, nothing logged`, hint);
  }

  private async fetchIndexNow(): Promise<DebIndex> {
    const suiteDir = `dists/${this.o.suite}`;
    const r = await this.o.client.get(`${this.url}/${suiteDir}/InRelease`, {
      upstream: this.label,
      what: `${suiteDir}/InRelease`,
      maxBytes: Math.min(this.o.limits.maxIndexBytes, 32 * 1024 * 1024),
    });
    if (!r)
      throw this.refuse(
        'UPSTREAM_RELEASE_MISSING',
        `${suiteDir}/InRelease answers 404`,
        'check upstreams.deb.url and upstreams.deb.suite',
      );
    const releaseSha256 = sha256(r.body);
    const now = this.now();
    this.keyring ??= parseKeyring(this.o.keyring).catch((e: Error) => {
      this.keyring = undefined;
      throw this.refuse(
        'UPSTREAM_KEYRING_INVALID',
        `the archive keyring ${this.o.keyringName} cannot be read: ${e.message}`,
        'upstreams.deb.keyring must name an OpenPGP keyring file (.gpg or .asc)',
      );
    });
    const verified = await verifyCleartext(r.body, await this.keyring, {
      now,
      subject: `${suiteDir}/InRelease`,
    });
    if (verified.openpgpVerdict !== 'good')
      throw this.refuse(
        'UPSTREAM_SIGNATURE_INVALID',
        `${suiteDir}/InRelease is not signed by a key of the archive keyring ${this.o.keyringName}: ${verified.message}`,
        'check upstreams.deb.keyring: it must hold the key the archive signs with',
      );
    const text = Buffer.from(verified.text).toString('utf8');
    let para;
    let listed: ChecksumLine[];
    try {
      para = parseDeb822(text, `${suiteDir}/InRelease`)[0] ?? new Map<string, string>();
      listed = checksumLines(field(para, 'SHA256'), `${suiteDir}/InRelease`);
    } catch (e) {
      throw this.refuse('UPSTREAM_BAD_INDEX', `${suiteDir}/InRelease: ${(e as Error).message}`);
    }
    const date = releaseDate(field(para, 'Date'));
    const validUntil = releaseDate(field(para, 'Valid-Until'));
    if (validUntil && validUntil.getTime() < now.getTime())
      throw this.refuse(
        'UPSTREAM_RELEASE_EXPIRED',
        `${suiteDir}/InRelease expired at ${validUntil.toISOString()} (Valid-Until); a replayed old Release is not trusted`,
        'the mirror is stale or an old Release is being replayed; use a current mirror',
      );
    // The same Release as last time: the checked Packages files still hold.
    if (this.last && this.last.releaseSha256 === releaseSha256) return this.last;

    const files: DebIndexFile[] = [];
    for (const component of this.o.components)
      for (const arch of this.o.architectures)
        files.push(await this.readPackages(suiteDir, `${component}/binary-${arch}`, listed));
    const byPurl = new Map<string, DebEntry>();
    const byPath = new Map<string, DebEntry>();
    const names = new Set<string>();
    for (const f of files)
      for (const e of f.entries) {
        byPurl.set(e.purl, e);
        byPath.set(e.filename, e);
        names.add(e.name);
      }
    return {
      releaseSha256,
      signer: verified.signer?.primaryFingerprint ?? verified.signer?.fingerprint ?? '',
      date,
      validUntil,
      files,
      byPurl,
      byPath,
      names,
    };
  }

  /** readPackages fetches the smallest listed form of one Packages file and checks it against the Release. */
  private async readPackages(
    suiteDir: string,
    dir: string,
    listed: readonly ChecksumLine[],
  ): Promise<DebIndexFile> {
    for (const name of ['Packages.xz', 'Packages.gz', 'Packages']) {
      const line = listed.find((l) => l.path === `${dir}/${name}`);
      if (!line) continue;
      const what = `${suiteDir}/${dir}/${name}`;
      if (line.size > this.o.limits.maxIndexBytes)
        throw new UpstreamError(
          502,
          'UPSTREAM_TOO_LARGE',
          `${this.label}: the Release lists ${what} at ${line.size} bytes, more than this proxy's limit of ${this.o.limits.maxIndexBytes} bytes (limits.maxIndexBytes)`,
          'raise limits.maxIndexBytes in sigil.config.json if this index is expected',
          { limit: this.o.limits.maxIndexBytes },
        );
      const r = await this.o.client.get(`${this.url}/${what}`, {
        upstream: this.label,
        what,
        maxBytes: this.o.limits.maxIndexBytes,
      });
      if (!r) continue;
      const h = sha256(r.body);
      if (h !== line.sha256 || r.body.length !== line.size)
        throw this.refuse(
          'UPSTREAM_INDEX_MISMATCH',
          `${what} has SHA256 ${h} (${r.body.length} bytes), but the signed Release lists ${line.sha256} (${line.size} bytes)`,
          'the mirror is mid-update or serving other bytes than it signed; try again later',
        );
      const text = (await this.decompress(name, r.body, what)).toString('utf8');
      return {
        dir,
        fetched: { name, bytes: r.body },
        text,
        entries: parsePackagesIndex(text),
      };
    }
    throw this.refuse(
      'UPSTREAM_INDEX_MISSING',
      `dists/${this.o.suite}/${dir}/Packages is not listed in the Release (as .xz, .gz or plain)`,
      'check upstreams.deb.components and architectures against the suite',
    );
  }

  private async decompress(name: string, bytes: Buffer, what: string): Promise<Buffer> {
    const max = this.o.limits.maxUncompressedIndexBytes;
    const tooLarge = () =>
      new UpstreamError(
        502,
        'UPSTREAM_TOO_LARGE',
        `${this.label}: ${what} decompresses to more than this proxy's limit of ${max} bytes (limits.maxUncompressedIndexBytes)`,
        'raise limits.maxUncompressedIndexBytes in sigil.config.json if this index is expected',
        { limit: max },
      );
    try {
      if (name.endsWith('.gz')) return gunzipSync(bytes, { maxOutputLength: max });
      if (name.endsWith('.xz')) return await xzDecompress(bytes, what, max);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ARCHIVE_TOO_LARGE' || code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw this.refuse(
        'UPSTREAM_BAD_INDEX',
        `${what} cannot be decompressed: ${(e as Error).message}`,
      );
    }
    if (bytes.length > max) throw tooLarge();
    return bytes;
  }

  async fetchIndex(packagePurl: string): Promise<unknown> {
    const name = parsePurl(packagePurl).name;
    return (await this.index()).names.has(name) ? { name } : undefined;
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const entry = (await this.index()).byPurl.get(canonicalPurl(purl));
    if (!entry) return undefined;
    return this.refOf(entry);
  }

  refOf(entry: DebEntry): ArtifactRef {
    return {
      purl: entry.purl,
      url: `${this.url}/${entry.filename}`,
      filename: entry.filename.split('/').pop()!,
      indexDigest: { algorithm: 'sha256', hex: entry.sha256 },
      publishedAt: null,
    };
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    const index = await this.index();
    return {
      registrySignature: {
        verdict: 'valid',
        keyid: index.signer,
        reason: `dists/${this.o.suite}/InRelease is signed by ${index.signer} of ${this.o.keyringName}; the Packages file matched the Release's SHA256, and the .deb its Packages SHA256`,
      },
      provenance: {
        verdict: 'not-applicable',
        reason: 'a Debian archive carries no build provenance',
      },
      indexDigest: ref.indexDigest ? { algorithm: 'sha256', value: ref.indexDigest.hex } : null,
    };
  }
}
