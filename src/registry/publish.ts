/**
 * The publish pipeline: an upload (artifact + the author's bundle + the
 * account that sent it) becomes a published, countersigned, logged release —
 * or leaves no trace.
 *
 *  1. identify the artifact from its own bytes (ecosystem adapter);
 *  2. judge the key events sent with it (first publish: the author's self-signed `add`),
 *     each authorised for its own namespace, on a fork of the ledger — they are logged only
 *     together with the release, just before it (all or nothing);
 *  3. check the author bundle: digest and purl against the bytes, signature
 *     by a key the ledger authorises for the namespace now;
 *  4. versions are immutable, compared the ecosystem's way (release-keys.ts): same bytes
 *     again → the existing record (200), other bytes → 409; one spelling per package;
 *  5. reserve name@version (one winner among concurrent uploads), store the
 *     blob, countersign (publish statement + npm registry signature), append
 *     both entries to the log, mark published.
 *
 * Crash safety: the reservation row holds every byte that will be logged.
 * At start-up `recoverPending` finishes each reservation whose blob is intact
 * (log appends are idempotent: the log deduplicates by entry hash) and drops
 * the others. Readers never see a pending row. Key events of the upload are
 * staged in the same database as the reservation and re-appended at start-up
 * before the release (LedgerAuthority.open runs first).
 */
import { describeArtifact } from '../ecosystems/describe.js';
import { memoryArtifact } from '../ecosystems/memory-artifact.js';
import { parseBundle, type SigilBundle } from '../core/bundle.js';
import { signEnvelope, type DsseEnvelope } from '../core/dsse.js';
import { InputError } from '../core/errors.js';
import { StorageError } from '../store/contract.js';
import { spkiPem, type PrivateKey } from '../core/keys.js';
import { npmRegistrySignature } from './npm-registry-signature.js';
import { purlWithoutVersion } from '../core/purl.js';
import { PUBLISH_PREDICATE_TYPE, type ReleaseRecord } from '../core/release-record.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE } from '../core/statement.js';
import { firstFailure } from '../core/verdict.js';
import { verifyRelease } from '../core/verify.js';
import { PushbackError, type TransparencyLog } from '../log/service.js';
import type { ReleaseRow, ReleaseStore } from '../store/registry/releases.js';
import type { RegistryStorage } from '../store/registry/registry-storage.js';
import type { ReleaseTables } from '../store/registry/release-tables.js';
import type { AuthorKeyAuthority, KeyEventPlan } from './authority.js';
import { parseKeyEventEnvelope } from '../ledger/event.js';
import { RegistryError } from './errors.js';
import { verifiedEnvelopeLogEntry } from '../log/rekor/envelope-entry.js';
import { buildRecord } from './records.js';
import { keyOf, nameTaken, storedSpelling } from './release-keys.js';
import type { UpstreamNames } from './observed/shadowing.js';

export interface RegistryContext {
  /** The old synchronous store (embedded only); being replaced by `storage` (issue 19), then removed. */
  readonly store: ReleaseStore;
  /** Everything the registry keeps, on SQLite (embedded) or PostgreSQL + S3 (replicas). */
  readonly storage: RegistryStorage;
  readonly log: TransparencyLog;
  /** ECDSA P-256: signs publish statements and npm registry signatures. */
  readonly registryKey: PrivateKey;
  readonly baseUrl: string;
  readonly authority: AuthorKeyAuthority;
  /** Refuse releases without an author signature everywhere (otherwise only where the namespace has keys). */
  readonly requireAuthorSignature: boolean;
  readonly now: () => Date;
  /** Called once a release is published (e.g. the Go checksum database records it). Must not throw. */
  readonly onPublished?: (row: ReleaseRow) => Promise<void>;
  /** With a verifying proxy: refuses publishes that would shadow a public (upstream) name (observed/shadowing.ts). */
  readonly upstreamNames?: Pick<UpstreamNames, 'checkPublish' | 'reserveGuard'>;
}

