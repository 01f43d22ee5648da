/**
 * WebSessionState: the web UI's sign-in sessions, in storage every replica
 * shares, so that a browser signed in on replica A is signed in on B, and
 * signing out (or a session's expiry) on one ends it on all of them. Kept in
 * one process's memory, a load balancer without sticky sessions would sign
 * the user out on every other request.
 *
 * Drivers: {@link MemoryWebSessionState} (tests), {@link SqliteWebSessionState}
 * (the embedded default: table `web_session` in registry.sqlite),
 * PgWebSessionState (src/store/scale/pg-web-session-state.ts).
 * test/store/web-session-state-conformance.test.ts runs one suite on all three.
 *
 * 1. Durable on return; no caller holds a connection or a transaction.
 * 2. Sessions are keyed by the SHA-256 of the cookie's random id: whoever
 *    reads the table learns no cookie that signs in (as tokens are stored).
 * 3. `session` never returns a session whose `expiresAtMs` is at or before
 *    `nowMs` (times are passed in: an injectable clock); `end` takes effect
 *    for every replica at once.
 * 4. `create` keeps at most {@link MAX_SESSIONS_PER_ACCOUNT} live sessions per
 *    account (the ones expiring last), and removes expired sessions, so an
 *    account that signs in in a loop cannot grow the table without bound.
 * 5. The session does not hold the token, only its id: the caller checks on
 *    every request that the token is still live (revocation signs out).
 */

/** MAX_SESSIONS_PER_ACCOUNT bounds the sessions one account may hold at once. */
export const MAX_SESSIONS_PER_ACCOUNT = 32;

/** WebEnrolment is a two-factor enrolment in progress, shown again until confirmed. */
export interface WebEnrolment {
  readonly uri: string;
  readonly secret: string;
}

/** WebSessionRow: the account a session signed in, with which token, until when. */
export interface WebSessionRow {
  readonly account: string;
  readonly tokenId: string;
  readonly expiresAtMs: number;
  readonly enrolment: WebEnrolment | null;
}

export interface WebSessionState {
  /** create stores a new session under `idHash` (a fresh random id's SHA-256: never reused). */
  create(idHash: Buffer, row: Omit<WebSessionRow, 'enrolment'>, nowMs: number): Promise<void>;
  /** session returns the live session of `idHash`, or undefined (unknown, ended or expired). */
  session(idHash: Buffer, nowMs: number): Promise<WebSessionRow | undefined>;
  /** setEnrolment records (or with null, clears) the session's enrolment; false when the session is gone. */
  setEnrolment(idHash: Buffer, enrolment: WebEnrolment | null): Promise<boolean>;
  /** end ends a session (unknown: nothing to do). */
  end(idHash: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** assertSessionHash refuses anything but a 32-byte hash: a raw cookie id must never reach storage. */
export function assertSessionHash(idHash: Buffer): void {
  if (idHash.length !== 32)
    throw new Error(`a web session is keyed by its id's SHA-256 (32 bytes), got ${idHash.length}`);
}
