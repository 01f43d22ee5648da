/**
 * StorageUnavailableError: PostgreSQL or the object store cannot be reached
 * (restart, failover, network). Like a full disk it is temporary, so it is
 * pushback, not a fault: it extends {@link StorageFullError}, which makes the
 * sequencer answer 503 + Retry-After and reload its state on the next append
 * instead of latching a failure (storage-full.ts). Nothing was acknowledged.
 */
import { someCause, StorageFullError } from '../storage-full.js';

/** Retry-After for an engine that is restarting (seconds, not minutes). */
export const UNAVAILABLE_RETRY_SECONDS = 5;

export class StorageUnavailableError extends StorageFullError {
  override readonly reason: string = 'STORAGE_UNAVAILABLE';

  constructor(what: string, cause?: unknown) {
    super(cause, UNAVAILABLE_RETRY_SECONDS);
    this.name = 'StorageUnavailableError';
    this.message = `${what} is unavailable: nothing was written; retry in ${UNAVAILABLE_RETRY_SECONDS} s`;
  }
}

// Connection-level failures of pg and of the S3 client (node:net codes, PostgreSQL
// SQLSTATE classes 08 "connection exception" and 57P0x "operator intervention").
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'ENOENT',
  'EHOSTUNREACH',
]);

/** isUnavailable says whether `e` means "the engine cannot be reached right now" (retry later), not "the request is wrong". */
export function isUnavailable(e: unknown): boolean {
  return someCause(e, (cur) => {
    if (cur instanceof StorageUnavailableError) return true;
    const code = (cur as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (NET_CODES.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code))
    )
      return true;
    const msg = (cur as { message?: unknown }).message;
    if (
      typeof msg === 'string' &&
      /Connection terminated|connection timeout|Client has encountered a connection error|socket hang up|the database system is (starting up|shutting down)/i.test(
        msg,
      )
    )
      return true;
    const status = (cur as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return status === 503 || status === 500;
  });
}
