/**
 * Errors of the log client. Codes are public API.
 */
import { SigilError } from '../core/errors.js';

/**
 * LogClientErrorCode:
 * - LOG_SPLIT_VIEW: the log showed two trees that cannot both be true (same size with different roots,
 *   or a consistency proof that fails): `checkpoints` holds both signed checkpoints — evidence of misbehavior.
 * - LOG_ROLLBACK: the log's latest checkpoint is smaller than one it already showed.
 * - CONSISTENCY_UNPROVEN: the log's tiles could not make the consistency proof between two checkpoints
 *   (missing or malformed): not evidence of a fork, but the newer tree is not believed.
 * - LOG_CHECKPOINT_INVALID: bad signature, unknown key, wrong origin or malformed checkpoint (`checkCode` says which).
 * - LOG_TILE_INVALID: the log served a tile of the wrong size, or none, so a proof cannot be computed.
 * - LOG_TRANSPORT: the HTTP request failed (`status` when there was one).
 * - LOG_RESPONSE_TOO_LARGE: a response was larger than its limit.
 * - LOG_MEMORY_INVALID: the remembered checkpoint on disk is unreadable or not signed by the log key.
 */
export type LogClientErrorCode =
  | 'LOG_SPLIT_VIEW'
  | 'LOG_ROLLBACK'
  | 'CONSISTENCY_UNPROVEN'
  | 'LOG_CHECKPOINT_INVALID'
  | 'LOG_TILE_INVALID'
  | 'LOG_TRANSPORT'
  | 'LOG_RESPONSE_TOO_LARGE'
  | 'LOG_MEMORY_INVALID';

/** ConflictingCheckpoints are the two signed checkpoints a split view or rollback is made of. */
export interface ConflictingCheckpoints {
  /** The checkpoint this client had verified and remembered before. */
  readonly remembered: string;
  /** The checkpoint the log showed now. */
  readonly received: string;
}

/** LogClientError is every failure of the log client. */
export class LogClientError extends SigilError {
  override readonly code: LogClientErrorCode;
  readonly checkpoints: ConflictingCheckpoints | undefined;
  /** For LOG_CHECKPOINT_INVALID: the failed check's code (NOTE_INVALID_SIGNATURE, NOTE_UNVERIFIED, CHECKPOINT_MALFORMED, …). */
  readonly checkCode: string | undefined;
  /** For LOG_TRANSPORT: the HTTP status, when a response arrived. */
  readonly status: number | undefined;
  readonly url: string | undefined;

  constructor(
    code: LogClientErrorCode,
    message: string,
    options: {
      checkpoints?: ConflictingCheckpoints;
      checkCode?: string;
      status?: number;
      url?: string;
      hint?: string;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, {
      ...(options.hint !== undefined ? { hint: options.hint } : {}),
      cause: options.cause,
    });
    this.code = code;
    this.checkpoints = options.checkpoints;
    this.checkCode = options.checkCode;
    this.status = options.status;
    this.url = options.url;
  }
}
