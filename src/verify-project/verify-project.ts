/**
 * verifyProject: every dependency of a lockfile against its Sigil release
 * record — one batch lookup, the log checked once (checkpoint signature,
 * consistency with what this machine saw, age, witnesses), then each
 * dependency (check-dependency.ts), then the policy's verdict.
 *
 * Contract: returns a {@link ProjectReport} for any records the source
 * returns (bad records are failures, never exceptions); rejects only when the
 * source itself fails (RecordSourceError: server down, offline cache
 * missing) — there is then no verdict to give.
 */
import type { CheckpointMemory } from '../client/checkpoint-memory.js';
import type { CheckpointClock } from '../client/records/seen.js';
import {
  recordsOf,
  type RecordSource,
  type ServerKeys,
  type SigilFileSet,
  type SigilRecord,
} from '../client/records/source.js';
import { isReleaseFileSet } from '../core/release-record.js';
import { checkFileSet } from './check-file-set.js';
import { cachedPublicKeyFromPem, spkiPem } from './key-cache.js';
import type { PublicKey } from '../core/keys.js';
import { purlWithoutVersion } from '../core/purl.js';
import type { Check } from '../core/verdict.js';
import type { LockfileEntry } from '../ecosystems/adapter.js';
import { checkCheckpoints } from './checkpoints.js';
import {
  checkDependency,
  type DependencyResult,
  type DependencyStatus,
} from './check-dependency.js';
import type { LedgerView } from '../client/ledger-view-types.js';
import type { FetchingLedgerView } from '../client/ledger-view.js';
import { type CheckPool, startCheckPool } from './check-pool.js';
import { type DependencyJob, jobContext } from './dependency-job.js';
import type { Policy } from './policy.js';
import { EMPTY_TRUST, type NamespacePin, type TrustFile } from './trust-file.js';
import {
  applyLevel,
  explicitlyAllowsNone,
  verifiedAtSomeLevel,
  type LevelledResult,
  type RecordKind,
} from './levels.js';

export interface VerifyProjectInput {
  /** Lockfile path as given (reports point at it). */
  readonly lockfile: string;
  readonly format: string;
  readonly entries: readonly LockfileEntry[];
  readonly source: RecordSource;
  readonly policy: Policy;
  /** Where the policy came from ("(default)" without a file). */
  readonly policyFile: string;
  readonly trust?: TrustFile;
  readonly memory: CheckpointMemory;
  readonly clock: CheckpointClock;
  /** The key ledger (client/ledger-view-types.ts); without one, pins and the policy authorise keys. */
  readonly ledger?: LedgerView;
  readonly now?: () => Date;
  /** Checks done before (the server's pinned identity), reported first among the project checks. */
  readonly projectChecks?: readonly Check[];
  readonly onProgress?: (done: number, total: number) => void;
  /** Worker threads for the per-dependency checks (0 or absent: all on this thread). */
  readonly threads?: number;
  /** Fewest dependencies worth starting threads for (default {@link THREADS_FROM}). */
  readonly threadsFrom?: number;
}

/** Below this many dependencies a thread's start-up (~0.1 CPU-s) costs more than it saves. */
export const THREADS_FROM = 200;

export interface ProjectReport {
  readonly lockfile: string;
  readonly format: string;
  readonly source: string;
  readonly policyFile: string;
  readonly ok: boolean;
  readonly log?: {
    readonly origin: string;
    readonly size: number;
    readonly ageSeconds?: number;
    readonly checkpoint: string;
  };
  /** Checks of the log, once for the whole project. */
  readonly project: readonly Check[];
  readonly dependencies: readonly DependencyResult[];
  readonly counts: Readonly<Record<DependencyStatus, number>>;
  /** Warnings that do not fail (rotations, resets, berry digests). */
  readonly warnings: readonly {
    readonly purl: string;
    readonly display: string;
    readonly check: Check;
  }[];
  /** The pins `--pin` would write (existing pins kept, new namespaces and ledger-authorised rotations added). */
  readonly pins: TrustFile;
  readonly splitView?: { readonly remembered: string; readonly received: string };
  /** Dependencies by what their record is (levels.ts). */
  readonly kinds?: Readonly<Record<RecordKind, number>>;
  /** Verified (a record reaching at least `logged`, every check passing) vs not (no record, failed), skipped left out. */
  readonly summary?: { readonly verified: number; readonly notVerified: number };
}

