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
  /**
   * True when a key ledger governs the package (even with every key revoked):
   * such a namespace needs author signatures forever (absent: read as `keys.length > 0`).
   */
  readonly hasLedger?: boolean;
  /** The last event of that ledger (log index, eventDigest); null without a ledger. Publish statements name it. */
  readonly head?: { readonly logIndex: number; readonly digest: string } | null;
}

/**
 * KeyEventPlan is the key events of one upload, judged as if logged next but
 * not logged yet: the publish pipeline decides with `keysFor` (the keys as
 * they will be once the events are logged) and either commits or throws —
 * then nothing of the events remains (all or nothing).
 */
export interface KeyEventPlan {
  /** The namespace of each event, in order. */
  readonly namespaces: readonly string[];
  /** keysFor answers like AuthorKeyAuthority.keysFor, on the ledger with the events applied. */
  keysFor(packagePurl: string): NamespaceKeys;
  /** stage stores the events as pending (embedded: synchronously when called, in the registry database) so a crash after their log append recovers them. */
  stage(): Promise<void>;
  /** commit appends the staged events to the log in order and applies them; resolves with their indexes. */
  commit(): Promise<number[]>;
  /** logged is true once any of the events is in the log (the upload can no longer be undone). */
  logged(): boolean;
  /** discard drops staged events that were not logged. */
  discard(): Promise<void>;
}

export interface AuthorKeyAuthority {
  /** keysFor answers for the package named by a versionless purl. */
  keysFor(packagePurl: string): Promise<NamespaceKeys>;
  /**
   * submitKeyEvent validates a signed key event against the ledger and, if it
   * is acceptable, appends it to the log; rejects with a RegistryError naming the rule.
   */
  submitKeyEvent(envelope: DsseEnvelope): Promise<{ logIndex: number; namespace: string }>;
  /**
   * withKeyEvents judges `envelopes` in order (RegistryError naming the rule
   * for the first bad one: nothing is logged) and runs `run` with the plan,
   * exclusive of every other key event until `run` settles.
   */
  /** spellingOf names the package namespace that has a ledger under this package key (src/ecosystems/release-key.ts), if any. */
  spellingOf?(packageKey: string): string | undefined;
  withKeyEvents<T>(
    envelopes: readonly DsseEnvelope[],
    run: (plan: KeyEventPlan) => Promise<T>,
  ): Promise<T>;
}
