/**
 * GrantState: who may publish what — namespace grants (package owners are
 * the accounts granted `publish` on it), first claims, and the holds of
 * first publishes in flight — as one asynchronous contract, so that N
 * replicas decide ownership in one place. In one process the holds lived in
 * AuthService's memory; across replicas a hold taken on replica A must stop a
 * pattern claim on replica B.
 *
 * Drivers: {@link MemoryGrantState} (tests), {@link SqliteGrantState} (the
 * embedded default, over AccountStore's `account_namespaces`), PgGrantState
 * (src/store/scale/pg-grant-state.ts). test/store/grant-state-conformance.test.ts
 * runs one suite on all three, racing each "one winner" rule over two handles.
 *
 * 1. Durable on return; no caller holds a connection or a transaction.
 * 2. `claimNamespace` is atomic across replicas: of any number of concurrent
 *    claims of overlapping namespaces by different accounts, at most one wins.
 *    A prefix pattern (`…/*`) is refused while another account holds a grant
 *    inside it or a live first-publish hold under it.
 * 3. `holdFirstPublish` is atomic with the claims: it is refused (undefined)
 *    when another account's grant covers the namespace by now (one of
 *    `covering`), so a pattern claim and a first publish under it, racing on
 *    any replicas, never both succeed. A hold lapses at `untilMs` (a replica
 *    that died mid-publish blocks nobody for ever) or when ended.
 * 4. Patterns and names are canonical (src/registry/auth/scope.ts); times are
 *    passed in (injectable clock). This contract has no policy; AuthService has.
 */
import type { GrantRow } from './accounts.js';

export type { GrantRow };

export interface GrantState {
  /** upsertGrant gives `account` the `actions` on `pattern` (replacing an earlier grant of the same pattern). */
  upsertGrant(
    account: string,
    pattern: string,
    actions: readonly string[],
    now: string,
  ): Promise<void>;
  /** deleteGrant removes one grant; false when there was none. */
  deleteGrant(account: string, pattern: string): Promise<boolean>;
  grantsOf(account: string): Promise<GrantRow[]>;
  /** grantsFor returns every grant, of any account, whose pattern is one of `patterns`. */
  grantsFor(patterns: readonly string[]): Promise<GrantRow[]>;
  /** grantsUnder returns the grants strictly inside the prefix pattern `pattern` (none for a package). */
  grantsUnder(pattern: string): Promise<GrantRow[]>;
  /**
   * claimNamespace grants `account` the `actions` on `pattern` only if no grant with any of
   * `covering` exists and, for a prefix pattern, no other account has a grant or a live hold
   * inside it. True when `account` owns it afterwards (just claimed, or already).
   */
  claimNamespace(
    account: string,
    pattern: string,
    covering: readonly string[],
    actions: readonly string[],
    now: string,
    nowMs: number,
  ): Promise<boolean>;
  /**
   * holdFirstPublish records that `account` is first-publishing `namespace` until `untilMs`;
   * undefined (nothing held) when another account's grant with one of `covering` exists.
   * Returns the hold's id for {@link GrantState.endHold}.
   */
  holdFirstPublish(
    account: string,
    namespace: string,
    covering: readonly string[],
    untilMs: number,
  ): Promise<string | undefined>;
  /** endHold ends one hold (unknown or lapsed is fine). */
  endHold(id: string): Promise<void>;

  close(): Promise<void>;
}

/** prefixOf is the text every namespace inside a prefix pattern starts with; undefined for a package. */
export function prefixOf(pattern: string): string | undefined {
  return pattern.endsWith('/*') ? pattern.slice(0, -1) : undefined;
}
