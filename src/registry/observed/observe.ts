/**
 * ObserveService: "the first time anyone fetches a version through Sigil, its bytes are
 * logged; everyone after gets the same bytes or an alarm" (issue 12; Go's checksum
 * database model, for every ecosystem with an Upstream).
 *
 * observe(purl), for a purl with no record whose ecosystem has an upstream:
 *   1. never for a private name (config), a hosted one (releases published here, a claimed
 *      namespace, a namespace with an author-key ledger): those are answered "not found"
 *      without asking the upstream (dependency confusion);
 *   2. the proxy policy (minimum age, required evidence, deny lists) may refuse it;
 *   3. find the version in the upstream's index, fetch the bytes (size limit), check them
 *      against the index's digest and against what they say they are (the adapter reads
 *      the name and version inside), check the upstream's own evidence;
 *   4. sign an observed statement (registry key), and store it like a publish: the row is
 *      reserved, the blob made durable, the entry appended, the row completed — the same
 *      sequence and crash recovery as publish.ts, so after a kill -9 a record is either
 *      logged with its bytes or absent, never logged without them.
 * One fetch per purl at a time: concurrent askers share the same promise. Upstream errors
 * (UpstreamError, 502/504) leave nothing behind.
 *
 * conflict(purl, offered): an upstream offering other bytes / another index digest for an
 * observed purl: the logged bytes stay; a signed conflict record is logged once per offer.
 */
import { digestBytes } from '../../core/digest.js';
import { signEnvelope } from '../../core/dsse.js';
import { InputError } from '../../core/errors.js';
import { npmRegistrySignature } from '../npm-registry-signature.js';
import {
  conflictStatement,
  observedStatement,
  statementKind,
  type ConflictPredicate,
  type ObservedPredicate,
  type UpstreamEvidence,
} from '../../core/observed.js';
import { canonicalPurl, parsePurl, purlWithoutVersion } from '../../core/purl.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../../core/statement.js';
import {
  FILE_QUALIFIERS,
  releaseKeyOf,
  VERSION_IS_FILE_SET,
  versionPurlOf,
} from '../../ecosystems/release-key.js';
import { describeArtifact } from '../../ecosystems/describe.js';
import { memoryArtifact } from '../../ecosystems/memory-artifact.js';
import { PushbackError } from '../../log/service.js';
import type { ConflictStore } from '../../store/registry/conflicts.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import { RegistryError } from '../errors.js';
import { envelopeLogEntry } from '../../log/rekor/envelope-entry.js';
import type { RegistryContext } from '../publish.js';
import { UpstreamError } from '../upstream/http.js';
import type { ArtifactRef, Upstream } from '../upstream/upstream.js';
import type { ProxyPolicy } from './policy.js';

export interface ObserveOptions {
  readonly ctx: RegistryContext;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  /** No longer read: conflicts are kept in ctx.storage.packages (drop it from callers; issue 19). */
  readonly conflicts?: ConflictStore;
  /** Why a package purl (no version) must never be resolved upstream, or undefined when it may be. */
  readonly hostedReason: (packagePurl: string) => Promise<string | undefined>;
  readonly policy?: ProxyPolicy;
  /** Ecosystem work on the checked bytes before they are stored (e.g. npm's packument facts, read once while the bytes are in memory). */
  readonly prepare?: (
    purl: string,
    type: string,
    filename: string,
    bytes: Buffer,
    sha256: string,
  ) => Promise<void>;
}

/** isObservedRow: was this release logged by observation (not published here)? */
export function isObservedRow(row: Pick<ReleaseRow, 'publishEnvelope'>): boolean {
  try {
    const env = JSON.parse(row.publishEnvelope) as { payload: string };
    return statementKind(Buffer.from(env.payload, 'base64')) === 'observed';
  } catch {
    return false;
  }
}

/** observedPredicateOf reads the predicate of an observed row's statement. */
export function observedPredicateOf(
  row: Pick<ReleaseRow, 'publishEnvelope'>,
): ObservedPredicate | undefined {
  try {
    const env = JSON.parse(row.publishEnvelope) as { payload: string };
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as {
      predicateType?: string;
      predicate?: ObservedPredicate;
    };
    return statementKind(JSON.stringify({ predicateType: st.predicateType })) === 'observed'
      ? st.predicate
      : undefined;
  } catch {
    return undefined;
  }
}

