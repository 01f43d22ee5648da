/**
 * Trust levels of a dependency (DESIGN.md "Records"): what its record proves, strongest first.
 *
 *   author     signed by its author (bundle verified, key authorised), countersigned, logged
 *   registry   published to the Sigil registry by an authorised account, countersigned, logged
 *   logged     observed: Sigil fetched it from an upstream and logged its digests on first sight
 *   none       no record
 *
 * A policy asks for a level per package pattern (`levels`); the most specific pattern wins
 * (longest, then strongest). Without a matching pattern, a server that observes the package's
 * ecosystem (keys.json `observes`) makes the default `logged`: no record after an on-demand
 * lookup is a failure, as `go` fails on a checksum-database 404 (fail-closed). Elsewhere the
 * older rules (`requireAuthorSignature`, `unsigned`) apply alone. Levels only ever add
 * failures; they never excuse a failed check.
 */
import { statementKind } from '../core/observed.js';
import type { ObservedPredicate } from '../core/observed.js';
import { type Check, fail } from '../core/verdict.js';
import type { SigilRecord } from '../client/records/source.js';
import type { DependencyResult } from './check-dependency.js';
import { matchesPattern, packageName, type Policy, type TrustLevel } from './policy.js';

export type RecordKind = 'author-signed' | 'registry-published' | 'observed' | 'no-record';

const RANK: Record<TrustLevel, number> = { none: 0, logged: 1, registry: 2, author: 3 };

/** atLeast: does `level` meet `required`? */
export function atLeast(level: TrustLevel, required: TrustLevel): boolean {
  return RANK[level] >= RANK[required];
}

function statementPredicate(record: SigilRecord): {
  kind: ReturnType<typeof statementKind>;
  predicate?: unknown;
} {
  try {
    const payload = Buffer.from(String(record.publishStatement?.payload ?? ''), 'base64');
    const doc = JSON.parse(payload.toString('utf8')) as { predicate?: unknown };
    return { kind: statementKind(payload), predicate: doc.predicate };
  } catch {
    return { kind: 'unknown' };
  }
}

/** recordKind: which kind of record the server answered (null/undefined: none). */
export function recordKind(record: SigilRecord | null | undefined): RecordKind {
  if (!record || typeof record !== 'object') return 'no-record';
  if (record.authorBundle) return 'author-signed';
  return statementPredicate(record).kind === 'observed' ? 'observed' : 'registry-published';
}

/** observedFacts: upstream and first-seen time of an observed record (read from the registry-signed statement the countersignature check verified). */
export function observedFacts(
  record: SigilRecord,
):
  | { upstream: string; firstSeen: string; registrySignature?: string; provenance?: string }
  | undefined {
  const s = statementPredicate(record);
  if (s.kind !== 'observed') return undefined;
  const p = s.predicate as Partial<ObservedPredicate> | undefined;
  if (!p || typeof p.upstream !== 'string' || typeof p.observedAt !== 'string') return undefined;
  return {
    upstream: p.upstream,
    firstSeen: p.observedAt,
    ...(typeof p.evidence?.registrySignature?.verdict === 'string'
      ? { registrySignature: p.evidence.registrySignature.verdict }
      : {}),
    ...(typeof p.evidence?.provenance?.verdict === 'string'
      ? { provenance: p.evidence.provenance.verdict }
      : {}),
  };
}

/** requiredLevel: the level the policy asks of a package, and from where; undefined when no level applies. */
export function requiredLevel(
  policy: Policy,
  purl: string,
  observes: readonly string[] | undefined,
): { level: TrustLevel; from: string; explicit: boolean } | undefined {
  let best: { level: TrustLevel; pattern: string } | undefined;
  for (const [pattern, level] of Object.entries(policy.levels ?? {})) {
    if (!matchesPattern(purl, pattern)) continue;
    if (
      !best ||
      pattern.length > best.pattern.length ||
      (pattern.length === best.pattern.length && RANK[level] > RANK[best.level])
    )
      best = { level, pattern };
  }
  if (best)
    return { level: best.level, from: `levels "${best.pattern}": "${best.level}"`, explicit: true };
  let type: string;
  try {
    type = packageName(purl).type;
  } catch {
    return undefined;
  }
  if (observes?.includes(type))
    return { level: 'logged', from: `the server observes ${type}`, explicit: false };
  return undefined;
}

