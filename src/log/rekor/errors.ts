/**
 * Errors of the Rekor v2 personality's pure part. Codes are public API.
 */
import { InputError } from '../../core/errors.js';

/**
 * RekorEntryErrorCode:
 * - REKOR_REQUEST_TOO_LARGE (HTTP 413): the request body or the resulting entry is over its limit (`limit` says which).
 * - REKOR_REQUEST_MALFORMED (HTTP 400): not JSON, wrong shape, unknown field, bad base64 (`fields` names each one).
 * - REKOR_KIND_UNSUPPORTED (HTTP 400): a request kind this log does not accept (hashedrekord, or none).
 * - REKOR_KEY_UNSUPPORTED (HTTP 400): a verifier key that cannot be parsed, or whose keyDetails do not match it.
 * - REKOR_SIGNATURE_INVALID (HTTP 400): an envelope signature that no given verifier verifies.
 */
export type RekorEntryErrorCode =
  | 'REKOR_REQUEST_TOO_LARGE'
  | 'REKOR_REQUEST_MALFORMED'
  | 'REKOR_KIND_UNSUPPORTED'
  | 'REKOR_KEY_UNSUPPORTED'
  | 'REKOR_SIGNATURE_INVALID';

/** RekorEntryError is a refused CreateEntryRequest: `status` is the HTTP status to answer, `fields` the offending JSON paths. */
export class RekorEntryError extends InputError {
  override readonly code: RekorEntryErrorCode;
  readonly status: 400 | 413;
  readonly fields: readonly string[];
  /** For REKOR_REQUEST_TOO_LARGE: the limit in bytes. */
  readonly limit: number | undefined;

  constructor(
    code: RekorEntryErrorCode,
    message: string,
    options: { fields?: readonly string[]; limit?: number; cause?: unknown } = {},
  ) {
    const fields = options.fields ?? [];
    super(code, message, {
      cause: options.cause,
      ...(fields[0] !== undefined ? { field: fields[0] } : {}),
    });
    this.code = code;
    this.status = code === 'REKOR_REQUEST_TOO_LARGE' ? 413 : 400;
    this.fields = fields;
    this.limit = options.limit;
  }
}
