/**
 * KeyEventJournal: where the registry keeps its key events, and how the
 * processes that judge them take turns. The key ledger's rule is that an
 * event is judged at the state it will be logged after, so judging is
 * serialised: within one process by LedgerAuthority's queue; across replicas
 * by `turn` (on PostgreSQL an advisory lock held by one session — freed by
 * PostgreSQL when its replica dies). A `shared` journal is written by other
 * replicas too, so the authority reads what they logged before it decides.
 *
 * - {@link storeJournal}: the embedded default, the registry database's
 *   `key_event` table (one process: no turns, nothing to catch up with).
 * - {@link tablesJournal}: any {@link ReleaseTables} (PostgreSQL for replicas)
 *   with a turn taker (src/store/scale/pg-turn.ts).
 */
import type { KeyEventRow, KeyEventStore } from '../store/registry/key-events.js';
import type { ReleaseTables } from '../store/registry/release-tables.js';

export interface KeyEventJournal {
  /** Other processes log key events here too: catch up before each decision. */
  readonly shared: boolean;
  pending(): Promise<KeyEventRow[]>;
  /** loggedAfter lists every namespace's logged events above log index `after`, in log order. */
  loggedAfter(after: number): Promise<KeyEventRow[]>;
  /** loggedFor lists one namespace's logged events in log order. */
  loggedFor(namespace: string): Promise<KeyEventRow[]>;
  insertPending(namespace: string, envelope: string, entry: Uint8Array): Promise<number>;
  complete(id: number, logIndex: number): Promise<void>;
  remove(id: number): Promise<void>;
  /** turn resolves once no other process judges key events; call the result to end the turn. */
  turn(): Promise<() => Promise<void>>;
}

/**
 * storeJournal: the embedded KeyEventStore. Its writes are synchronous and
 * happen when called (before the returned promise settles), so a staged event
 * is in the same SQLite transaction stream as the reservation beside it.
 */
export function storeJournal(store: KeyEventStore): KeyEventJournal {
  return {
    shared: false,
    pending: async () => store.pending(),
    loggedAfter: async (after) => store.loggedAfter(after),
    loggedFor: async (ns) => store.loggedFor(ns),
    insertPending: async (ns, envelope, entry) => store.insertPending(ns, envelope, entry),
    complete: async (id, index) => store.complete(id, index),
    remove: async (id) => store.remove(id),
    turn: async () => async () => undefined,
  };
}

/** tablesJournal: key events in shared ReleaseTables; `turn` excludes the other replicas. */
export function tablesJournal(
  tables: ReleaseTables,
  turn: () => Promise<() => Promise<void>>,
): KeyEventJournal {
  return {
    shared: true,
    pending: () => tables.pendingKeyEvents(),
    loggedAfter: (after) => tables.loggedKeyEventsAfter(after),
    loggedFor: (ns) => tables.keyEventsFor(ns),
    insertPending: (ns, envelope, entry) => tables.insertKeyEvent(ns, envelope, entry),
    complete: (id, index) => tables.completeKeyEvent(id, index),
    remove: (id) => tables.removeKeyEvent(id),
    turn,
  };
}
