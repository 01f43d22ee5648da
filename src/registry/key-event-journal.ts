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
 *
 * Events are staged through the turn ({@link KeyEventTurn.insertPending}): on
 * PostgreSQL that write goes over the very session that holds the lock, so it
 * succeeds only while the turn is held. A replica whose session died, and
 * whose turn another replica has taken since, cannot stage — and so cannot log —
 * an event it judged on a ledger that is now stale (the fence the integrator
 * gets from its compare-and-swap). What it staged before is finished by the
 * next holder before that one judges.
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
  /** turn resolves once no other process judges key events. */
  turn(): Promise<KeyEventTurn>;
}

/** KeyEventTurn: this process's exclusive turn at judging key events. */
export interface KeyEventTurn {
  /** insertPending stages an event; it fails once the turn is lost (a write through the turn itself). */
  insertPending(namespace: string, envelope: string, entry: Uint8Array): Promise<number>;
  /** end ends the turn (twice is harmless). */
  end(): Promise<void>;
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
    turn: async () => ({
      insertPending: async (ns, envelope, entry) => store.insertPending(ns, envelope, entry),
      end: async () => undefined,
    }),
  };
}

/**
 * tablesJournal: key events in shared ReleaseTables; `turn` excludes the other replicas and
 * gives the tables as seen through the turn (its session), which stage the events.
 */
export function tablesJournal(
  tables: ReleaseTables,
  takeTurn: () => Promise<{ readonly tables: ReleaseTables; end(): Promise<void> }>,
): KeyEventJournal {
  return {
    shared: true,
    pending: () => tables.pendingKeyEvents(),
    loggedAfter: (after) => tables.loggedKeyEventsAfter(after),
    loggedFor: (ns) => tables.keyEventsFor(ns),
    insertPending: (ns, envelope, entry) => tables.insertKeyEvent(ns, envelope, entry),
    complete: (id, index) => tables.completeKeyEvent(id, index),
    remove: (id) => tables.removeKeyEvent(id),
    turn: async () => {
      const t = await takeTurn();
      return {
        insertPending: (ns, envelope, entry) => t.tables.insertKeyEvent(ns, envelope, entry),
        end: () => t.end(),
      };
    },
  };
}
