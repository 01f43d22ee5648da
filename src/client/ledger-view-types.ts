/**
 * LedgerView: the key ledger as lockfile verification asks it — "may this
 * key sign for this namespace at this log index?" (DESIGN.md, "Key
 * ledger"). The ledger (src/ledger, replayed from the log) implements it.
 *
 * Implementations (./ledger-view.ts) replay the namespace histories
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
  /**
   * Set when the ledger itself could not be established (events not in the
   * log, chain broken, events withheld: src/client/verified-ledger.ts): the
   * dependency fails with this code, whatever the pins say.
   */
  readonly failure?: string;
}

/** LedgerFacts: what the client knows of a package's ledger before any key is asked about. */
export interface LedgerFacts {
  /** Log index of the first event of the package's or its scope's ledger; absent: no ledger (in the verified tree). */
  readonly since?: number;
  /** Whether the verified ledger holds this event (a publish statement's ledger head must be in it). */
  readonly contains?: (namespace: string, logIndex: number, digest: string) => boolean;
  /** The ledger could not be established (see {@link LedgerAuthorisation.failure}). */
  readonly failure?: { readonly code: string; readonly reason: string };
}

/** The checkpoint verification settled on: ledger events must be proven in this tree. */
export interface LedgerTree {
  readonly origin: string;
  readonly size: number;
  readonly hash: Uint8Array;
}

export interface LedgerView {
  /**
   * prepare, when implemented, is called once with every namespace the project
   * will ask about, before any is asked: fetch them together (in parallel),
   * not one round trip per dependency.
   */
  prepare?(namespaces: readonly string[], tree?: LedgerTree): Promise<void>;
  /** undefined: this view knows no ledger for the namespace (the server keeps none); pins and the policy decide. */
  authorisedAt(
    namespace: string,
    keyId: string,
    logIndex: number,
  ): LedgerAuthorisation | undefined | Promise<LedgerAuthorisation | undefined>;
  /**
   * facts, when implemented, tells whether the package (a package namespace
   * the client derived from the purl) has, or had, a ledger: such a package
   * needs author signatures forever (issue 11, item 4).
   */
  facts?(namespace: string): LedgerFacts | Promise<LedgerFacts>;
}