class HostedMeanwhile extends Error {}

const hexOf = (digest: string, bytes: Uint8Array) =>
  digestBytes(bytes, [digest as 'sha512'])[digest as 'sha512'];

export class ObserveService {
  private readonly inflight = new Map<string, Promise<ReleaseRow | undefined>>();
  /** Upstream artifact fetches made (tests and the benchmark read it). */
  fetches = 0;

  constructor(readonly o: ObserveOptions) {}

  upstreamFor(type: string): Upstream | undefined {
    return this.o.upstreams.get(type);
  }

  /** hostedReason: why this package is never resolved upstream (undefined: it may be). */
  hostedReason(packagePurl: string): Promise<string | undefined> {
    return this.o.hostedReason(packagePurl);
  }

  /** checkServe refuses (403) to serve an observed version the proxy policy now denies (logged earlier or not). */
  checkServe(row: ReleaseRow): void {
    const deny = this.o.policy?.denied(row.purl);
    if (deny && isObservedRow(row))
      throw new RegistryError(
        403,
        'POLICY_DENIED',
        `${row.purl} is denied by this proxy's policy (deny: ${deny})`,
        'ask the registry operator; the deny list is in sigil.config.json',
      );
  }

  /**
   * observe returns the release row of `purl`: the one stored, or a new observed one. Undefined
   * when the purl's ecosystem has no upstream, the name is hosted or private here, or the
   * upstream has no such version. Throws RegistryError for refusals (policy) and upstream failures.
   */
  async observe(rawPurl: string): Promise<ReleaseRow | undefined> {
    const purl = canonicalPurl(rawPurl);
    const releases = this.o.ctx.storage.releases;
    const have = await releases.get(purl);
    if (have) {
      this.checkServe(have);
      return have;
    }
    const upstream = this.o.upstreams.get(parsePurl(purl).type);
    if (!upstream || parsePurl(purl).version == null) return undefined;
    if ((await this.o.hostedReason(purlWithoutVersion(purl))) !== undefined) return undefined;
    if (VERSION_IS_FILE_SET.has(parsePurl(purl).type)) {
      const version = versionPurlOf(purl);
      if (version === purl) {
        // A version that is a set of files (PyPI) is never one record: its preferred file is
        // observed under the file's own purl (upstream/pypi.ts locate).
        const ref = await upstream.locate(purl);
        if (!ref || canonicalPurl(ref.purl) === purl) return undefined;
        return this.observe(ref.purl);
      }
      // A file observed before files had purls is stored under its version purl: still that file.
      const legacy = await releases.get(version);
      const q = (parsePurl(purl).qualifiers ?? {}) as Record<string, string>;
      if (legacy && FILE_QUALIFIERS[legacy.type]?.some((n) => q[n] === legacy.filename)) {
        this.checkServe(legacy);
        return legacy;
      }
    }
    let running = this.inflight.get(purl);
    if (!running) {
      running = this.observeNow(purl, upstream).finally(() => this.inflight.delete(purl));
      this.inflight.set(purl, running);
    }
    return running;
  }

