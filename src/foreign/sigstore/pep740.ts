/**
 * PEP 740 provenance: what PyPI's Integrity API serves for a file
 * (`GET /integrity/<project>/<version>/<filename>/provenance`, linked from the Simple API's
 * `provenance` key / `data-provenance` attribute), verified offline.
 *
 *   {"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub", …},
 *     "attestations": [{"version": 1, "verification_material": {"certificate", "transparency_entries"},
 *                       "envelope": {"statement", "signature"}}]}]}
 *
 * Each attestation is a DSSE-signed in-toto statement with a Fulcio certificate and a Rekor
 * entry: it becomes a Sigstore bundle v0.3 and goes through {@link verifySigstoreBundle}. On top,
 * as pypi-attestations' `Attestation.verify` does (trailofbits/pypi-attestations `_impl.py`):
 *   - the statement has exactly one subject, named as the file (PEP 503-normalised project
 *     name; the rest compared case-insensitively) with the file's sha256;
 *   - the predicate type is one PyPI accepts (publish/v1 or SLSA provenance v1);
 *   - the certificate is the publisher's: a Trusted Publisher's claims (issuer, source
 *     repository, build config URI = repository + workflow @ the certificate's own digest or
 *     ref) or, for Google, the service account e-mail.
 * Every attestation of every bundle must pass: one bad attestation beside good ones is a
 * tampered provenance, not a partial success. A publisher kind Sigil does not know is
 * "unverified" (signatures checked, identity not), never "valid".
 */
import { createHash } from 'node:crypto';
import { normalizePypiName } from '../../ecosystems/pypi/name.js';
import {
  fail,
  pass,
  skip,
  verdict,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { FULCIO_CLAIM } from './fulcio-claims.js';
import { SLSA_PROVENANCE_V1 } from './npm-attestations.js';
import { verifySigstoreBundle, type IdentityPolicy } from './verify.js';

/** PYPI_PUBLISH_V1: PyPI's publish attestation (predicate null). */
export const PYPI_PUBLISH_V1 = 'https://docs.pypi.org/attestations/publish/v1';
const KNOWN_PREDICATES = new Set([PYPI_PUBLISH_V1, SLSA_PROVENANCE_V1]);

/** Pep740Publisher: the Trusted Publisher a provenance names (snake_case keys as PyPI serves them). */
export type Pep740Publisher =
  | { kind: 'GitHub'; repository: string; workflow: string; environment?: string }
  | { kind: 'GitLab'; repository: string; workflowFilepath: string; environment?: string }
  | { kind: 'Google'; email: string }
  | { kind: string; other: true };

/** Pep740Outcome: valid (all checked), invalid (a check failed), unverified (signatures good, publisher kind unknown). */
export type Pep740Outcome = 'valid' | 'invalid' | 'unverified';

export interface Pep740Result extends VerificationResult {
  readonly outcome: Pep740Outcome;
  /** The publisher of the first bundle, once its shape was read. */
  readonly publisher?: Pep740Publisher;
}

export interface Pep740Options {
  /** Trusted root JSON; default: the bundled Sigstore public-good root. */
  readonly trustedRoot?: unknown;
  /**
   * The identity the verifier expects (issuer, certificate SAN), on top of the publisher the
   * provenance names: that one is the uploader's own claim, so a verifier without the index's
   * word for it pins what it expects here. Checked per attestation (`identity` check).
   */
  readonly identity?: IdentityPolicy;
}

/** Sizes above any real provenance (PyPI serves a few KiB per attestation). */
const MAX_BUNDLES = 16;
const MAX_ATTESTATIONS = 16;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** publisherOf reads a publisher object; a string naming what is wrong when it cannot be read. */
function publisherOf(p: unknown, at: string): Pep740Publisher | string {
  if (!isObj(p) || !str(p['kind'])) return `${at}.publisher needs a "kind"`;
  const env = str(p['environment']) ? { environment: p['environment'] } : {};
  switch (p['kind']) {
    case 'GitHub':
      if (!str(p['repository']) || !str(p['workflow']))
        return `${at}.publisher (GitHub) needs "repository" and "workflow"`;
      return { kind: 'GitHub', repository: p['repository'], workflow: p['workflow'], ...env };
    case 'GitLab':
      if (!str(p['repository']) || !str(p['workflow_filepath']))
        return `${at}.publisher (GitLab) needs "repository" and "workflow_filepath"`;
      return {
        kind: 'GitLab',
        repository: p['repository'],
        workflowFilepath: p['workflow_filepath'],
        ...env,
      };
    case 'Google':
      if (!str(p['email'])) return `${at}.publisher (Google) needs "email"`;
      return { kind: 'Google', email: p['email'] };
    default:
      return { kind: p['kind'], other: true };
  }
}

/** attestationBundle turns one PEP 740 attestation into a Sigstore bundle v0.3 (pypi-attestations `to_bundle`). */
function attestationBundle(a: unknown, at: string): Json | string {
  if (!isObj(a) || a['version'] !== 1) return `${at} must be an object with "version": 1`;
  const vm = a['verification_material'];
  const env = a['envelope'];
  if (!isObj(vm) || !str(vm['certificate']) || !Array.isArray(vm['transparency_entries']))
    return `${at}.verification_material needs "certificate" and "transparency_entries"`;
  if (vm['transparency_entries'].length !== 1)
    return `${at}.verification_material.transparency_entries must hold exactly one entry`;
  if (!isObj(env) || !str(env['statement']) || !str(env['signature']))
    return `${at}.envelope needs "statement" and "signature"`;
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: { rawBytes: vm['certificate'] },
      tlogEntries: vm['transparency_entries'],
    },
    dsseEnvelope: {
      payload: env['statement'],
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: env['signature'], keyid: '' }],
    },
  };
}

