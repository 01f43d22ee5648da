/**
 * Observed and conflict records: what a Sigil registry says about a release it
 * did NOT receive from a publisher but fetched from an upstream registry
 * (DESIGN.md "Records"). Both are in-toto Statements v1 signed by the
 * registry key in a DSSE envelope and logged as Rekor v2 dsse entries, like
 * the publish statement; only the predicate differs. Pure: no clock (the
 * caller hands the time in), no I/O.
 *
 *   observed  https://sigil.dev/observed/v0.1  "I fetched <purl> from <upstream> at <time>;
 *             its bytes have these digests; the upstream's own evidence checked so"
 *   conflict  https://sigil.dev/conflict/v0.1  "the upstream later offered other bytes (or
 *             another index digest) for <purl>, which I logged earlier; both named"
 *
 * Schemas: docs/schemas/observed-predicate.schema.json, conflict-predicate.schema.json.
 */
import { ValidationError } from './errors.js';
import { IN_TOTO_STATEMENT_TYPE } from './statement.js';

export const OBSERVED_PREDICATE_TYPE = 'https://sigil.dev/observed/v0.1';
export const CONFLICT_PREDICATE_TYPE = 'https://sigil.dev/conflict/v0.1';

/** EvidenceVerdict: what the upstream's own signature (or provenance) said when Sigil checked it. */
export type SignatureVerdict = 'valid' | 'missing' | 'invalid' | 'unverifiable' | 'not-applicable';
export type ProvenanceVerdict = 'valid' | 'none' | 'invalid' | 'unverified' | 'not-applicable';

/** UpstreamEvidence: the upstream's own evidence for a version, as checked at observation time. */
export interface UpstreamEvidence {
  readonly registrySignature: {
    readonly verdict: SignatureVerdict;
    readonly keyid?: string;
    readonly reason: string;
  };
  readonly provenance: {
    readonly verdict: ProvenanceVerdict;
    readonly repository?: string;
    readonly workflow?: string;
    readonly reason: string;
  };
  /** The digest the upstream's own index (packument, …) gave for the artifact, checked equal to the bytes. */
  readonly indexDigest: { readonly algorithm: string; readonly value: string } | null;
  /**
   * Go: the upstream checksum database's record of the version, when one is configured
   * (`upstreams.golang.sumdb`): "match" with its go.sum lines, record id, signed tree and
   * inclusion proof (all checked), or "absent" when the database does not know the version.
   * A record that differs is never logged (the observation is refused).
   */
  readonly checksumDatabase?: {
    readonly verdict: 'match' | 'absent';
    readonly url: string;
    readonly reason: string;
    readonly lines?: readonly string[];
    readonly recordId?: number;
    readonly treeSize?: number;
    readonly tree?: string;
    readonly proof?: readonly string[];
  };
}

export interface ObservedPredicate {
  readonly purl: string;
  /** The upstream registry's base URL, as configured. */
  readonly upstream: string;
  /** Where the bytes were fetched from. */
  readonly artifactUrl: string;
  readonly observedAt: string;
  readonly size: number;
  /** Native digests as the ecosystem spells them (npm `sri-sha512`, Go `h1`, …). */
  readonly native: Readonly<Record<string, string>>;
  /** When the upstream says the version was published, if it says. */
  readonly upstreamPublishedAt: string | null;
  readonly evidence: UpstreamEvidence;
}

export interface ConflictPredicate {
  readonly purl: string;
  readonly upstream: string;
  readonly seenAt: string;
  /** The digests Sigil logged for the purl (and keeps serving). */
  readonly logged: {
    readonly sha512: string;
    readonly native: Readonly<Record<string, string>>;
    readonly logIndex: number;
  };
  /** What the upstream offered now: its index digest, and the bytes' digests when it served bytes. */
  readonly offered: {
    readonly sha512?: string;
    readonly native?: Readonly<Record<string, string>>;
    readonly indexDigest?: { readonly algorithm: string; readonly value: string };
  };
}

export interface RecordStatement<P> {
  readonly _type: typeof IN_TOTO_STATEMENT_TYPE;
  readonly subject: readonly {
    readonly name: string;
    readonly digest: Readonly<Record<string, string>>;
  }[];
  readonly predicateType: string;
  readonly predicate: P;
}