  private async observeNow(purl: string, upstream: Upstream): Promise<ReleaseRow | undefined> {
    const { ctx } = this.o;
    const ref = await upstream.locate(purl);
    if (!ref) return undefined;
    this.o.policy?.checkBeforeFetch(ref, upstream);
    this.fetches++;
    const bytes = await upstream.fetchArtifact(ref);
    if (ref.indexDigest && hexOf(ref.indexDigest.algorithm, bytes) !== ref.indexDigest.hex) {
      throw new UpstreamError(
        502,
        'UPSTREAM_DIGEST_MISMATCH',
        `${upstream.ecosystem} upstream ${upstream.url} served bytes for ${purl} whose ${ref.indexDigest.algorithm} is not the one its own index lists (${ref.indexDigest.hex.slice(0, 16)}…); refused, nothing logged`,
        'the upstream or something between it and Sigil is serving other bytes than it lists',
      );
    }
    const p = parsePurl(purl);
    let described;
    try {
      described = await describeArtifact(memoryArtifact(ref.filename, bytes), {
        type: p.type,
        ...(p.namespace ? { namespace: p.namespace } : {}),
        name: p.name,
        version: p.version!,
      });
    } catch (e) {
      if (e instanceof InputError)
        throw new UpstreamError(
          502,
          'UPSTREAM_ARTIFACT_INVALID',
          `${upstream.ecosystem} upstream ${upstream.url} served an unreadable artifact for ${purl}: ${e.message}`,
        );
      throw e;
    }
    // A PyPI file's purl names the file (…?file_name=, docs/pypi.md): the file asked for is the
    // file identified, name and all.
    const identified = canonicalPurl(described.identity.purl);
    if (identified !== purl) {
      throw new UpstreamError(
        502,
        'UPSTREAM_ARTIFACT_MISMATCH',
        `${upstream.ecosystem} upstream ${upstream.url} served ${described.identity.purl} when asked for ${purl}; refused, nothing logged`,
      );
    }
    const digests = { sha256: described.digests.sha256!, sha512: described.digests.sha512! };
    const native = { [described.native.algorithm]: described.native.value };
    const evidence = await upstream.evidence(ref, described.native.value, bytes);
    this.o.policy?.checkEvidence(purl, evidence);
    refuseContradictingEvidence(purl, upstream, evidence);

    const observedAt = ctx.now().toISOString();
    const predicate: ObservedPredicate = {
      purl,
      upstream: upstream.url,
      artifactUrl: ref.url,
      observedAt,
      size: bytes.length,
      native,
      upstreamPublishedAt: ref.publishedAt,
      evidence,
    };
    const envelope = signEnvelope(
      IN_TOTO_PAYLOAD_TYPE,
      Buffer.from(JSON.stringify(observedStatement(digests, predicate))),
      ctx.registryKey,
    );
    const entry = envelopeLogEntry(envelope, ctx.registryKey.publicKey);
    const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
    const registrySignature = npmRegistrySignature(
      ctx.registryKey,
      p.type,
      name,
      p.version!,
      described.native.value,
    );
    const row: Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'> = {
      purl,
      type: p.type,
      namespace: p.namespace ?? '',
      name: p.name,
      version: p.version!,
      sha256: digests.sha256,
      sha512: digests.sha512,
      size: bytes.length,
      native: JSON.stringify(native),
      publishedAt: observedAt,
      filename: ref.filename,
      account: null,
      authorBundle: null,
      authorKeyId: null,
      authorKeyPem: null,
      authorEntry: null,
      publishEnvelope: JSON.stringify(envelope),
      publishEntry: entry,
      registrySignature,
    };
    await this.o.prepare?.(purl, p.type, ref.filename, bytes, digests.sha256);
    let reserved;
    try {
      // A release of this name published here meanwhile makes it hosted: never observed (the
      // publish side refuses the mirror case, observed/shadowing.ts); checked atomically.
      // A file of a file-set version (PyPI) carries its release key now, so the version's file
      // set (release-keys.ts filesOfVersion) finds it at once, not only after a restart's backfill.
      const releaseKey = VERSION_IS_FILE_SET.has(p.type) ? releaseKeyOf(purl).release : undefined;
      reserved = await ctx.storage.releases.reserve(row, releaseKey, (siblings) => {
        if (siblings.some((r) => !isObservedRow(r))) throw new HostedMeanwhile();
      });
    } catch (e) {
      if (e instanceof HostedMeanwhile) return undefined;
      throw e;
    }
    if (reserved.kind === 'exists') return reserved.row; // published or observed meanwhile (another process)
    if (reserved.kind === 'pending')
      throw new RegistryError(
        503,
        'OBSERVE_IN_PROGRESS',
        `${purl} is being recorded right now`,
        'retry in a moment',
      );
    try {
      // Same order as a publish: reservation and blob durable before the entry can be in the log.
      await ctx.storage.blobs.put(digests.sha256, bytes);
      const appended = await ctx.log.append(entry);
      await ctx.storage.releases.complete(purl, null, appended.index);
    } catch (e) {
      await ctx.storage.releases.abandon(purl);
      if (e instanceof PushbackError)
        throw new RegistryError(
          503,
          'LOG_BUSY',
          e.message,
          `retry after ${e.retryAfterSeconds} s`,
          { retryAfterSeconds: e.retryAfterSeconds },
        );
      throw e;
    }
    const stored = (await ctx.storage.releases.get(purl))!;
    await ctx.onPublished?.(stored);
    return stored;
  }

  /**
   * checkIndexDigest compares what an upstream's index now says about an already logged purl
   * with the logged bytes; a difference is logged once as a conflict. Returns true when they differ.
   */
  async checkIndexDigest(
    row: ReleaseRow,
    upstream: Upstream,
    indexDigest: ArtifactRef['indexDigest'],
  ): Promise<boolean> {
    if (!indexDigest || !isObservedRow(row)) return false;
    const logged =
      indexDigest.algorithm === 'sha512'
        ? row.sha512
        : indexDigest.algorithm === 'sha256'
          ? row.sha256
          : undefined;
    if (logged === undefined) {
      const blob = await this.o.ctx.storage.blobs.read(row.sha256);
      if (!blob || hexOf(indexDigest.algorithm, blob) === indexDigest.hex) return false;
    } else if (logged === indexDigest.hex) return false;
    await this.conflict(row, upstream, {
      indexDigest: { algorithm: indexDigest.algorithm, value: indexDigest.hex },
    });
    return true;
  }

  /** conflict logs a signed conflict record for `row` (once per offer). */
  async conflict(
    row: ReleaseRow,
    upstream: Upstream,
    offered: ConflictPredicate['offered'],
  ): Promise<void> {
    const { ctx } = this.o;
    const key = offered.sha512
      ? `sha512:${offered.sha512}`
      : `${offered.indexDigest!.algorithm}:${offered.indexDigest!.value}`;
    const packages = ctx.storage.packages;
    if (await packages.hasConflict(row.purl, key)) return;
    const seenAt = ctx.now().toISOString();
    const predicate: ConflictPredicate = {
      purl: row.purl,
      upstream: upstream.url,
      seenAt,
      logged: {
        sha512: row.sha512,
        native: JSON.parse(row.native) as Record<string, string>,
        logIndex: row.publishIndex!,
      },
      offered,
    };
    const envelope = signEnvelope(
      IN_TOTO_PAYLOAD_TYPE,
      Buffer.from(JSON.stringify(conflictStatement(predicate))),
      ctx.registryKey,
    );
    const appended = await ctx.log.append(envelopeLogEntry(envelope, ctx.registryKey.publicKey));
    await packages.addConflict({
      purl: row.purl,
      upstream: upstream.url,
      seenAt,
      loggedSha512: row.sha512,
      offered: key,
      envelope: JSON.stringify(envelope),
      logIndex: appended.index,
    });
  }
}

/**
 * refuseContradictingEvidence: an upstream signature or provenance that is offered but does not
 * verify contradicts the bytes (or was changed after the upstream checked it). An observed record
 * fixes a digest forever, so logging such bytes would make tampering permanent: refuse, log
 * nothing; the next request tries again. "missing"/"none"/"unverifiable" are recorded as they are.
 */
function refuseContradictingEvidence(
  purl: string,
  upstream: Upstream,
  evidence: UpstreamEvidence,
): void {
  const bad = (
    [
      ['registry signature', evidence.registrySignature],
      ['provenance', evidence.provenance],
    ] as const
  ).find(([, v]) => v.verdict === 'invalid');
  if (!bad) return;
  throw new UpstreamError(
    502,
    'UPSTREAM_EVIDENCE_INVALID',
    `${upstream.ecosystem} upstream ${upstream.url} offers a ${bad[0]} for ${purl} that does not verify (${bad[1].reason}); refused, nothing logged`,
    'the artifact or its signature was changed after the upstream signed it, or the upstream keys configured here are wrong (upstreams.<ecosystem>.keys); ask the upstream operator, or point Sigil at another mirror',
    { purl, evidence: bad[0] },
  );
}
