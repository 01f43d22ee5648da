/**
 * The CPAN side of the verifying proxy: one mirror (under /cpan) of what is published here and
 * what the upstream has, with every CHECKSUMS signed by the registry's OpenPGP key.
 *
 *   - 02packages: the upstream's lines, except packages a distribution published here provides
 *     (never shadowed), private and denied names; plus Sigil's own lines. If the upstream fails,
 *     Sigil's own lines are still listed.
 *   - authors/id/A/AU/AUTHOR/CHECKSUMS: the files Sigil logged for that author with the logged
 *     sha256, and the upstream's other files with the sha256 of the upstream's CHECKSUMS (whose
 *     signature was checked when a keyring is configured). A logged file the upstream now lists
 *     with another sha256 is a conflict (logged once), and keeps the logged sha256.
 *   - a distribution not logged yet is fetched, checked against the upstream's CHECKSUMS and
 *     logged on its first download (ObserveService).
 */
import { gzipSync } from 'node:zlib';
import type * as openpgp from 'openpgp';
import { makePurl } from '../../core/purl.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import { clearsign } from '../personalities/apt/openpgp-key.js';
import {
  authorDir,
  checksumsOf,
  packagesDetails,
  PERL_PREAMBLE,
  type ChecksumsEntry,
  type CpanSnapshot,
} from '../personalities/cpan/repository.js';
import {
  distOfFile,
  parse02packages,
  parseChecksums,
  type CpanChecksums,
  type CpanPackageLine,
  type CpanUpstream,
} from '../upstream/cpan.js';
import { UpstreamError } from '../upstream/http.js';
import { isObservedRow, type ObserveService } from './observe.js';
import { matchesPattern } from './policy.js';

const TRANSIENT = new Set([
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNREACHABLE',
  'UPSTREAM_TRUNCATED',
]);

export interface MergedCpanIndex {
  readonly text: Buffer;
  readonly gz: Buffer;
}

export class CpanProxy {
  private packagesCache:
    { snap: CpanSnapshot; lines: CpanPackageLine[]; value: MergedCpanIndex } | undefined;
  private readonly checksumsCache = new Map<
    string,
    { snap: CpanSnapshot; sums: CpanChecksums | undefined; value: Buffer }
  >();

  constructor(
    readonly upstream: CpanUpstream,
    readonly observe: ObserveService,
    private readonly key: openpgp.PrivateKey,
    private readonly privatePatterns: readonly string[],
    private readonly now: () => Date = () => new Date(),
  ) {}

  private offered(author: string, dist: string, version: string): boolean {
    const policy = this.observe.o.policy;
    if (this.privatePatterns.length === 0 && !policy?.config.deny?.length) return true; // the common case, 250,000 times
    const purl = makePurl('cpan', author, dist, version);
    return (
      !this.privatePatterns.some((p) => matchesPattern(p, purl)) &&
      this.observe.o.policy?.denied(purl) === undefined
    );
  }

  /** hostedDists: names of distributions published here (not observed): the upstream's are never listed over them. */
  private hostedDists(snap: CpanSnapshot): Set<string> {
    return new Set([...snap.dists.values()].filter((r) => !isObservedRow(r)).map((r) => r.name));
  }

  async packages(snap: CpanSnapshot, baseUrl: string): Promise<MergedCpanIndex> {
    let upstream: CpanPackageLine[] = [];
    try {
      upstream = await this.upstream.packages();
    } catch (e) {
      // The upstream is down: what Sigil has is still listed. An index over the limits or not
      // readable is not a passing fault: refused, so the operator sees it.
      if (!(e instanceof UpstreamError) || !TRANSIENT.has(e.code)) throw e;
    }
    const c = this.packagesCache;
    if (c && c.snap === snap && c.lines === upstream) return c.value;
    const hosted = this.hostedDists(snap);
    const own = parse02packages(
      snap.files.get('modules/02packages.details.txt')?.toString('utf8') ?? '',
    );
    const ownHosted = new Set(
      own
        .filter((l) => {
          const row = snap.dists.get(`authors/id/${l.path}`);
          return row !== undefined && !isObservedRow(row);
        })
        .map((l) => l.pkg),
    );
    const lines = new Map<string, CpanPackageLine>();
    for (const l of upstream) {
      if (ownHosted.has(l.pkg)) continue;
      const author = l.path.split('/')[2]!;
      const d = distOfFile(l.path.split('/').pop()!);
      if (d && (hosted.has(d.name) || !this.offered(author, d.name, d.version))) continue;
      lines.set(l.pkg, l);
    }
    for (const l of own) if (ownHosted.has(l.pkg) || !lines.has(l.pkg)) lines.set(l.pkg, l);
    const text = Buffer.from(packagesDetails([...lines.values()], this.now(), `${baseUrl}/cpan`));
    const value = { text, gz: gzipSync(text, { level: 6 }) };
    this.packagesCache = { snap, lines: upstream, value };
    return value;
  }

  /** checksums: the author's CHECKSUMS, merged and signed by the registry; undefined when neither side knows the author. */
  async checksums(author: string, snap: CpanSnapshot): Promise<Buffer | undefined> {
    const ownText = snap.files.get(`authors/id/${authorDir(author)}/CHECKSUMS`);
    let sums: CpanChecksums | undefined;
    try {
      sums = await this.upstream.checksums(author);
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      return ownText; // upstream failed or refused: only what Sigil logged
    }
    if (!sums) return ownText;
    const c = this.checksumsCache.get(author);
    if (c && c.snap === snap && c.sums === sums) return c.value;
    const own = parseChecksums(ownText?.toString('utf8') ?? '');
    const rows = new Map<string, ReleaseRow>();
    for (const [path, row] of snap.dists)
      if (row.namespace === author) rows.set(path.split('/').pop()!, row);
    const hosted = this.hostedDists(snap);
    const entries: ChecksumsEntry[] = [...own.values()];
    for (const up of sums.files.values()) {
      const d = distOfFile(up.file);
      if (!d || hosted.has(d.name) || !this.offered(author, d.name, d.version)) continue;
      const row = rows.get(up.file);
      if (row) {
        if (isObservedRow(row) && row.sha256 !== up.sha256)
          await this.observe.conflict(row, this.upstream, {
            indexDigest: { algorithm: 'sha256', value: up.sha256 },
          });
        continue; // the logged entry (own) stays
      }
      entries.push(up);
    }
    const date = this.now();
    const value = Buffer.from(
      `${PERL_PREAMBLE}${await clearsign(this.key, checksumsOf(entries, date), date)}`,
      'utf8',
    );
    this.checksumsCache.set(author, { snap, sums, value });
    if (this.checksumsCache.size > 10_000)
      this.checksumsCache.delete(this.checksumsCache.keys().next().value as string);
    return value;
  }

  /** dist: the release an authors/id path names, observed now when it is not logged yet. */
  async dist(path: string): Promise<ReleaseRow | undefined> {
    const m = /^authors\/id\/([A-Z])\/([A-Z0-9-]{2})\/([A-Z][A-Z0-9-]{1,8})\/([^/]+)$/.exec(path);
    if (!m || authorDir(m[3]!) !== `${m[1]}/${m[2]}/${m[3]}`) return undefined;
    const d = distOfFile(m[4]!);
    if (!d) return undefined;
    const row = await this.observe.observe(makePurl('cpan', m[3]!, d.name, d.version));
    return row && row.filename.split('/').pop() === m[4] ? row : undefined;
  }
}