/**
 * ledgerNamespaces lists the key-ledger namespaces verification will ask
 * about: the package of every purl ASKED (the record's own `ledger` field is
 * never used: the server must not choose which ledger applies), signed or
 * not — an unsigned answer for a package with a ledger is a failure.
 * Ledger views add each package's scope.
 */
export function ledgerNamespaces(records: Readonly<Record<string, unknown>>): string[] {
  const namespaces = new Set<string>();
  for (const purl of Object.keys(records)) {
    try {
      namespaces.add(purlWithoutVersion(purl));
    } catch {
      /* a malformed purl fails in checkDependency */
    }
  }
  return [...namespaces];
}

/** isSnapshotView: a ledger view another thread can rebuild (ledger-view.ts); others are checked here. */
function isSnapshotView(v: LedgerView): v is LedgerView & Pick<FetchingLedgerView, 'snapshot'> {
  return typeof (v as Partial<FetchingLedgerView>).snapshot === 'function';
}

/**
 * dependencyJobs cuts the dependencies at `indexes` into jobs of a few hundred (several per
 * thread, so a slow job does not hold the others up), keeping all versions of a package in one
 * job (its ledger is replayed once per job) and giving each job the ledger histories it needs.
 */
function dependencyJobs(
  indexes: readonly number[],
  entries: readonly LockfileEntry[],
  records: Readonly<Record<string, unknown>>,
  threads: number,
  ledger: (LedgerView & Pick<FetchingLedgerView, 'snapshot'>) | undefined,
): DependencyJob[] {
  const byNamespace = new Map<string, number[]>();
  for (const i of indexes) {
    const purl = entries[i]!.purl;
    let ns = purl;
    try {
      ns = purlWithoutVersion(purl);
    } catch {
      /* reported by checkDependency */
    }
    const list = byNamespace.get(ns);
    if (list) list.push(i);
    else byNamespace.set(ns, [i]);
  }
  const size = Math.min(500, Math.max(32, Math.ceil(indexes.length / (threads * 4))));
  const jobs: DependencyJob[] = [];
  let batch: number[] = [];
  let namespaces: string[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    jobs.push({
      indexes: batch,
      entries: batch.map((i) => entries[i]!),
      records: batch.map((i) => records[entries[i]!.purl] as SigilRecord | null | undefined),
      ...(ledger ? { ledger: ledger.snapshot(namespaces) } : {}),
    });
    batch = [];
    namespaces = [];
  };
  for (const [ns, list] of byNamespace) {
    batch.push(...list);
    namespaces.push(ns);
    if (batch.length >= size) flush();
  }
  flush();
  return jobs;
}

export async function verifyProject(input: VerifyProjectInput): Promise<ProjectReport> {
  // Threads start now, so their start-up overlaps the record lookups.
  const threads = input.threads ?? 0;
  const pool =
    threads > 0 && input.entries.length >= (input.threadsFrom ?? THREADS_FROM)
      ? startCheckPool(threads)
      : undefined;
  try {
    return await verifyWith(input, pool);
  } finally {
    await pool?.close();
  }
}