/** distributionKey: a file name with its project name PEP 503-normalised and the rest lowercased (how two spellings of one file compare). */
export function distributionKey(filename: string): string {
  const dash = filename.indexOf('-');
  if (dash <= 0) return filename.toLowerCase();
  return `${normalizePypiName(filename.slice(0, dash))}${filename.slice(dash).toLowerCase()}`;
}

/** statementCheck: exactly one subject, this file by name and sha256; a predicate PyPI accepts. */
function statementCheck(bundle: Json, filename: string, sha256: string, at: string): Check {
  let st: unknown;
  try {
    const payload = (bundle['dsseEnvelope'] as { payload: string }).payload;
    st = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return fail('statement', 'PEP740_STATEMENT_INVALID', `${at}: the statement is not JSON`);
  }
  const subjects = isObj(st) ? st['subject'] : undefined;
  if (!Array.isArray(subjects) || subjects.length !== 1)
    return fail(
      'statement',
      'PEP740_STATEMENT_INVALID',
      `${at}: the statement must name exactly one subject (PEP 740), it names ${Array.isArray(subjects) ? subjects.length : 'none'}`,
    );
  const s = subjects[0] as { name?: unknown; digest?: { sha256?: unknown } } | null;
  const name = typeof s?.name === 'string' ? s.name : '';
  if (distributionKey(name) !== distributionKey(filename))
    return fail(
      'statement',
      'PEP740_SUBJECT_MISMATCH',
      `${at} is for ${name || '(no name)'}, not for ${filename}`,
      { subject: name, file: filename },
    );
  if (s?.digest?.sha256 !== sha256)
    return fail(
      'statement',
      'PEP740_SUBJECT_MISMATCH',
      `${at}: the statement's sha256 ${String(s?.digest?.sha256)} is not the file's ${sha256}`,
      { subject: name, file: filename },
    );
  const type = (st as Json)['predicateType'];
  if (typeof type !== 'string' || !KNOWN_PREDICATES.has(type))
    return fail(
      'statement',
      'PEP740_PREDICATE_UNKNOWN',
      `${at}: predicate type ${String(type)} is not one PyPI accepts (${[...KNOWN_PREDICATES].join(', ')})`,
    );
  return pass('statement', 'PEP740_STATEMENT_VALID', `${at}: ${type} for ${name}`);
}