export interface PublishRequest {
  readonly filename: string;
  readonly artifact: Buffer;
  /** The author's Sigstore bundle (parsed JSON or text); null for an unsigned upload. */
  readonly bundle: unknown;
  /** Key events to apply first (e.g. the self-signed `add` of a first publish). */
  readonly keyEvents?: readonly DsseEnvelope[];
  readonly type?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly version?: string;
  readonly account?: string;
  /**
   * authorize is called once the package is identified, before anything is
   * stored: with the versionless purl and the action ('publish', or 'keys' for
   * key events sent along). It throws to refuse (token scope, namespace owner).
   */
  readonly authorize?: (packagePurl: string, action: 'publish' | 'keys') => void | Promise<void>;
}

export interface PublishOutcome {
  /** 201 created, 200 the same bytes were already published. */
  readonly status: 200 | 201;
  readonly record: ReleaseRecord;
}

/** fullName is the package name as its ecosystem writes it (npm: "@scope/name"). */
function fullName(identity: { type: string; namespace?: string; name: string }): string {
  if (identity.type === 'npm' && identity.namespace)
    return `${identity.namespace}/${identity.name}`;
  return identity.namespace ? `${identity.namespace}/${identity.name}` : identity.name;
}

export async function publishRelease(
  ctx: RegistryContext,
  req: PublishRequest,
): Promise<PublishOutcome> {
  // 1. Who is it?
  let described;
  try {
    described = await describeArtifact(memoryArtifact(req.filename, req.artifact), {
      ...(req.type !== undefined ? { type: req.type } : {}),
      ...(req.namespace !== undefined ? { namespace: req.namespace } : {}),
      ...(req.name !== undefined ? { name: req.name } : {}),
      ...(req.version !== undefined ? { version: req.version } : {}),
    });
  } catch (e) {
    if (e instanceof InputError)
      throw new RegistryError(400, 'ARTIFACT_INVALID', e.message, e.hint);
    throw e;
  }
  const { identity, digests } = described;
  const purl = identity.purl;
  const packagePurl = purlWithoutVersion(purl);
  // One package, one spelling; one version, once — the ecosystem's own equality (release-keys.ts).
  const key = keyOf(purl);
  const spelled =
    (await storedSpelling(ctx.storage.releases, key.package)) ??
    ctx.authority.spellingOf?.(key.package);
  if (spelled !== undefined && spelled !== packagePurl) throw nameTaken(packagePurl, spelled);
  await req.authorize?.(packagePurl, 'publish');
  await ctx.upstreamNames?.checkPublish(packagePurl); // a public name is not published here (shadowing)
  // Every key event is authorised for its own namespace with the caller's token, exactly as on
  // /api/v1/key-events (issue 11, item 2): riding along with a publish of another package buys nothing.
  const keyEvents = req.keyEvents ?? [];
  for (const [i, event] of keyEvents.entries()) {
    const parsed = parseKeyEventEnvelope(event);
    if (!parsed.ok)
      throw new RegistryError(
        400,
        `KEY_EVENT_${parsed.code}`,
        `key event refused (keyEvents[${i}]): ${parsed.reason}`,
      );
    const ns = parsed.value.statement.predicate.namespace;
    // A ledger hosts the name: not for a public one. Checked before authorize, which claims a pattern at once.
    if (ns !== packagePurl) await ctx.upstreamNames?.checkPublish(ns);
    await req.authorize?.(ns, 'keys');
  }

  // 4 (early). Versions are immutable; the same bytes again is idempotent.
  const releases = ctx.storage.releases;
  const published =
    (await releases.get(purl)) ??
    (key.release !== undefined ? await releases.getByReleaseKey(key.release) : undefined);
  if (published) return sameOrConflict(ctx, published, digests.sha512!, purl);

  // 2. Key events are judged first, as if logged next, but logged only once the release is
  // accepted too: a refused upload leaves nothing behind, key events included (all or nothing).
  return ctx.authority.withKeyEvents(keyEvents, (plan) => publishWith(ctx, req, described, plan));
}

