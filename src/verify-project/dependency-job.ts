/**
 * DependencyJob: a slice of a project's dependencies with everything the
 * per-dependency checks need, as structured-cloneable data (no key objects, no
 * closures), so they can run on another thread (check-pool.ts) and give the
 * very results they give in verifyProject's own loop: the same
 * checkDependency, the same ledger replay from the same proven histories, the
 * same verified checkpoints. Nothing is decided by the thread that sends the
 * job; the thread that runs it verifies everything again from the data.
 */
import { ledgerViewFromSnapshot, type LedgerViewSnapshot } from '../client/ledger-view.js';
import type { SigilRecord } from '../client/records/source.js';
import type { PublicKey } from '../core/keys.js';
import type { LockfileEntry } from '../ecosystems/adapter.js';
import type { VerifiedCheckpointText } from './checkpoints.js';
import { checkDependency, type DependencyContext } from './check-dependency.js';
import { cachedPublicKeyFromPem } from './key-cache.js';
import { applyLevel, type LevelledResult } from './levels.js';
import type { Policy } from './policy.js';
import type { TrustFile } from './trust-file.js';

/** JobContext: what every job of one verification shares (sent to each thread once). */
export interface JobContext {
  /** The policy without its parsed witness policy (checkpoints are checked before any job). */
  readonly policy: Policy;
  readonly trust: TrustFile;
  /** The registry keys that parsed, as PEM with the id they were parsed to. */
  readonly registryKeys: readonly { readonly pem: string; readonly keyid: string }[];
  readonly logOrigin: string;
  readonly checkpoints: ReadonlyMap<string, VerifiedCheckpointText>;
  readonly refusedCheckpoints: ReadonlyMap<string, string>;
  readonly observes: readonly string[] | undefined;
}

/** DependencyJob: some dependencies (by their index in the lockfile) and their records. */
export interface DependencyJob {
  readonly indexes: readonly number[];
  readonly entries: readonly LockfileEntry[];
  readonly records: readonly (SigilRecord | null | undefined)[];
  /** The ledger histories of these dependencies' namespaces (absent: the project has no ledger view). */
  readonly ledger?: LedgerViewSnapshot;
}

/** jobContext makes the shared context from verifyProject's (the parsed keys as their PEMs). */
export function jobContext(
  ctx: Omit<JobContext, 'registryKeys' | 'policy' | 'observes'> & {
    readonly policy: Policy;
    readonly registryKeyPems: readonly { readonly pem: string; readonly keyid: string }[];
  },
  observes: readonly string[] | undefined,
): JobContext {
  // The witness policy holds parsed verifier keys (not cloneable) and no dependency check reads it.
  const { witnessPolicy: _witnessPolicy, ...policy } = ctx.policy;
  return {
    policy,
    trust: ctx.trust,
    registryKeys: ctx.registryKeyPems,
    logOrigin: ctx.logOrigin,
    checkpoints: ctx.checkpoints,
    refusedCheckpoints: ctx.refusedCheckpoints,
    observes,
  };
}

/** runDependencyJob runs every check of the job's dependencies here; results in the job's order. */
export async function runDependencyJob(
  context: JobContext,
  job: DependencyJob,
): Promise<LevelledResult[]> {
  const registryKeys: PublicKey[] = context.registryKeys.map((k) =>
    cachedPublicKeyFromPem(k.pem, { keyid: k.keyid }, `registry key ${k.keyid.slice(0, 16)}…`),
  );
  const ledger = job.ledger ? await ledgerViewFromSnapshot(job.ledger) : undefined;
  const ctx: DependencyContext = {
    policy: context.policy,
    trust: context.trust,
    registryKeys,
    logOrigin: context.logOrigin,
    checkpoints: context.checkpoints,
    refusedCheckpoints: context.refusedCheckpoints,
    ...(ledger ? { ledger } : {}),
  };
  const out: LevelledResult[] = [];
  for (let i = 0; i < job.entries.length; i++) {
    const record = job.records[i];
    out.push(
      applyLevel(
        await checkDependency(job.entries[i]!, record, ctx),
        record,
        context.policy,
        context.observes,
      ),
    );
  }
  return out;
}