/** publisherProblems: why a verified certificate is not the publisher's ([] when it is). */
function publisherProblems(
  p: Pep740Publisher,
  san: string | undefined,
  issuer: string | undefined,
  claims: Record<string, string>,
): string[] {
  const problems: string[] = [];
  const expectIssuer = (want: string) => {
    if (issuer !== want) problems.push(`issuer is ${issuer ?? '(none)'}, expected ${want}`);
  };
  // Build config URI = <repository URL><workflow path>@<ref or digest>: the publisher names the
  // repository and workflow; the suffix comes from the certificate's own claims.
  const expectBuild = (repoUrl: string, sep: string, workflow: string) => {
    const have = claims[FULCIO_CLAIM.sourceRepositoryUri];
    if (have !== repoUrl)
      problems.push(`source repository is ${have ?? '(none)'}, expected ${repoUrl}`);
    const suffixes = [
      claims[FULCIO_CLAIM.sourceRepositoryDigest],
      claims[FULCIO_CLAIM.sourceRepositoryRef],
    ].filter((x): x is string => x !== undefined);
    const build = claims[FULCIO_CLAIM.buildConfigUri];
    if (suffixes.length === 0)
      problems.push('the certificate has neither a source repository digest nor ref');
    else if (!suffixes.some((s) => build === `${repoUrl}${sep}${workflow}@${s}`))
      problems.push(`build config ${build ?? '(none)'} is not workflow ${workflow} of ${repoUrl}`);
  };
  if (p.kind === 'GitHub' && 'workflow' in p) {
    expectIssuer('https://token.actions.githubusercontent.com');
    expectBuild(`https://github.com/${p.repository}`, '/.github/workflows/', p.workflow);
  } else if (p.kind === 'GitLab' && 'workflowFilepath' in p) {
    expectIssuer('https://gitlab.com');
    expectBuild(`https://gitlab.com/${p.repository}`, '//', p.workflowFilepath);
  } else if (p.kind === 'Google' && 'email' in p) {
    expectIssuer('https://accounts.google.com');
    if (san !== p.email) problems.push(`signed by ${san ?? '(none)'}, expected ${p.email}`);
  }
  return problems;
}

/** identityCheck compares a verified certificate with the identity the verifier pins. */
function identityCheck(
  want: IdentityPolicy,
  facts: { subjectAlternativeName?: string; issuer?: string },
  where: string,
): Check {
  const problems: string[] = [];
  if (want.issuer !== undefined && facts.issuer !== want.issuer)
    problems.push(`issuer is ${facts.issuer ?? '(none)'}, expected ${want.issuer}`);
  const san = want.subjectAlternativeName;
  const got = facts.subjectAlternativeName;
  if (
    san !== undefined &&
    !(got !== undefined && (typeof san === 'string' ? got === san : san.test(got)))
  )
    problems.push(`signed by ${got ?? '(none)'}, expected ${String(san)}`);
  return problems.length === 0
    ? pass(
        'identity',
        'SIGSTORE_IDENTITY_MATCH',
        `${where}: signed by ${got} (issuer ${facts.issuer})`,
      )
    : fail('identity', 'SIGSTORE_IDENTITY_MISMATCH', `${where}: ${problems.join('; ')}`);
}

/** describePublisher: one line naming a publisher. */
export function describePublisher(p: Pep740Publisher): string {
  if (p.kind === 'GitHub' && 'workflow' in p) return `GitHub ${p.repository} (${p.workflow})`;
  if (p.kind === 'GitLab' && 'workflowFilepath' in p)
    return `GitLab ${p.repository} (${p.workflowFilepath})`;
  if (p.kind === 'Google' && 'email' in p) return `Google ${p.email}`;
  return `${p.kind} (a publisher kind Sigil does not know)`;
}

/**
 * verifyPep740Provenance checks a provenance object (parsed JSON; attacker-controlled) for the
 * file `filename` with bytes `file`. Checks: `provenance` (PEP740_MALFORMED), per attestation the
 * Sigstore checks of {@link verifySigstoreBundle}, `statement` (PEP740_STATEMENT_VALID |
 * PEP740_SUBJECT_MISMATCH | PEP740_PREDICATE_UNKNOWN | PEP740_STATEMENT_INVALID) and `publisher`
 * (PEP740_PUBLISHER_MATCH | PEP740_PUBLISHER_MISMATCH | skip PEP740_PUBLISHER_UNKNOWN). Never throws.
 */