const KIND_TEXT: Record<RecordKind, string> = {
  'author-signed': 'signed by its author',
  'registry-published': 'published on the registry, not signed by its author',
  observed: 'logged from an upstream (observed), not signed by its author',
  'no-record': 'the server has no record',
};

export interface LevelledResult extends DependencyResult {
  readonly kind?: RecordKind;
  /** The level the record reached (all its checks passing). */
  readonly level?: TrustLevel;
  readonly requiredLevel?: TrustLevel;
  readonly observed?: {
    readonly upstream: string;
    readonly firstSeen: string;
    readonly registrySignature?: string;
    readonly provenance?: string;
  };
}

/** applyLevel adds kind and level to a dependency result, and fails it when the policy's level is not met. */
export function applyLevel(
  result: DependencyResult,
  record: SigilRecord | null | undefined,
  policy: Policy,
  observes: readonly string[] | undefined,
): LevelledResult {
  if (result.status === 'skipped') return result;
  const kind = recordKind(record);
  const checksFailed = result.checks.some((c) => c.status === 'fail' && c.name !== 'policy');
  const level: TrustLevel = checksFailed
    ? 'none'
    : kind === 'author-signed'
      ? result.status === 'verified'
        ? 'author'
        : 'registry'
      : kind === 'registry-published'
        ? 'registry'
        : kind === 'observed'
          ? 'logged'
          : 'none';
  const observed = record && kind === 'observed' ? observedFacts(record) : undefined;
  const req = requiredLevel(policy, result.purl, observes);
  const out: LevelledResult = {
    ...result,
    kind,
    level,
    ...(req ? { requiredLevel: req.level } : {}),
    ...(observed ? { observed } : {}),
  };
  // A record whose own evidence says the upstream's signature or provenance did not verify
  // contradicts its bytes: never a pass (proxies refuse such files since; older logs may hold them).
  const contradicted = observed
    ? (['registrySignature', 'provenance'] as const).find((k) => observed[k] === 'invalid')
    : undefined;
  if (contradicted && result.status !== 'failed') {
    const why = `the log's observed record says the upstream's ${contradicted === 'provenance' ? 'provenance' : 'registry signature'} did not verify for these bytes (first seen ${observed!.firstSeen.slice(0, 10)} from ${observed!.upstream})`;
    return {
      ...out,
      level: 'none',
      status: 'failed',
      reason: why,
      checks: [
        ...result.checks,
        fail('observed', 'OBSERVED_EVIDENCE_INVALID', why, { evidence: contradicted }),
      ],
    };
  }
  if (req && !atLeast(level, req.level) && result.status !== 'failed') {
    const why =
      kind === 'no-record' && !req.explicit
        ? `the server has no record even after looking it up upstream (fail-closed default: ${req.from})`
        : `${KIND_TEXT[kind]}; the policy requires level ${req.level} (${req.from})`;
    const check: Check = fail('policy', 'LEVEL_NOT_MET', why, { level, required: req.level });
    return {
      ...out,
      status: 'failed',
      reason: why,
      checks: [...result.checks.filter((c) => c.code !== 'UNSIGNED_ALLOWED'), check],
      allowedByPolicy: false,
    };
  }
  if (observed && result.status === 'unsigned')
    return {
      ...out,
      reason: `logged, first seen ${observed.firstSeen.slice(0, 10)} from ${observed.upstream}${observed.provenance === 'valid' ? ', upstream provenance verified' : ''}`,
    };
  return out;
}

/** verifiedAtSomeLevel: counts as verified in the summary (its record reached at least `logged`, nothing failed). */
export function verifiedAtSomeLevel(r: LevelledResult): boolean {
  return (
    r.status !== 'failed' &&
    r.status !== 'skipped' &&
    r.level !== undefined &&
    atLeast(r.level, 'logged')
  );
}

/** explicitlyAllowsNone: the policy says, for this package, that no record at all is fine. */
export function explicitlyAllowsNone(policy: Policy, purl: string): boolean {
  const r = requiredLevel(policy, purl, undefined);
  return r?.explicit === true && r.level === 'none';
}