async function publishWith(
  ctx: RegistryContext,
  req: PublishRequest,
  described: Described,
  plan: KeyEventPlan,
): Promise<PublishOutcome> {
  const { identity, digests, native } = described;
  // Digests lockfiles pin that are not of the bytes (renv's Hash): recorded and countersigned.
  const extraNatives = Object.fromEntries(
    (described.extraNatives ?? []).map((d) => [d.algorithm, d.value]),
  );
  const purl = identity.purl;
  const packagePurl = purlWithoutVersion(purl);

  // 3. The author signature, against the keys the ledger authorises (with the upload's key events).
  const ns = plan.keysFor(packagePurl);
  let bundle: SigilBundle | null = null;
  let authorKeyId: string | null = null;
  let authorKeyPem: string | null = null;
  let authorEntry: Uint8Array | null = null;
  // A namespace that has ever had a ledger needs author signatures forever, also once every key
  // is revoked (downgrade to unsigned, issue 11 item 4): only a registry `reset` gives it keys again.
  const governed = ns.hasLedger ?? ns.keys.length > 0;
  if (req.bundle === null || req.bundle === undefined) {
    if (ctx.requireAuthorSignature || governed) {
      const why =
        governed && ns.keys.length === 0
          ? `${packagePurl} has a key ledger (${ns.namespace}) with no usable key left; it never accepts unsigned releases again`
          : `${packagePurl} requires releases signed by its authors; this upload has no bundle`;
      throw new RegistryError(
        403,
        'AUTHOR_SIGNATURE_REQUIRED',
        why,
        governed && ns.keys.length === 0
          ? 'ask the registry operator for a `reset` of the namespace (logged, and reported by every verifier)'
          : 'sign it first: `sigil publish` signs and uploads in one step, or `sigil sign` then upload the .sigstore.json with it',
      );
    }
  } else {
    const bundleText = typeof req.bundle === 'string' ? req.bundle : JSON.stringify(req.bundle);
    if (ns.keys.length === 0) {
      if (governed)
        throw new RegistryError(
          403,
          'NAMESPACE_HAS_NO_KEYS',
          `${packagePurl} has a key ledger (${ns.namespace}) with no usable key left`,
          'ask the registry operator for a `reset` of the namespace (logged, and reported by every verifier)',
        );
      throw new RegistryError(
        403,
        'NAMESPACE_HAS_NO_KEYS',
        `${packagePurl} has no author keys yet, so no signature can be checked`,
        "the first signed publish must carry the author's self-signed `add` key event; `sigil publish` sends it for you",
      );
    }
    const result = verifyRelease({
      bundle: bundleText,
      bundleFile: 'bundle',
      artifact: { name: req.filename, digests, purl },
      trustedKeys: ns.keys,
    });
    if (!result.ok) {
      const f = firstFailure(result)!;
      const status = f.code === 'KEY_UNTRUSTED' ? 403 : 400;
      throw new RegistryError(
        status,
        `AUTHOR_${f.code}`,
        `author signature refused: ${f.reason}`,
        f.code === 'KEY_UNTRUSTED'
          ? `keys authorised for ${ns.namespace}: ${ns.keys.map((k) => k.keyId.slice(0, 16)).join(', ')}`
          : undefined,
        { checks: result.checks },
      );
    }
    bundle = result.bundle ?? parseBundle(bundleText);
    authorKeyId = result.signerKeyId!;
    const authorKey = ns.keys.find((k) => k.keyId === authorKeyId)!;
    authorKeyPem = spkiPem(authorKey.key);
    authorEntry = verifiedEnvelopeLogEntry(bundle.dsseEnvelope, authorKey); // verified just above
  }

  // 5. Countersign.
  const publishedAt = ctx.now().toISOString();
  const name = fullName(identity);
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: purl, digest: { sha256: digests.sha256!, sha512: digests.sha512! } }],
    predicateType: PUBLISH_PREDICATE_TYPE,
    predicate: {
      name,
      version: identity.version,
      registry: ctx.baseUrl,
      publishedAt,
      authorKeyId,
      ...(Object.keys(extraNatives).length > 0 ? { native: extraNatives } : {}),
      ...(ns.head !== undefined
        ? { ledgerHead: ns.head ? { namespace: ns.namespace, ...ns.head } : null }
        : {}),
    },
  };
  const publishEnvelope = signEnvelope(
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement)),
    ctx.registryKey,
  );
  const publishEntry = verifiedEnvelopeLogEntry(publishEnvelope, ctx.registryKey.publicKey); // signed just above
  const registrySignature = npmRegistrySignature(
    ctx.registryKey,
    identity.type,
    name,
    identity.version,
    native.value,
  );

  const row: Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'> = {
    purl,
    type: identity.type,
    namespace: identity.namespace ?? '',
    name: identity.name,
    version: identity.version,
    sha256: digests.sha256!,
    sha512: digests.sha512!,
    size: req.artifact.length,
    native: JSON.stringify({ [native.algorithm]: native.value, ...extraNatives }),
    publishedAt,
    filename: req.filename,
    account: req.account ?? null,
    authorBundle: bundle ? JSON.stringify(bundle) : null, // compact: records embed it as is
    authorKeyId,
    authorKeyPem,
    authorEntry,
    publishEnvelope: JSON.stringify(publishEnvelope),
    publishEntry,
    registrySignature,
  };
  const { releases, blobs } = ctx.storage;
  // Claimed before the reservation (which resolves only once durable, ticks later), so that an
  // upload of the same bytes arriving meanwhile finds this one in `inflight` and waits for it.
  let finished!: () => void;
  const running = new Promise<void>((resolve) => (finished = resolve));
  let mine = inflight.get(releases);
  if (!mine) inflight.set(releases, (mine = new Map()));
  const claimed = !mine.has(purl);
  if (claimed) mine.set(purl, running);
  const unclaim = () => {
    if (claimed) mine.delete(purl);
    finished();
  };
  let reserved;
  try {
    // Durable on return: it holds every byte about to be logged, so recovery finds it after a crash.
    reserved = await releases.reserve(
      row,
      keyOf(purl).release,
      ctx.upstreamNames?.reserveGuard(packagePurl), // again, atomically: a lookup may have landed meanwhile
    );
  } catch (e) {
    unclaim();
    throw e;
  }
  if (reserved.kind !== 'reserved') unclaim();
  if (reserved.kind === 'exists') return sameOrConflict(ctx, reserved.row, digests.sha512!, purl);
  if (reserved.kind === 'pending') {
    // The same bytes as the upload in flight (a client retrying, CI jobs racing): wait for it
    // and answer like a repeat publish, instead of failing a request that will succeed.
    const other = mine.get(reserved.row.purl);
    if (other && other !== running && reserved.row.sha512 === digests.sha512) {
      await other;
      const done = await releases.get(reserved.row.purl);
      if (done) return sameOrConflict(ctx, done, digests.sha512!, purl);
    }
    throw new RegistryError(
      409,
      'PUBLISH_IN_PROGRESS',
      `${purl} is being published by another upload right now`,
      'retry in a moment: if that upload succeeds, this version exists',
    );
  }

  const staged = plan.stage(); // in the journal beside the reservation, durable on return
  try {
    await staged;
    // The blob is durable before the log can hold the entries, like the reservation: recovery
    // finds both after a crash or power loss.
    await blobs.put(digests.sha256!, req.artifact);
    // Key events first (each below the release's entries: the key is authorised "before I").
    const eventIndexes = await plan.commit();
    const appendRelease = () =>
      Promise.all([
        authorEntry ? ctx.log.append(authorEntry) : undefined,
        ctx.log.append(publishEntry),
      ]);
    // Once a key event is logged the upload is committed: a busy log is waited out rather than
    // leaving a logged key event without its release (recovery finishes it after a crash).
    const [authorAppend, publishAppend] =
      eventIndexes.length > 0 ? await retryPushback(appendRelease) : await appendRelease();
    await releases.complete(purl, authorAppend?.index ?? null, publishAppend.index);
  } catch (e) {
    // Nothing was acknowledged: drop the reservation and the staged key events. (If an append
    // did land, the log holds an entry for a release nobody will see; it names bytes the registry
    // never served.) Once a key event is in the log the reservation stays for recovery.
    if (!plan.logged()) {
      await releases.abandon(purl);
      await plan.discard();
    }
    if (e instanceof PushbackError)
      throw new RegistryError(503, 'LOG_BUSY', e.message, `retry after ${e.retryAfterSeconds} s`, {
        retryAfterSeconds: e.retryAfterSeconds,
      });
    throw e;
  } finally {
    unclaim();
  }
  const stored = (await releases.get(purl))!;
  await ctx.onPublished?.(stored);
  return {
    status: 201,
    record: await buildRecord(
      ctx,
      stored,
      await ctx.log.latestCheckpoint(),
      ns.resetInHistory,
      ns.namespace,
    ),
  };
}