export function verifyPep740Provenance(
  doc: unknown,
  filename: string,
  file: Uint8Array,
  options: Pep740Options = {},
): Pep740Result {
  const malformed = (why: string): Pep740Result => ({
    ...verdict(filename, [
      fail('provenance', 'PEP740_MALFORMED', `not a PEP 740 provenance object: ${why}`),
    ]),
    outcome: 'invalid',
  });
  if (!isObj(doc) || doc['version'] !== 1) return malformed('expected an object with "version": 1');
  const bundles = doc['attestation_bundles'];
  if (!Array.isArray(bundles) || bundles.length === 0)
    return malformed('"attestation_bundles" must be a non-empty list');
  if (bundles.length > MAX_BUNDLES)
    return malformed(`${bundles.length} attestation bundles (at most ${MAX_BUNDLES})`);
  const sha256 = createHash('sha256').update(file).digest('hex');
  const checks: Check[] = [];
  let first: Pep740Publisher | undefined;
  let unknownKind = false;
  for (const [i, b] of bundles.entries()) {
    const at = `attestation_bundles[${i}]`;
    const publisher = publisherOf(isObj(b) ? b['publisher'] : undefined, at);
    if (typeof publisher === 'string') return malformed(publisher);
    first ??= publisher;
    const list = isObj(b) ? b['attestations'] : undefined;
    if (!Array.isArray(list) || list.length === 0)
      return malformed(`${at}.attestations must be a non-empty list`);
    if (list.length > MAX_ATTESTATIONS)
      return malformed(`${at} holds ${list.length} attestations (at most ${MAX_ATTESTATIONS})`);
    for (const [j, a] of list.entries()) {
      const where = `${at}.attestations[${j}]`;
      const bundle = attestationBundle(a, where);
      if (typeof bundle === 'string') return malformed(bundle);
      const v = verifySigstoreBundle(bundle, {
        artifact: file,
        subject: filename,
        ...(options.trustedRoot !== undefined ? { trustedRoot: options.trustedRoot } : {}),
      });
      // The identity check is replaced by the publisher check below; the rest stands as it is.
      for (const c of v.checks)
        if (c.name !== 'identity') checks.push({ ...c, reason: `${where}: ${c.reason}` });
      checks.push(statementCheck(bundle, filename, sha256, where));
      const id = v.checks.find((c) => c.name === 'identity');
      const facts = (id?.detail ?? {}) as {
        subjectAlternativeName?: string;
        issuer?: string;
        claims?: Record<string, string>;
      };
      if (id === undefined || id.status === 'skip')
        checks.push(
          skip(
            'publisher',
            'PEP740_PUBLISHER_UNCHECKED',
            `${where}: no verified certificate to compare with the publisher`,
          ),
        );
      else if ('other' in publisher) {
        unknownKind = true;
        checks.push(
          skip(
            'publisher',
            'PEP740_PUBLISHER_UNKNOWN',
            `${where}: publisher kind ${publisher.kind} is not one Sigil can match (GitHub, GitLab, Google); signed by ${facts.subjectAlternativeName ?? '?'}`,
          ),
        );
      } else {
        const problems = publisherProblems(
          publisher,
          facts.subjectAlternativeName,
          facts.issuer,
          facts.claims ?? {},
        );
        checks.push(
          problems.length === 0
            ? pass(
                'publisher',
                'PEP740_PUBLISHER_MATCH',
                `${where}: signed by the publisher ${describePublisher(publisher)}`,
                { signedBy: facts.subjectAlternativeName },
              )
            : fail(
                'publisher',
                'PEP740_PUBLISHER_MISMATCH',
                `${where}: the certificate is not the publisher ${describePublisher(publisher)}: ${problems.join('; ')}`,
                { signedBy: facts.subjectAlternativeName },
              ),
        );
      }
      if (options.identity !== undefined && id !== undefined && id.status !== 'skip')
        checks.push(identityCheck(options.identity, facts, where));
    }
  }
  const result = verdict(filename, checks);
  return {
    ...result,
    outcome: !result.ok ? 'invalid' : unknownKind ? 'unverified' : 'valid',
    ...(first ? { publisher: first } : {}),
  };
}
