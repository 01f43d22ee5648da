/**
 * Keyless Sigstore bundles (npm provenance, PyPI PEP 740 attestations, GitHub
 * artifact attestations), verified offline against a trusted root with
 * `@sigstore/verify`, reported as Sigil checks.
 *
 * sigstore-js's `Verifier.verify` runs five steps in a fixed order and throws
 * at the first failure (verify/src/verifier.ts): timestamps, signing key
 * (certificate chain to Fulcio, validity at the signing time, SCTs),
 * transparency-log entries (SET and/or inclusion proof with signed
 * checkpoint, and that the entry body matches the signature), signature,
 * identity policy. Sigil runs the same five steps one by one so that each
 * becomes a check with its own verdict, and a failure names its step.
 *
 * Bundle media types v0.1, v0.2 and v0.3 are accepted (`bundleFromJSON`
 * validates each shape).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { readBundleDocument } from '../../core/bundle.js';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  Verifier,
  toSignedEntity,
  toTrustMaterial,
  type SignedEntity,
  type Signer,
  type TrustMaterial,
} from '@sigstore/verify';
import { InputError } from '../../core/errors.js';
import {
  fail,
  pass,
  skip,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from './public-good-root.js';
import { fulcioClaims } from './fulcio-claims.js';
import { missingValidityStarts } from './trusted-root-check.js';
import { withRekorV2DigestOverPae } from './rekor-v2-dsse.js';

/**
 * IdentityPolicy: who must have signed. For GitHub Actions the issuer is
 * `https://token.actions.githubusercontent.com` and the SAN is the workflow
 * URI, e.g. `https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.2.3`.
 */
export interface IdentityPolicy {
  /** OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.1 / .8), compared exactly. */
  readonly issuer?: string;
  /** Certificate SAN: a string is compared exactly; a RegExp must match (anchor it yourself). */
  readonly subjectAlternativeName?: string | RegExp;
}

/** SigstoreVerifyOptions: trust, identity and the artifact. */
export interface SigstoreVerifyOptions {
  /** Trusted root (`trusted_root.json` as JSON); default {@link PUBLIC_GOOD_TRUSTED_ROOT}. */
  readonly trustedRoot?: unknown;
  /** Required identity. Without one, any Fulcio identity passes and a warning says so. */
  readonly identity?: IdentityPolicy;
  /**
   * The artifact. Required for message-signature bundles; for DSSE bundles its
   * SHA-256/SHA-512 must equal a subject digest of the in-toto statement.
   */
  readonly artifact?: Uint8Array;
  /** Subject for the verdict. */
  readonly subject?: string;
  /**
   * Trusted public keys for key-signed bundles (`verificationMaterial.publicKey`,
   * "managed keys"). The bundle's key hint is only a hint: each key is tried and
   * the signature decides. Without keys a key-signed bundle fails its
   * `certificate` check with `SIGSTORE_PUBLIC_KEY_UNKNOWN`.
   */
  readonly keys?: readonly KeyObject[];
}

/** The steps of @sigstore/verify's Verifier, which it runs privately in this order. */
interface VerifierSteps {
  verifyTimestamps(entity: SignedEntity): Date[];
  verifySigningKey(entity: SignedEntity, timestamps: Date[]): Signer;
  verifyTLogs(entity: SignedEntity): void;
  verifySignature(entity: SignedEntity, signer: Signer): void;
}

function errorInfo(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'ERROR',
    message: typeof e?.message === 'string' ? e.message : String(err),
  };
}

/** parseTrustedRoot reads a `trusted_root.json` value; throws {@link InputError} `SIGSTORE_TRUSTED_ROOT_INVALID`. */
export function parseTrustedRoot(json: unknown): TrustMaterial {
  const j = json as {
    mediaType?: unknown;
    tlogs?: unknown;
    certificateAuthorities?: unknown;
  } | null;
  // TrustedRoot.fromJSON silently turns wrong shapes into empty lists; an empty root would fail every bundle for an obscure reason.
  if (
    typeof j !== 'object' ||
    j === null ||
    typeof j.mediaType !== 'string' ||
    !j.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot') ||
    !Array.isArray(j.tlogs) ||
    !Array.isArray(j.certificateAuthorities)
  ) {
    throw new InputError(
      'SIGSTORE_TRUSTED_ROOT_INVALID',
      'not a Sigstore trusted root: expected mediaType application/vnd.dev.sigstore.trustedroot+json with "tlogs" and "certificateAuthorities" lists',
    );
  }
  // sigstore-js 3.1 reads a missing validFor.start as "since the beginning of time"; the
  // trust root spec makes it required, and an unbounded key is a wider trust than was granted.
  const missing = missingValidityStarts(json);
  if (missing.length > 0) {
    throw new InputError(
      'SIGSTORE_TRUSTED_ROOT_INVALID',
      `not a valid Sigstore trusted root: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no start (required: a key is trusted only from a known time)`,
    );
  }
  try {
    return toTrustMaterial(TrustedRoot.fromJSON(json));
  } catch (cause) {
    throw new InputError(
      'SIGSTORE_TRUSTED_ROOT_INVALID',
      `not a usable Sigstore trusted root: ${errorInfo(cause).message}`,
      { cause },
    );
  }
}