type Described = Awaited<ReturnType<typeof describeArtifact>>;

/** retryPushback runs `fn` again while the log pushes back (a few times, waiting as it asks). */
async function retryPushback<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof PushbackError) || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * (attempt + 1))));
    }
  }
}

/** Publishes between reservation and completion, per release tables (this process only: after a crash, recovery finishes them). */
const inflight = new WeakMap<ReleaseTables, Map<string, Promise<void>>>();

async function sameOrConflict(
  ctx: RegistryContext,
  row: ReleaseRow,
  sha512: string,
  asked: string = row.purl,
): Promise<PublishOutcome> {
  if (row.sha512 !== sha512) {
    const same = asked === row.purl ? '' : ` (${asked} is the same version to its package manager)`;
    throw new RegistryError(
      409,
      'VERSION_EXISTS',
      `${row.purl} is already published with other bytes (sha512 ${row.sha512.slice(0, 16)}…)${same}; versions are immutable`,
      'publish a new version',
    );
  }
  return { status: 200, record: await buildRecord(ctx, row, await ctx.log.latestCheckpoint()) };
}

/**
 * On shared storage, a reservation older than this is taken to be a dead replica's and is
 * finished or dropped by recoverPending (a live publish holds its reservation for well under a
 * second; a log pushback is waited out for at most ~10 s, retryPushback).
 */
