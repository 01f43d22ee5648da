/**
 * LedgerView: the key ledger as lockfile verification asks it — "may this
 * key sign for this namespace at this log index?" (DESIGN.md, "Key
 * ledger"). The ledger (src/ledger, replayed from the log) implements it.
 *
 * Implementations (src/client/ledger-view.ts) replay the namespace histories
 * the server serves, or the offline cache holds, with src/ledger. Without a
 * LedgerView, keys are authorised by the policy's allowed keys, the pins in
 * .sigil/trust.json and trust on first use, and the record's
 * `ledger.resetInHistory` flag is reported.
 */
export interface LedgerAuthorisation {
  /** True when the key was authorised for the namespace at the log index. */
  readonly allowed: boolean;
  /** Why, in words: "added at index 12 by …", "revoked at index 880,102". */
  readonly reason: string;
  /** True when a registry-forced `reset` is in the namespace's history (always reported). */
  readonly reset: boolean;
}

export interface LedgerView {
  /**
   * prepare, when implemented, is called once with every namespace the project
   * will ask about, before any is asked: fetch them together (in parallel),
   * not one round trip per dependency.
   */
  prepare?(namespaces: readonly string[]): Promise<void>;
  /** undefined: this view knows no ledger for the namespace (the server keeps none); pins and the policy decide. */
  authorisedAt(namespace: string, keyId: string, logIndex: number): LedgerAuthorisation | undefined | Promise<LedgerAuthorisation | undefined>;
}