let publicGood: TrustMaterial | undefined;
function publicGoodTrust(): TrustMaterial {
  publicGood ??= parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT);
  return publicGood;
}

function parseBundleJson(input: unknown): Bundle {
  let json = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      json = readBundleDocument(input); // JSON and media type, read as for every bundle (core/bundle.ts)
    } catch (cause) {
      if (!(cause instanceof InputError)) throw cause;
      throw new InputError(
        'SIGSTORE_BUNDLE_MALFORMED',
        `not a valid Sigstore bundle: ${cause.message}`,
        {
          cause,
        },
      );
    }
  }
  if (typeof json !== 'object' || json === null)
    throw new InputError('SIGSTORE_BUNDLE_MALFORMED', 'the bundle is not a JSON object');
  try {
    return bundleFromJSON(json);
  } catch (cause) {
    throw new InputError(
      'SIGSTORE_BUNDLE_MALFORMED',
      `not a valid Sigstore bundle: ${errorInfo(cause).message}`,
      { cause },
    );
  }
}

/** subjectCheck compares an artifact's digests with the subjects of the in-toto statement in a DSSE bundle. */
function subjectCheck(bundle: Bundle, artifact: Uint8Array): Check {
  if (bundle.content.$case !== 'dsseEnvelope') {
    return pass(
      'subject',
      'SIGSTORE_SUBJECT_MATCH',
      'the message signature covers the artifact digest (checked with the signature)',
    );
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString('utf8'));
  } catch {
    return fail(
      'subject',
      'SIGSTORE_SUBJECT_MISMATCH',
      'the DSSE payload is not JSON, so no subject can match the artifact',
    );
  }
  const subjects = (statement as { subject?: unknown }).subject;
  const digests = {
    sha256: createHash('sha256').update(artifact).digest('hex'),
    sha512: createHash('sha512').update(artifact).digest('hex'),
  };
  if (Array.isArray(subjects)) {
    for (const s of subjects as { name?: unknown; digest?: Record<string, unknown> }[]) {
      const d = s?.digest;
      if (d && (d['sha256'] === digests.sha256 || d['sha512'] === digests.sha512)) {
        return pass(
          'subject',
          'SIGSTORE_SUBJECT_MATCH',
          `the artifact is the statement's subject ${String(s.name ?? '')}`.trim(),
          { name: s.name, ...digests },
        );
      }
    }
  }
  return fail(
    'subject',
    'SIGSTORE_SUBJECT_MISMATCH',
    "the artifact's SHA-256/SHA-512 matches no subject of the signed statement",
    digests,
  );
}