async function verifyWith(
  input: VerifyProjectInput,
  pool: CheckPool | undefined,
): Promise<ProjectReport> {
  const now = (input.now ?? (() => new Date()))();
  const trust = input.trust ?? EMPTY_TRUST;
  const checkable = input.entries.filter((e) => e.source === undefined || e.source === 'registry');
  const purls = [...new Set(checkable.map((e) => e.purl))];
  const keys: ServerKeys = await input.source.keys();
  const lookup = await input.source.lookup(purls);
  const texts = new Set<string>([lookup.checkpoint]);
  for (const r of Object.values(lookup.records).flatMap(recordsOf))
    if (typeof r.log?.checkpoint === 'string') texts.add(r.log.checkpoint);
  if (lookup.checkpoint === '' && texts.size === 1) texts.clear();
  const cps = await checkCheckpoints({
    texts: [...texts],
    keys,
    source: input.source,
    memory: input.memory,
    clock: input.clock,
    policy: input.policy,
    now,
    latest: lookup.checkpoint,
    ...(input.source.snapshot ? { snapshot: true } : {}),
  });

  const registryKeys: PublicKey[] = [];
  const project: Check[] = [...(input.projectChecks ?? []), ...cps.checks];
  for (const k of keys.keys.filter((x) => x.use === 'registry')) {
    try {
      registryKeys.push(
        cachedPublicKeyFromPem(
          k.pem,
          { keyid: k.keyid, algorithm: k.algorithm },
          `registry key ${k.keyid.slice(0, 16)}…`,
        ),
      );
    } catch (e) {
      project.push({
        name: 'keys',
        code: 'REGISTRY_KEY_INVALID',
        status: 'fail',
        reason: (e as Error).message,
      });
    }
  }
  const ctx = {
    policy: input.policy,
    trust,
    registryKeys,
    logOrigin: keys.log.origin,
    checkpoints: cps.verified,
    refusedCheckpoints: cps.refused,
    ...(input.ledger ? { ledger: input.ledger } : {}),
  };
  // The key ledgers of every signed dependency's namespace, fetched together before the checks.
  // Their events must be proven in the newest verified checkpoint (src/client/verified-ledger.ts).
  const tree = cps.newest
    ? {
        origin: keys.log.origin,
        size: cps.newest.checkpoint.size,
        hash: cps.newest.checkpoint.hash,
      }
    : undefined;
  if (input.ledger?.prepare)
    await input.ledger.prepare(
      ledgerNamespaces(Object.fromEntries(purls.map((p) => [p, lookup.records[p]]))),
      tree,
    );
  const results: DependencyResult[] = new Array<DependencyResult>(input.entries.length);
  let n = 0;
  const progress = (k: number) => {
    n += k;
    input.onProgress?.(n, input.entries.length);
  };
  const checkHere = async (i: number): Promise<DependencyResult> => {
    const e = input.entries[i]!;
    const answer = lookup.records[e.purl];
    return isReleaseFileSet(answer)
      ? await checkFileSet(e, answer as SigilFileSet, ctx, input.policy, keys.observes)
      : applyLevel(
          await checkDependency(e, answer as SigilRecord | null | undefined, ctx),
          answer as SigilRecord | null | undefined,
          input.policy,
          keys.observes,
        );
  };
  // Many dependencies: their checks go to worker threads (check-pool.ts), file sets stay here.
  const threads = input.threads ?? 0;
  const ledger = input.ledger;
  const snapshots = ledger === undefined || isSnapshotView(ledger) ? ledger : null;
  const pooled =
    pool && snapshots !== null
      ? input.entries.flatMap((e, i) => (isReleaseFileSet(lookup.records[e.purl]) ? [] : [i]))
      : [];
  const inThreads = pool !== undefined && pooled.length >= (input.threadsFrom ?? THREADS_FROM);
  const here: number[] = [];
  if (inThreads && pool) {
    const inPool = new Set(pooled);
    input.entries.forEach((_, i) => void (inPool.has(i) || here.push(i)));
    const jobs = dependencyJobs(
      pooled,
      input.entries,
      lookup.records,
      threads,
      snapshots ?? undefined,
    );
    const context = jobContext(
      {
        ...ctx,
        registryKeyPems: registryKeys.map((k) => ({ pem: spkiPem(k), keyid: k.keyId })),
      },
      keys.observes,
    );
    await pool.run(
      context,
      jobs,
      (job, got) => {
        job.indexes.forEach((i, k) => (results[i] = got[k]!));
        progress(got.length);
      },
      async (job) => {
        const got: DependencyResult[] = [];
        for (const i of job.indexes) got.push(await checkHere(i));
        return got as LevelledResult[];
      },
    );
  }
  for (const i of inThreads ? here : input.entries.keys()) {
    results[i] = await checkHere(i);
    progress(1);
  }
  const counts: Record<DependencyStatus, number> = {
    verified: 0,
    unsigned: 0,
    failed: 0,
    skipped: 0,
  };
  for (const r of results) counts[r.status]++;
  const warnings = results.flatMap((r) =>
    r.checks
      .filter((c) => c.status === 'warn' && c.code !== 'UNSIGNED_ALLOWED')
      .map((check) => ({ purl: r.purl, display: r.display, check })),
  );
  // Issue 13: a run in which nothing was verified never looks like success, unless the policy says so explicitly.
  const kinds: Record<RecordKind, number> = {
    'author-signed': 0,
    'registry-published': 0,
    observed: 0,
    'no-record': 0,
  };
  for (const r of results as LevelledResult[]) if (r.kind) kinds[r.kind]++;
  const considered = (results as LevelledResult[]).filter((r) => r.status !== 'skipped');
  const verifiedCount = considered.filter(verifiedAtSomeLevel).length;
  const summary = { verified: verifiedCount, notVerified: considered.length - verifiedCount };
  if (
    considered.length > 0 &&
    verifiedCount === 0 &&
    !considered.every((r) => explicitlyAllowsNone(input.policy, r.purl))
  ) {
    project.push({
      name: 'policy',
      code: 'NOTHING_VERIFIED',
      status: 'fail',
      reason: `none of the ${considered.length} dependencies was verified (${kinds['no-record']} without a record on the server); a run that verifies nothing fails unless the policy allows it with "levels": {"*": "none"}`,
    });
  }
  const ok = counts.failed === 0 && project.every((c) => c.status !== 'fail');

  // Pins: keep every existing pin; add namespaces seen for the first time and ledger-authorised rotations.
  const namespaces: Record<string, NamespacePin> = { ...trust.namespaces };
  for (const r of results) {
    if (!r.signer || !r.namespace || r.status === 'failed') continue;
    const key = {
      keyid: r.signer.keyid,
      algorithm: r.signer.algorithm as 'ed25519',
      pem: r.signer.pem,
    };
    const existing = namespaces[r.namespace];
    if (!existing) {
      namespaces[r.namespace] = {
        keys: [key],
        firstSeen: {
          origin: keys.log.origin,
          treeSize: cps.newest?.checkpoint.size ?? 0,
          logIndex: r.signer.logIndex,
          at: now.toISOString(),
        },
      };
    } else if (
      !existing.keys.some((k) => k.keyid === key.keyid) &&
      r.checks.some((c) => c.code === 'KEY_ROTATED')
    ) {
      namespaces[r.namespace] = { ...existing, keys: [...existing.keys, key] };
    }
  }

  return {
    lockfile: input.lockfile,
    format: input.format,
    source: input.source.name,
    policyFile: input.policyFile,
    ok,
    ...(cps.newest
      ? {
          log: {
            origin: keys.log.origin,
            size: cps.newest.checkpoint.size,
            checkpoint: cps.newest.text,
            ...(cps.ageSeconds !== undefined ? { ageSeconds: cps.ageSeconds } : {}),
          },
        }
      : {}),
    project,
    dependencies: results,
    counts,
    warnings,
    pins: { version: 1, namespaces },
    ...(cps.splitView ? { splitView: cps.splitView } : {}),
    kinds,
    summary,
  };
}
