/**
 * Verdicts: a verification result is data, not a boolean.
 *
 * Every verifier in Sigil (release bundles, logs, OpenPGP, lockfiles) reports
 * a list of {@link Check}s. A check has a stable `code` (public API: scripts
 * and other tools branch on it), a `status` and a reason a person can act on.
 * The overall verdict passes only when no check failed.
 */

/** CheckStatus is the outcome of one check. `warn` never fails a verdict; `skip` means "not checked" and says why. */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn';

/** Check is one step of a verification. */
export interface Check {
  /** Short name of what was checked, e.g. "signature". Stable, lowercase. */
  readonly name: string;
  /** Stable machine code, e.g. "SIGNATURE_VALID" or "DIGEST_MISMATCH". */
  readonly code: string;
  readonly status: CheckStatus;
  /** What happened, in words a person can act on. */
  readonly reason: string;
  /** Extra facts (key id, expected and actual digests, log index, …). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** VerificationResult is the whole verdict for one subject. */
export interface VerificationResult {
  /** What was verified: a purl, a file name, a log origin. */
  readonly subject: string;
  /** True only when no check has status `fail`. */
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

function make(status: CheckStatus) {
  return (name: string, code: string, reason: string, detail?: Record<string, unknown>): Check =>
    detail === undefined ? { name, code, status, reason } : { name, code, status, reason, detail };
}

export const pass = make('pass');
export const fail = make('fail');
export const skip = make('skip');
export const warn = make('warn');

/** verdict builds a VerificationResult from its checks. */
export function verdict(subject: string, checks: readonly Check[]): VerificationResult {
  return { subject, ok: checks.every((c) => c.status !== 'fail'), checks: [...checks] };
}

/** firstFailure returns the first failing check, or undefined when the verdict passed. */
export function firstFailure(result: VerificationResult): Check | undefined {
  return result.checks.find((c) => c.status === 'fail');
}
