/**
 * The release statement: an in-toto Statement v1 (github.com/in-toto/attestation,
 * spec/v1/statement.md) with the release predicate v0.1
 * (spec/predicates/release.md). The subject's name is the purl; its digest
 * holds sha256 and sha512 of the artifact's bytes.
 */
import { ValidationError } from './errors.js';
import type { DigestSet } from './digest.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const RELEASE_PREDICATE_TYPE = 'https://in-toto.io/attestation/release/v0.1';

export interface ResourceDescriptor {
  readonly name: string;
  readonly digest: DigestSet & Record<string, string>;
}

/** ReleasePredicate is in-toto's release predicate v0.1; `purl` is required. */
export interface ReleasePredicate {
  readonly purl: string;
  readonly releaseId?: string;
  readonly metadata?: Record<string, unknown>;
}

export interface ReleaseStatement {
  readonly _type: typeof IN_TOTO_STATEMENT_TYPE;
  readonly subject: readonly ResourceDescriptor[];
  readonly predicateType: typeof RELEASE_PREDICATE_TYPE;
  readonly predicate: ReleasePredicate;
}

/** makeReleaseStatement builds the statement an author signs for one artifact. */
export function makeReleaseStatement(
  purl: string,
  digests: DigestSet,
  metadata?: Record<string, unknown>,
): ReleaseStatement {
  const digest: Record<string, string> = {};
  for (const alg of ['sha256', 'sha512'] as const) {
    const v = digests[alg];
    if (!v) throw new Error(`makeReleaseStatement: ${alg} digest missing`); // internal bug, not user input
    digest[alg] = v;
  }
  const predicate: ReleasePredicate = metadata ? { purl, metadata } : { purl };
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: purl, digest }],
    predicateType: RELEASE_PREDICATE_TYPE,
    predicate,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** statementTypeProblems checks an in-toto statement's `_type` and `predicateType` (one problem each when wrong). */
export function statementTypeProblems(
  doc: Record<string, unknown>,
  predicateType: string,
): string[] {
  const problems: string[] = [];
  if (doc['_type'] !== IN_TOTO_STATEMENT_TYPE)
    problems.push(`_type is ${JSON.stringify(doc['_type'])}, expected "${IN_TOTO_STATEMENT_TYPE}"`);
  if (doc['predicateType'] !== predicateType)
    problems.push(
      `predicateType is ${JSON.stringify(doc['predicateType'])}, expected "${predicateType}"`,
    );
  return problems;
}

/**
 * parseReleaseStatement validates an untrusted payload, gathering every bad
 * field before it throws ValidationError.
 */
export function parseReleaseStatement(payload: Uint8Array, file = 'payload'): ReleaseStatement {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (e) {
    throw new ValidationError(
      `${file} is not an in-toto statement`,
      [`not JSON (${(e as Error).message})`],
      { file },
    );
  }
  const problems: string[] = [];
  if (!isRecord(doc))
    throw new ValidationError(`${file} is not an in-toto statement`, ['expected a JSON object'], {
      file,
    });
  problems.push(...statementTypeProblems(doc, RELEASE_PREDICATE_TYPE));
  const subject = doc['subject'];
  if (!Array.isArray(subject) || subject.length === 0) {
    problems.push('subject must be a non-empty array');
  } else {
    subject.forEach((s, i) => {
      if (!isRecord(s)) return problems.push(`subject[${i}] must be an object`);
      if (typeof s['name'] !== 'string' || s['name'] === '')
        problems.push(`subject[${i}].name must be a non-empty string`);
      const d = s['digest'];
      if (!isRecord(d) || Object.keys(d).length === 0)
        problems.push(`subject[${i}].digest must be a non-empty object`);
      else
        for (const [k, v] of Object.entries(d))
          if (typeof v !== 'string' || !/^[0-9a-f]+$/.test(v))
            problems.push(`subject[${i}].digest.${k} must be lowercase hex`);
      return undefined;
    });
  }
  const predicate = doc['predicate'];
  if (!isRecord(predicate)) problems.push('predicate must be an object');
  else if (typeof predicate['purl'] !== 'string') problems.push('predicate.purl must be a string');
  if (problems.length > 0)
    throw new ValidationError(`${file} is not a valid release statement`, problems, { file });
  return doc as unknown as ReleaseStatement;
}