/** observedStatement: subject = purl with sha256 and sha512 of the bytes. */
export function observedStatement(
  digests: { sha256: string; sha512: string },
  predicate: ObservedPredicate,
): RecordStatement<ObservedPredicate> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: predicate.purl, digest: { sha256: digests.sha256, sha512: digests.sha512 } }],
    predicateType: OBSERVED_PREDICATE_TYPE,
    predicate,
  };
}

/** conflictStatement: subject = purl with the LOGGED sha512 (the bytes Sigil keeps serving). */
export function conflictStatement(
  predicate: ConflictPredicate,
): RecordStatement<ConflictPredicate> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: predicate.purl, digest: { sha512: predicate.logged.sha512 } }],
    predicateType: CONFLICT_PREDICATE_TYPE,
    predicate,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RecordKind: which kind of registry statement a payload is. */
export type RegistryStatementKind = 'published' | 'observed' | 'conflict' | 'unknown';

/** statementKind reads the predicate type of a registry statement payload (JSON text or bytes) without trusting anything else in it. */
export function statementKind(payload: Uint8Array | string): RegistryStatementKind {
  try {
    const doc = JSON.parse(
      typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'),
    ) as unknown;
    if (!isRecord(doc)) return 'unknown';
    const t = doc['predicateType'];
    if (t === OBSERVED_PREDICATE_TYPE) return 'observed';
    if (t === CONFLICT_PREDICATE_TYPE) return 'conflict';
    if (t === 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1') return 'published';
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * parseObservedStatement validates an untrusted observed statement (gathering every bad field),
 * for verifiers: the subject must be one purl with sha256 and sha512, the predicate complete.
 */
export function parseObservedStatement(
  payload: Uint8Array,
  file = 'observed statement',
): RecordStatement<ObservedPredicate> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (e) {
    throw new ValidationError(`${file} is not JSON`, [(e as Error).message], { file });
  }
  const problems: string[] = [];
  if (!isRecord(doc))
    throw new ValidationError(`${file} is not an in-toto statement`, ['expected a JSON object'], {
      file,
    });
  if (doc['_type'] !== IN_TOTO_STATEMENT_TYPE)
    problems.push(`_type must be "${IN_TOTO_STATEMENT_TYPE}"`);
  if (doc['predicateType'] !== OBSERVED_PREDICATE_TYPE)
    problems.push(`predicateType must be "${OBSERVED_PREDICATE_TYPE}"`);
  const subject = doc['subject'];
  if (!Array.isArray(subject) || subject.length !== 1 || !isRecord(subject[0]))
    problems.push('subject must be one {name, digest}');
  else {
    const d = subject[0]['digest'];
    if (typeof subject[0]['name'] !== 'string') problems.push('subject[0].name must be the purl');
    if (!isRecord(d) || typeof d['sha256'] !== 'string' || typeof d['sha512'] !== 'string')
      problems.push('subject[0].digest must hold sha256 and sha512');
  }
  const p = doc['predicate'];
  if (!isRecord(p)) problems.push('predicate must be an object');
  else {
    for (const f of ['purl', 'upstream', 'artifactUrl', 'observedAt'] as const)
      if (typeof p[f] !== 'string') problems.push(`predicate.${f} must be a string`);
    if (typeof p['size'] !== 'number') problems.push('predicate.size must be a number');
    if (!isRecord(p['native'])) problems.push('predicate.native must be an object');
    const ev = p['evidence'];
    if (!isRecord(ev) || !isRecord(ev['registrySignature']) || !isRecord(ev['provenance']))
      problems.push('predicate.evidence must hold registrySignature and provenance');
    const s0: unknown = Array.isArray(subject) ? subject[0] : undefined;
    if (isRecord(s0) && p['purl'] !== s0['name'])
      problems.push('predicate.purl must equal subject[0].name');
  }
  if (problems.length > 0)
    throw new ValidationError(`${file} is not a valid observed statement`, problems, { file });
  return doc as unknown as RecordStatement<ObservedPredicate>;
}
