/**
 * verify: check a Sigil release bundle against an artifact's digests and a
 * set of trusted keys. Pure: the caller computes digests and identifies the
 * artifact (src/ecosystems) and loads keys; this function only decides.
 *
 * Every check is reported, in a fixed order, so a person sees everything
 * that is wrong at once: bundle → statement → subject digest → purl →
 * signature (which also decides whether the key is trusted).
 */
import { type ParsedJson, parseBundle, type SigilBundle } from './bundle.js';
import { decodeBase64Strict, verifyEnvelope } from './dsse.js';
import { shortHex, type DigestSet } from './digest.js';
import { InputError, VerificationError } from './errors.js';
import type { PublicKey } from './keys.js';
import { canonicalPurl } from './purl.js';
import { IN_TOTO_PAYLOAD_TYPE, parseReleaseStatement, type ReleaseStatement } from './statement.js';
import { fail, pass, skip, verdict, type Check, type VerificationResult } from './verdict.js';

/** ArtifactFacts is what the caller learned from the artifact's bytes. */
export interface ArtifactFacts {
  /** File name, for messages. */
  readonly name: string;
  /** sha256 and sha512 of the bytes (more are ignored). */
  readonly digests: DigestSet;
  /** The purl identified from inside the artifact (or given by flags); undefined skips the purl check. */
  readonly purl?: string;
  /** Why the artifact could not be identified (unreadable metadata, hostile archive); fails the purl check. */
  readonly unidentified?: string;
}

export interface VerifyReleaseInput {
  readonly bundle: Uint8Array | string | ParsedJson;
  readonly bundleFile?: string;
  readonly artifact: ArtifactFacts;
  readonly trustedKeys: readonly PublicKey[];
}

/** Stable check codes of release verification (public API). */
export type ReleaseCheckCode =
  | 'BUNDLE_OK'
  | 'BUNDLE_INVALID'
  | 'BUNDLE_NOT_JSON'
  | 'BUNDLE_MEDIA_TYPE'
  | 'STATEMENT_OK'
  | 'STATEMENT_INVALID'
  | 'PAYLOAD_TYPE_UNKNOWN'
  | 'DIGEST_MATCH'
  | 'DIGEST_MISMATCH'
  | 'DIGEST_MISSING'
  | 'PURL_MATCH'
  | 'PURL_MISMATCH'
  | 'ARTIFACT_UNIDENTIFIED'
  | 'SIGNATURE_VALID'
  | 'SIGNATURE_INVALID'
  | 'KEY_UNTRUSTED'
  | 'NO_TRUSTED_KEYS';

/** ReleaseVerification is the verdict plus what was learned on the way. */
export interface ReleaseVerification extends VerificationResult {
  readonly statement?: ReleaseStatement;
  readonly bundle?: SigilBundle;
  /** Hex key id of the trusted key that verified, when one did. */
  readonly signerKeyId?: string;
}

function errorDetail(e: unknown): { code: string; message: string } {
  if (e instanceof InputError) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: String(e) };
}

/** verifyRelease returns the verdict; it never throws for bad input. */
export function verifyRelease(input: VerifyReleaseInput): ReleaseVerification {
  const file = input.bundleFile ?? 'bundle';
  const checks: Check[] = [];
  const subjectName = input.artifact.purl ?? input.artifact.name;

  // 1. The bundle is well-formed.
  let bundle: SigilBundle;
  try {
    bundle = parseBundle(input.bundle, file);
    checks.push(pass('bundle', 'BUNDLE_OK', 'Sigstore bundle v0.3, DSSE envelope'));
  } catch (e) {
    const { code, message } = errorDetail(e);
    const c = code === 'BUNDLE_NOT_JSON' || code === 'BUNDLE_MEDIA_TYPE' ? code : 'BUNDLE_INVALID';
    checks.push(fail('bundle', c, message));
    for (const name of ['statement', 'subject', 'purl', 'signature'])
      checks.push(skip(name, 'NOT_CHECKED', 'not checked: the bundle is unreadable'));
    return verdict(subjectName, checks);
  }

  // The signature is checked here (reported last, after what it covers); its decoding gives the payload bytes.
  const sig = checkSignature(bundle, input.trustedKeys, file);

  // 2. The payload is a release statement.
  let statement: ReleaseStatement | undefined;
  const env = bundle.dsseEnvelope;
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    checks.push(
      fail(
        'statement',
        'PAYLOAD_TYPE_UNKNOWN',
        `payloadType is "${env.payloadType}", expected ${IN_TOTO_PAYLOAD_TYPE}`,
      ),
    );
  } else {
    try {
      statement = parseReleaseStatement(
        sig.payload ?? decodeBase64Strict(env.payload, `${file}: dsseEnvelope.payload`),
        `${file}: dsseEnvelope.payload`,
      );
      checks.push(
        pass('statement', 'STATEMENT_OK', 'in-toto Statement v1, release predicate v0.1'),
      );
    } catch (e) {
      checks.push(fail('statement', 'STATEMENT_INVALID', errorDetail(e).message));
    }
  }

  // 3. The artifact is the one the statement names (digest), 4. under the name it claims (purl).
  if (!statement) {
    checks.push(skip('subject', 'NOT_CHECKED', 'not checked: no readable statement'));
    checks.push(skip('purl', 'NOT_CHECKED', 'not checked: no readable statement'));
  } else {
    checks.push(checkSubjectDigest(statement, input.artifact));
    checks.push(checkPurl(statement, input.artifact));
  }

  // 5. The signature verifies with a trusted key.
  checks.push(sig.check);

  const result = verdict(subjectName, checks);
  return {
    ...result,
    bundle,
    ...(statement ? { statement } : {}),
    ...(sig.keyId ? { signerKeyId: sig.keyId } : {}),
  };
}

