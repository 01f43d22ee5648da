/**
 * verifySshsig: the verdict `ssh-keygen -Y verify` gives, as data.
 *
 * Checks, in order: the signature file parses; its namespace is the expected one
 * (a signature made for "file" must not pass as a git signature); the signature is
 * mathematically valid for the key it carries; that key is listed in allowed_signers
 * for the principal (if given), the namespace and the time. A valid signature by an
 * unlisted key is "no key" (fail, code SSH_KEY_NOT_ALLOWED) — never good.
 */
import { fail, pass, verdict, type Check, type VerificationResult } from '../../core/verdict.js';
import { SigilError } from '../../core/errors.js';
import { signersForKey, type AllowedSigner } from './allowed-signers.js';
import {
  parseSshsigArmor,
  sshsigSignedData,
  verifySshSignatureBlob,
  type SshSignature,
} from './sshsig.js';

export interface SshsigVerifyOptions {
  /** The namespace the signature must be made for: "git" for git objects, "file" for ssh-keygen's default. */
  readonly namespace: string;
  readonly allowedSigners: readonly AllowedSigner[];
  /** Require this principal (ssh-keygen -I); otherwise any listed principal of the key. */
  readonly principal?: string;
  /** The time validity windows are judged at (default: now). */
  readonly at?: Date;
  readonly subject: string;
}

export interface SshsigResult extends VerificationResult {
  readonly signature?: SshSignature;
  readonly principals: readonly string[];
}

export function verifySshsig(
  message: Uint8Array,
  armored: string,
  opts: SshsigVerifyOptions,
): SshsigResult {
  const checks: Check[] = [];
  let sig: SshSignature;
  try {
    sig = parseSshsigArmor(armored, `${opts.subject}: SSH signature`);
  } catch (e) {
    if (!(e instanceof SigilError)) throw e;
    checks.push(fail('signature-format', e.code, e.message));
    return { ...verdict(opts.subject, checks), principals: [] };
  }
  const key = sig.publicKey;
  const keyDetail = { keyType: key.type, fingerprint: key.fingerprint };
  checks.push(
    pass(
      'signature-format',
      'SSHSIG_PARSED',
      `SSH signature (${sig.signatureAlgorithm}, ${sig.hashAlgorithm}) by ${key.type} key ${key.fingerprint}`,
      keyDetail,
    ),
  );
  if (sig.namespace === opts.namespace)
    checks.push(pass('namespace', 'SSHSIG_NAMESPACE_OK', `made for namespace "${sig.namespace}"`));
  else
    checks.push(
      fail(
        'namespace',
        'SSHSIG_NAMESPACE_MISMATCH',
        `the signature was made for namespace "${sig.namespace}", not "${opts.namespace}": it was not meant for this use`,
        { expected: opts.namespace, actual: sig.namespace },
      ),
    );

  let valid = false;
  try {
    valid = verifySshSignatureBlob(
      key,
      sig.signature,
      sshsigSignedData(sig.namespace, sig.hashAlgorithm, message, sig.reserved),
    );
    checks.push(
      valid
        ? pass('signature', 'SIGNATURE_VALID', `good signature by ${key.fingerprint}`, keyDetail)
        : fail(
            'signature',
            'SIGNATURE_INVALID',
            `the signature by ${key.fingerprint} does not match the content: the signed data was changed, or the signature was made over other data`,
            keyDetail,
          ),
    );
  } catch (e) {
    if (!(e instanceof SigilError)) throw e;
    checks.push(fail('signature', e.code, e.message, keyDetail));
  }

  const at = opts.at ?? new Date();
  const matches = signersForKey(opts.allowedSigners, key, {
    namespace: opts.namespace,
    at,
    ...(opts.principal !== undefined ? { principal: opts.principal } : {}),
  });
  const usable = matches.filter((m) => m.problem === undefined);
  const principals = [...new Set(usable.flatMap((m) => m.entry.principals))];
  if (usable.length > 0) {
    checks.push(
      pass(
        'key',
        'SSH_KEY_ALLOWED',
        `${key.fingerprint} is allowed for ${principals.join(', ')} (allowed_signers line ${usable.map((m) => m.entry.line).join(', ')})`,
        { ...keyDetail, principals },
      ),
    );
  } else if (matches.length === 0) {
    checks.push(
      fail(
        'key',
        'SSH_KEY_NOT_ALLOWED',
        `no key: ${key.type} ${key.fingerprint} is not in the allowed signers`,
        {
          ...keyDetail,
          hint: 'add "<principal> <key>" to the allowed_signers file if you trust it',
        },
      ),
    );
  } else {
    const why = matches.map((m) => {
      const e = m.entry;
      switch (m.problem) {
        case 'principal':
          return `line ${e.line} is for ${e.principals.join(',')}, not ${opts.principal}`;
        case 'namespace':
          return `line ${e.line} allows namespaces ${e.namespaces!.join(',')}, not "${opts.namespace}"`;
        case 'not-yet-valid':
          return `line ${e.line} is valid only after ${e.validAfter!.toISOString()}`;
        default:
          return `line ${e.line} expired at ${e.validBefore!.toISOString()}`;
      }
    });
    const code = matches.some((m) => m.problem === 'expired')
      ? 'SSH_KEY_EXPIRED'
      : matches.some((m) => m.problem === 'not-yet-valid')
        ? 'SSH_KEY_NOT_YET_VALID'
        : 'SSH_KEY_NOT_ALLOWED';
    checks.push(
      fail(
        'key',
        code,
        `${key.fingerprint} is listed but may not sign here: ${why.join('; ')}`,
        keyDetail,
      ),
    );
  }
  return { ...verdict(opts.subject, checks), signature: sig, principals };
}