export const RECOVERY_LEASE_MS = 60_000;
/** How often a replica looks for reservations a dead replica left. */
export const RECOVERY_INTERVAL_MS = 30_000;

/** Reservations recovered at once (2 log entries each; the log pushes back at 16 batches). */
const RECOVERY_CHUNK = 256;

/**
 * recoverPending finishes or drops reservations a crash left behind: with
 * the blob intact, the entries are (re)appended — the log returns the
 * existing index for an entry it already has — and the release is published;
 * without it, the reservation is dropped.
 *
 * On shared storage (replicas) the pending rows of live replicas are in the same table: only
 * rows older than `olderThanMs` (their publishedAt is stamped just before the reservation) are
 * touched — a live publish finishes well within it — and one replica at a time recovers (the
 * storage's recovery turn). A row another replica finished meanwhile counts as completed.
 * An unreachable blob store stops recovery (StorageUnavailableError): nothing is dropped for it.
 */
export async function recoverPending(
  ctx: Pick<RegistryContext, 'storage' | 'log'>,
  options: { readonly olderThanMs?: number; readonly now?: () => Date } = {},
): Promise<{ completed: string[]; dropped: string[] }> {
  const turn = await ctx.storage.recoveryTurn?.();
  try {
    return await recoverNow(ctx, options.olderThanMs ?? 0, (options.now ?? (() => new Date()))());
  } finally {
    await turn?.end();
  }
}

async function recoverNow(
  ctx: Pick<RegistryContext, 'storage' | 'log'>,
  olderThanMs: number,
  now: Date,
): Promise<{ completed: string[]; dropped: string[] }> {
  const { releases, blobs } = ctx.storage;
  const completed: string[] = [];
  const dropped: string[] = [];
  const intact: ReleaseRow[] = [];
  const cutoff = now.getTime() - olderThanMs;
  for (const row of await releases.pendingReleases()) {
    if (olderThanMs > 0 && !(Date.parse(row.publishedAt) <= cutoff)) continue; // maybe in flight
    let blob: Uint8Array | undefined;
    try {
      blob = await blobs.read(row.sha256);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e; // unreachable: recover later, drop nothing
      blob = undefined; // bytes of another digest: torn or tampered
    }
    if (!blob) {
      await releases.abandon(row.purl);
      dropped.push(row.purl);
      continue;
    }
    intact.push(row);
  }
  // Many at once: the log batches them (one after another, each append would wait a batch
  // interval: seconds of start-up after a crash under load). Chunks stay under the log's pushback.
  for (let i = 0; i < intact.length; i += RECOVERY_CHUNK) {
    await Promise.all(
      intact.slice(i, i + RECOVERY_CHUNK).map(async (row) => {
        const [author, publish] = await Promise.all([
          row.authorEntry ? ctx.log.append(row.authorEntry) : undefined,
          ctx.log.append(row.publishEntry),
        ]);
        try {
          await releases.complete(row.purl, author?.index ?? null, publish.index);
        } catch (e) {
          if (!(await releases.get(row.purl))) throw e; // not finished by another replica either
        }
        completed.push(row.purl);
      }),
    );
  }
  return { completed, dropped };
}
