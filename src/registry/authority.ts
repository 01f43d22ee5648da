/**
 * AuthorKeyAuthority: who may sign releases for a namespace, as the
 * registry sees it when a release arrives. The key ledger (src/ledger,
 * replayed from the log) implements it; the publish pipeline only asks.
 */
import type { DsseEnvelope } from '../core/dsse.js';
import type { PublicKey } from '../core/keys.js';

export interface NamespaceKeys {
  /** The ledger namespace that answered (the package, or the scope covering it). */
  readonly namespace: string;
  /** Keys authorised now; empty when the namespace has no ledger yet. */
  readonly keys: readonly PublicKey[];
  /** True when a registry `reset` is anywhere in the namespace's history. */
  readonly resetInHistory: boolean;
  /** The last event of that ledger (log index, eventDigest); null without a ledger. Publish statements name it. */
  readonly head?: { readonly logIndex: number; readonly digest: string } | null;
}

export interface AuthorKeyAuthority {
  /** keysFor answers for the package named by a versionless purl. */
  keysFor(packagePurl: string): Promise<NamespaceKeys>;
  /**
   * submitKeyEvent validates a signed key event against the ledger and, if it
   * is acceptable, appends it to the log; rejects with a RegistryError naming the rule.
   */
  submitKeyEvent(envelope: DsseEnvelope): Promise<{ logIndex: number; namespace: string }>;
}
