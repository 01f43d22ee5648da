/**
 * Errors of the core. Codes are public API: keep them few and stable.
 *
 * Sigil never lets attacker-controlled input escape as a raw exception
 * (SyntaxError from JSON.parse, RangeError from base64, …): parsers catch and
 * rethrow as {@link InputError} naming the file, the field and what was expected.
 */
import type { VerificationResult } from './verdict.js';

/** SigilError is the base of every error Sigil throws on purpose. */
export class SigilError extends Error {
  readonly code: string;
  /** What the user can do next, when there is something to say. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** InputError: the user gave something Sigil cannot use (bad file, bad flag, wrong passphrase). CLI exit code 2. */
export class InputError extends SigilError {
  /** The file the bad input came from, when known. */
  readonly file: string | undefined;
  /** The field inside it, as a JSON-pointer-like path ("dsseEnvelope.signatures[0].sig"). */
  readonly field: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown; file?: string; field?: string } = {},
  ) {
    super(code, message, options);
    this.file = options.file;
    this.field = options.field;
  }
}

/** ValidationError gathers every bad field of a document before it is thrown. */
export class ValidationError extends InputError {
  readonly fields: readonly string[];

  constructor(
    what: string,
    problems: readonly string[],
    options: { file?: string; hint?: string } = {},
  ) {
    super('INVALID_DOCUMENT', `${what}: ${problems.join('; ')}`, options);
    this.fields = problems;
  }
}

/** VerificationError carries a failed verdict; thrown only by verifyOrThrow-style wrappers. CLI exit code 1. */
export class VerificationError extends SigilError {
  readonly result: VerificationResult;

  constructor(result: VerificationResult) {
    const failed = result.checks.find((c) => c.status === 'fail');
    super(
      failed?.code ?? 'VERIFICATION_FAILED',
      `${result.subject}: ${failed?.reason ?? 'verification failed'}`,
    );
    this.result = result;
  }
}