function checkSubjectDigest(statement: ReleaseStatement, artifact: ArtifactFacts): Check {
  const compared: string[] = [];
  for (const subject of statement.subject) {
    const mismatches: { alg: string; signed: string; actual: string }[] = [];
    let common = 0;
    for (const alg of ['sha512', 'sha256'] as const) {
      const signed = subject.digest[alg];
      const actual = artifact.digests[alg];
      if (signed === undefined || actual === undefined) continue;
      common++;
      if (signed !== actual) mismatches.push({ alg, signed, actual });
    }
    if (common > 0 && mismatches.length === 0) {
      return pass(
        'subject',
        'DIGEST_MATCH',
        `${common === 2 ? 'sha512 and sha256 match' : 'digest matches'} the file`,
        { subject: subject.name },
      );
    }
    if (mismatches[0])
      compared.push(
        `${mismatches[0].alg} of the file is ${shortHex(mismatches[0].actual)}, the signature covers ${shortHex(mismatches[0].signed)}`,
      );
  }
  if (compared.length === 0) {
    return fail(
      'subject',
      'DIGEST_MISSING',
      'the statement carries no sha256 or sha512 digest to compare with the file',
    );
  }
  return fail(
    'subject',
    'DIGEST_MISMATCH',
    `${artifact.name} is not the artifact that was signed: ${compared[0]}`,
    { file: artifact.name },
  );
}

function checkPurl(statement: ReleaseStatement, artifact: ArtifactFacts): Check {
  const subject = statement.subject[0]!;
  let signed: string;
  try {
    signed = canonicalPurl(subject.name);
    if (canonicalPurl(statement.predicate.purl) !== signed) {
      return fail(
        'purl',
        'PURL_MISMATCH',
        `statement subject ${subject.name} and predicate.purl ${statement.predicate.purl} disagree`,
      );
    }
  } catch (e) {
    return fail('purl', 'PURL_MISMATCH', errorDetail(e).message);
  }
  if (artifact.unidentified !== undefined) {
    return fail(
      'purl',
      'ARTIFACT_UNIDENTIFIED',
      `cannot tell which package ${artifact.name} is: ${artifact.unidentified}`,
      { signed },
    );
  }
  if (artifact.purl === undefined)
    return skip(
      'purl',
      'NOT_CHECKED',
      `not checked: the artifact's own name and version are unknown (signed for ${signed})`,
    );
  const actual = canonicalPurl(artifact.purl);
  if (actual !== signed) {
    return fail(
      'purl',
      'PURL_MISMATCH',
      `the bundle was made for ${signed}, but ${artifact.name} is ${actual}`,
      { signed, actual },
    );
  }
  return pass('purl', 'PURL_MATCH', signed);
}

function checkSignature(
  bundle: SigilBundle,
  keys: readonly PublicKey[],
  file: string,
): { check: Check; keyId?: string; payload?: Buffer } {
  const hint = bundle.verificationMaterial.publicKey.hint;
  if (keys.length === 0) {
    return { check: fail('signature', 'NO_TRUSTED_KEYS', 'no trusted keys were given', { hint }) };
  }
  let verified;
  let payload: Buffer;
  try {
    ({ verified, payload } = verifyEnvelope(bundle.dsseEnvelope, keys));
  } catch (e) {
    return { check: fail('signature', 'SIGNATURE_INVALID', `${file}: ${errorDetail(e).message}`) };
  }
  const first = verified[0];
  if (first) {
    return {
      check: pass(
        'signature',
        'SIGNATURE_VALID',
        `${first.key.algorithm} key ${shortHex(first.key.keyId)}`,
        { keyId: first.key.keyId },
      ),
      keyId: first.key.keyId,
      payload,
    };
  }
  const hinted = keys.find((k) => k.keyId === hint);
  if (hinted) {
    return {
      check: fail(
        'signature',
        'SIGNATURE_INVALID',
        `the signature does not verify with key ${shortHex(hint)}: the statement or the signature was altered`,
        { keyId: hint },
      ),
      payload,
    };
  }
  return {
    check: fail(
      'signature',
      'KEY_UNTRUSTED',
      `signed by key ${shortHex(hint)}, which is not among the ${keys.length} trusted key(s)`,
      { keyId: hint },
    ),
  };
}

/** verifyReleaseOrThrow returns the verification when it passed and throws VerificationError otherwise. */
export function verifyReleaseOrThrow(input: VerifyReleaseInput): ReleaseVerification {
  const result = verifyRelease(input);
  if (!result.ok) throw new VerificationError(result);
  return result;
}
