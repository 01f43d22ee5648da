/**
 * Disk full is pushback, not failure (issue 11 item 10).
 *
 * Attack / fault: fill the log's disk (big uploads, or anything else on the
 * volume). ENOSPC used to latch the sequencer: every later write answered a
 * generic 500 until a restart, even after space was freed. A full disk is
 * temporary: the sequencer now answers {@link StorageFullError} — a
 * {@link PushbackError}, so every HTTP front (registry, /log/add, Rekor v2)
 * answers 503 + Retry-After with its message — and retries its recovery on
 * the next append, so writes succeed again as soon as there is space.
 * Nothing acknowledged is lost: a batch that failed was never acknowledged,
 * and the committed state is reloaded from storage before the next batch.
 *
 * {@link isStorageFull} is the one classification of "out of space" errors
 * (POSIX ENOSPC, EDQUOT; SQLite's SQLITE_FULL), looked for along the `cause`
 * chain the storage drivers keep.
 */
import { PushbackError } from '../log/service.js';

/** Error codes that mean "no space left", whatever layer raised them. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** someCause says whether `test` holds for `e` or an error in its cause chain (8 deep at most). */
export function someCause(e: unknown, test: (err: object) => boolean): boolean {
  for (
    let cur: unknown = e, depth = 0;
    cur !== null && typeof cur === 'object' && depth < 8;
    depth++
  ) {
    if (test(cur)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** isStorageFull says whether `e`, or an error in its cause chain, means the storage is out of space. */
export function isStorageFull(e: unknown): boolean {
  return someCause(e, (cur) => {
    if (cur instanceof StorageFullError) return true;
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    const msg = (cur as { message?: unknown }).message;
    return (
      typeof msg === 'string' &&
      /\b(ENOSPC|no space left on device|database or disk is full)\b/i.test(msg)
    );
  });
}

/** STORAGE_FULL_RETRY_SECONDS: the Retry-After of a full disk (an operator frees space in minutes, not milliseconds). */
export const STORAGE_FULL_RETRY_SECONDS = 30;

/** StorageFullError: the log's storage has no space left; nothing was appended. Retry later (503 + Retry-After). */
export class StorageFullError extends PushbackError {
  readonly reason: string = 'STORAGE_FULL';

  constructor(cause?: unknown, retryAfterSeconds = STORAGE_FULL_RETRY_SECONDS) {
    super(retryAfterSeconds);
    this.name = 'StorageFullError';
    this.message = `the log's storage is full (no space left on the device): nothing was appended; retry in ${retryAfterSeconds} s (the operator must free space)`;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
