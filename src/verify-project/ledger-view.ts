/**
 * LedgerView: the key ledger as lockfile verification asks it — "may this
 * key sign for this namespace at this log index?" (DESIGN.md, "Key
 * ledger"). The ledger (src/ledger, replayed from the log) implements it.
 *
 * INTEGRATION POINT (ledger): until the ledger client lands, `verifyProject`
 * runs without a LedgerView: keys are authorised by the policy's allowed keys,
 * the pins in .sigil/trust.json and trust on first use, and the record's
 * `ledger.resetInHistory` flag is reported. Pass a LedgerView (built from the
 * namespace histories the server serves, replayed with src/ledger) as
 * `VerifyProjectInput.ledger` to make key authorisation and rotations
 * ledger-checked; nothing else changes.
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
  /** undefined: this view knows no ledger for the namespace (the server keeps none); pins and the policy decide. */
  authorisedAt(namespace: string, keyId: string, logIndex: number): LedgerAuthorisation | undefined | Promise<LedgerAuthorisation | undefined>;
}
