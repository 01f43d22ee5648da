/**
 * AuthState: the registry state every replica must share — accounts, publish
 * tokens (revocation!), TOTP (replay!) and rate limits. In one process these
 * lived in SQLite and in-process token buckets; N replicas need them in one
 * place, or a revoked token keeps working on the replica that cached it, a
 * TOTP code is accepted once per replica, and a client gets N × its budget.
 *
 * Drivers: {@link MemoryAuthState} (tests), {@link SqliteAuthState} (the
 * embedded default, over {@link AccountStore}), PgAuthState (scale-out,
 * src/store/scale/pg-auth-state.ts). test/store/auth-state-conformance.test.ts
 * runs one suite against all three. The contract:
 *
 * 1. Every method is durable on return and asynchronous (a network round trip
 *    for PostgreSQL); no caller holds a connection or a transaction. Two
 *    exceptions, both harmless when lost: `touchToken` (last-used time, for
 *    people reading a token list) and the rate buckets (`takeRate`,
 *    `refundRate`, `pruneRates`): a take lost to a power failure only lets a
 *    client through early. The embedded driver commits those without an fsync,
 *    or every write request would wait for the disk.
 * 2. `revokeToken` takes effect for every replica at once: `tokenByHash`
 *    reads the stored row, never a per-process copy.
 * 3. `useTotpStep` and `consumeRecoveryCode` are single atomic steps: of any
 *    number of concurrent uses of one code, on any replicas, exactly one
 *    returns true.
 * 4. `takeRate` is an atomic token bucket per key: concurrent takes on all
 *    replicas together never spend more than `capacity` plus what refilled.
 *    `refundRate` gives tokens back (never above `capacity`); `pruneRates`
 *    forgets buckets not touched since a time by which every bucket the caller
 *    uses is full again (a full bucket and a missing one answer alike).
 *    Times are passed in (injectable clock).
 * 5. Secrets are stored as the caller gives them: token and recovery-code
 *    hashes only (accounts.ts says why the TOTP secret itself is stored).
 */
import type { AccountRow, TokenRow, TotpRow } from './accounts.js';

export type { AccountRow, TokenRow, TotpRow };

/** RateDecision: whether `cost` was taken from the bucket, and when to retry when not. */
export interface RateDecision {
  readonly ok: boolean;
  /** Whole seconds until the bucket holds `cost` again (0 when ok). */
  readonly retryAfterSeconds: number;
}

/** RateBucket: capacity (burst) and refill rate of one limit. */
export interface RateBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface AuthState {
  insertAccount(name: string, admin: boolean, now: string): Promise<boolean>;
  getAccount(name: string): Promise<AccountRow | undefined>;
  /** listAccounts returns every account, by name. */
  listAccounts(): Promise<AccountRow[]>;

  insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): Promise<void>;
  tokenByHash(hash: Buffer): Promise<TokenRow | undefined>;
  tokenById(id: string): Promise<TokenRow | undefined>;
  /** listTokens returns the tokens of `account` (every account's when undefined), oldest first. */
  listTokens(account?: string): Promise<TokenRow[]>;
  /** touchToken records when a token was last used (informational; need not be durable). */
  touchToken(id: string, now: string): Promise<void>;
  /** revokeToken marks a token revoked for every replica; false when unknown or already revoked. */
  revokeToken(id: string, now: string): Promise<boolean>;

  getTotp(account: string): Promise<TotpRow | undefined>;
  setPendingTotp(account: string, secret: Buffer, now: string): Promise<boolean>;
  confirmTotp(
    account: string,
    step: number,
    recoveryHashes: readonly Buffer[],
    now: string,
  ): Promise<boolean>;
  /**
   * deleteTotp turns two-factor off and forgets the recovery codes, only while the account's
   * two-factor state is `state` (a pending enrolment confirmed meanwhile elsewhere is not
   * undone without a code); false when it was not in that state.
   */
  deleteTotp(account: string, state: 'pending' | 'on'): Promise<boolean>;
  /** useTotpStep records `step` when later than the last used one; false means replay (atomic across replicas). */
  useTotpStep(account: string, step: number): Promise<boolean>;
  /** consumeRecoveryCode: true only for the one caller that used it. */
  consumeRecoveryCode(account: string, hash: Buffer): Promise<boolean>;
  /** replaceRecoveryCodes makes `hashes` the account's only recovery codes (atomically). */
  replaceRecoveryCodes(account: string, hashes: readonly Buffer[]): Promise<void>;
  countRecoveryCodes(account: string): Promise<number>;

  /** takeRate takes `cost` from the bucket `key` at `nowMs` (atomic across replicas). */
  takeRate(key: string, cost: number, bucket: RateBucket, nowMs: number): Promise<RateDecision>;
  /** refundRate gives `cost` back to the bucket `key` at `nowMs`, never above its capacity. */
  refundRate(key: string, cost: number, bucket: RateBucket, nowMs: number): Promise<void>;
  /** pruneRates forgets every bucket last touched before `beforeMs`; returns how many. */
  pruneRates(beforeMs: number): Promise<number>;

  close(): Promise<void>;
}

/** refill is the one token-bucket rule every driver applies (in SQL or here). */
export function refill(tokens: number, atMs: number, nowMs: number, bucket: RateBucket): number {
  return Math.min(
    bucket.capacity,
    tokens + (Math.max(0, nowMs - atMs) / 1000) * bucket.refillPerSecond,
  );
}

/** retryAfter: whole seconds until `have` tokens grow to `cost`. */
export function retryAfter(have: number, cost: number, bucket: RateBucket): number {
  if (have >= cost) return 0;
  if (bucket.refillPerSecond <= 0) return 3600;
  return Math.max(1, Math.ceil((cost - have) / bucket.refillPerSecond));
}