function tlogReason(bundle: Bundle): string {
  const parts = bundle.verificationMaterial.tlogEntries.map((e) => {
    const how = [
      e.inclusionPromise ? 'SET' : '',
      e.inclusionProof ? 'inclusion proof with signed checkpoint' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `${e.kindVersion?.kind ?? '?'} entry ${e.logIndex} (${how || 'no proof'})`;
  });
  return `transparency log: ${parts.join('; ')} verified`;
}

/**
 * verifySigstoreBundle verifies a Sigstore bundle (JSON value, text or bytes).
 *
 * Checks and codes, in order: `bundle` (`SIGSTORE_BUNDLE_MALFORMED`),
 * `timestamp` (`SIGSTORE_TIMESTAMP_VALID` | `SIGSTORE_TIMESTAMP_INVALID`),
 * `certificate` (`SIGSTORE_CERT_CHAIN_VALID` | `SIGSTORE_CERT_INVALID`; keyed
 * bundles give `SIGSTORE_PUBLIC_KEY_UNKNOWN`, the "no key" outcome), `tlog`
 * (`SIGSTORE_TLOG_INCLUDED` | `SIGSTORE_TLOG_INVALID`), `signature`
 * (`SIGSTORE_SIGNATURE_VALID` | `SIGSTORE_SIGNATURE_INVALID`), `subject`
 * (`SIGSTORE_SUBJECT_MATCH` | `SIGSTORE_SUBJECT_MISMATCH`, when an artifact is
 * given), `identity` (`SIGSTORE_IDENTITY_MATCH` | `SIGSTORE_IDENTITY_MISMATCH`
 * | warn `SIGSTORE_IDENTITY_UNCHECKED`). The sigstore-js error code is kept in
 * `detail.sigstoreCode`. Never throws on bad bundle input; a bad trusted root
 * throws {@link InputError} (it is configuration, not the thing checked).
 */
export function verifySigstoreBundle(
  input: unknown,
  options: SigstoreVerifyOptions = {},
): VerificationResult {
  const subject = options.subject ?? 'sigstore bundle';
  const trust =
    options.trustedRoot === undefined ? publicGoodTrust() : parseTrustedRoot(options.trustedRoot);

  let bundle: Bundle;
  let entity: SignedEntity;
  try {
    bundle = parseBundleJson(input);
    if (bundle.content.$case === 'messageSignature' && options.artifact === undefined) {
      return verdict(subject, [
        fail(
          'bundle',
          'SIGSTORE_ARTIFACT_REQUIRED',
          'this bundle signs an artifact digest directly (message signature); give the artifact to verify it',
        ),
      ]);
    }
    entity = withRekorV2DigestOverPae(
      bundle,
      toSignedEntity(
        bundle,
        options.artifact === undefined ? undefined : Buffer.from(options.artifact),
      ),
    );
  } catch (err) {
    const { message } = errorInfo(err);
    const code = err instanceof InputError ? err.code : 'SIGSTORE_BUNDLE_MALFORMED';
    return verdict(subject, [
      fail(
        'bundle',
        code,
        err instanceof InputError ? message : `unreadable bundle content: ${message}`,
      ),
    ]);
  }

  const steps = new Verifier(trust) as unknown as VerifierSteps;
  const checks: Check[] = [
    pass('bundle', 'SIGSTORE_BUNDLE_VALID', `Sigstore bundle ${bundle.mediaType}`),
  ];
  const step = <T>(
    run: () => T,
  ): { ok: true; value: T } | { ok: false; code: string; message: string } => {
    try {
      return { ok: true, value: run() };
    } catch (err) {
      return { ok: false, ...errorInfo(err) };
    }
  };

  // 1. Timestamps: Rekor integrated time and/or RFC 3161 timestamps, each verified.
  const ts = step(() => {
    const dates = steps.verifyTimestamps(entity);
    // integratedTime is attacker-controlled: a value outside the Date range must fail here, not throw later.
    if (dates.some((d) => Number.isNaN(d.getTime())))
      throw Object.assign(new Error('a timestamp is out of range'), { code: 'TIMESTAMP_ERROR' });
    return dates;
  });
  checks.push(
    ts.ok
      ? pass(
          'timestamp',
          'SIGSTORE_TIMESTAMP_VALID',
          `signed at ${ts.value.map((d) => d.toISOString()).join(', ')}`,
          { timestamps: ts.value.map((d) => d.toISOString()) },
        )
      : fail('timestamp', 'SIGSTORE_TIMESTAMP_INVALID', ts.message, { sigstoreCode: ts.code }),
  );

  // 2. Signing key: Fulcio chain to the trusted root, valid at every timestamp, with an SCT.
  let signer: Signer | undefined;
  let keySigned = false;
  if (entity.key.$case === 'public-key') {
    keySigned = true;
    const hint = entity.key.hint;
    const keys = options.keys ?? [];
    if (keys.length === 0) {
      checks.push(
        fail(
          'certificate',
          'SIGSTORE_PUBLIC_KEY_UNKNOWN',
          `the bundle is signed with a key (hint ${JSON.stringify(hint)}), not a Fulcio certificate; give the signer's public key with -k/--key FILE`,
          { hint },
        ),
      );
    } else if (!ts.ok) {
      checks.push(
        skip(
          'certificate',
          'SIGSTORE_CERT_UNCHECKED',
          'not checked: no verified timestamp to judge the key at',
        ),
      );
    } else {
      // The hint is attacker-controlled and only a hint: the given key whose signature verifies is the signer.
      const e = entity;
      const found = keys.find((k) => step(() => steps.verifySignature(e, { key: k } as Signer)).ok);
      checks.push(
        pass(
          'certificate',
          'SIGSTORE_PUBLIC_KEY_GIVEN',
          `key-signed bundle (hint ${JSON.stringify(hint)}), checked against the key${keys.length === 1 ? '' : 's'} given with -k/--key`,
          { hint },
        ),
      );
      signer = { key: found ?? keys[0]! } as Signer;
    }
  } else if (!ts.ok) {
    checks.push(
      skip(
        'certificate',
        'SIGSTORE_CERT_UNCHECKED',
        'not checked: no verified timestamp to judge the certificate at',
      ),
    );
  } else {
    const key = step(() => steps.verifySigningKey(entity, ts.value));
    if (key.ok) {
      signer = key.value;
      checks.push(
        pass(
          'certificate',
          'SIGSTORE_CERT_CHAIN_VALID',
          'signing certificate chains to the trusted Fulcio CA, was valid when signed, and carries a verified SCT',
        ),
      );
    } else {
      checks.push(
        fail('certificate', 'SIGSTORE_CERT_INVALID', key.message, { sigstoreCode: key.code }),
      );
    }
  }

  // 3. Transparency log: inclusion (SET and/or proof + checkpoint) and entry body = this signature.
  const tl = step(() => steps.verifyTLogs(entity));
  checks.push(
    tl.ok
      ? pass('tlog', 'SIGSTORE_TLOG_INCLUDED', tlogReason(bundle))
      : fail('tlog', 'SIGSTORE_TLOG_INVALID', tl.message, { sigstoreCode: tl.code }),
  );

  // 4. Signature over the DSSE PAE or the artifact digest.
  if (signer === undefined) {
    checks.push(
      skip('signature', 'SIGSTORE_SIGNATURE_UNCHECKED', 'not checked: no trusted signing key'),
    );
  } else {
    const s = signer;
    const sig = step(() => steps.verifySignature(entity, s));
    checks.push(
      sig.ok
        ? pass(
            'signature',
            'SIGSTORE_SIGNATURE_VALID',
            keySigned
              ? 'signature verifies with the given key'
              : 'signature verifies with the certified key',
          )
        : fail('signature', 'SIGSTORE_SIGNATURE_INVALID', sig.message, { sigstoreCode: sig.code }),
    );
  }

  // 5. Artifact ↔ statement subject (sigstore-js leaves this to the caller; npm checks it in pacote).
  if (options.artifact !== undefined) checks.push(subjectCheck(bundle, options.artifact));

  // 6. Identity policy.
  const identity = signer?.identity;
  const facts = {
    subjectAlternativeName: identity?.subjectAlternativeName,
    issuer: identity?.extensions?.issuer,
    // The certificate's other Fulcio claims (repository, ref, workflow), for policies such as PEP 740 publishers.
    claims: fulcioClaims(identity?.oids),
  };
  const policy = options.identity;
  if (keySigned) {
    if (signer !== undefined)
      checks.push(
        pass(
          'identity',
          'SIGSTORE_IDENTITY_KEY',
          'the signer is the holder of the given key (key-signed bundles carry no identity)',
        ),
      );
    else
      checks.push(
        skip('identity', 'SIGSTORE_IDENTITY_UNCHECKED', 'not checked: no trusted signing key'),
      );
  } else if (signer === undefined) {
    checks.push(
      skip(
        'identity',
        'SIGSTORE_IDENTITY_UNCHECKED',
        'not checked: no trusted signing certificate',
      ),
    );
  } else if (
    policy === undefined ||
    (policy.issuer === undefined && policy.subjectAlternativeName === undefined)
  ) {
    checks.push(
      warn(
        'identity',
        'SIGSTORE_IDENTITY_UNCHECKED',
        `no identity required: signed by ${facts.subjectAlternativeName ?? '?'} (issuer ${facts.issuer ?? '?'}); pin the identity you expect`,
        facts,
      ),
    );
  } else {
    const problems: string[] = [];
    if (policy.issuer !== undefined && facts.issuer !== policy.issuer)
      problems.push(`issuer is ${facts.issuer ?? '(none)'}, expected ${policy.issuer}`);
    const san = policy.subjectAlternativeName;
    if (san !== undefined) {
      const got = facts.subjectAlternativeName;
      const ok = got !== undefined && (typeof san === 'string' ? got === san : san.test(got));
      if (!ok)
        problems.push(`subject alternative name is ${got ?? '(none)'}, expected ${String(san)}`);
    }
    checks.push(
      problems.length === 0
        ? pass(
            'identity',
            'SIGSTORE_IDENTITY_MATCH',
            `signed by ${facts.subjectAlternativeName} (issuer ${facts.issuer})`,
            facts,
          )
        : fail(
            'identity',
            'SIGSTORE_IDENTITY_MISMATCH',
            `certificate identity error: ${problems.join('; ')}`,
            facts,
          ),
    );
  }
  return verdict(subject, checks);
}
