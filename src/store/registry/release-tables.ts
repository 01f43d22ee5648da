/**
 * ReleaseTables: the asynchronous contract for the registry's publish
 * records — releases with their reservations (observed records are rows of
 * the same table) and key events — so that the publish pipeline can run on
 * any replica against one database. Drivers: {@link MemoryReleaseTables}
 * (tests), {@link SqliteReleaseTables} (over the embedded ReleaseStore and
 * KeyEventStore), PgReleaseTables (src/store/scale/pg-release-tables.ts);
 * test/store/release-tables-conformance.test.ts runs one suite on all three.
 * Routes do not call it yet: they still use the synchronous SQLite stores
 * (docs/scale-out.md, "Open").
 *
 * 1. `reserve` is the one place name@version is claimed: on a unique key
 *    (the purl, and the ecosystem's release key when given), so of any number
 *    of concurrent publishes of one version, on any replicas, exactly one
 *    gets `reserved`; the others see `pending` or `exists`. Durable on return.
 * 2. A reserved row is `pending` and invisible to readers until `complete`
 *    publishes it with its log indexes; `abandon` removes only pending rows.
 * 3. Key events are inserted pending before their log append and completed
 *    with their index after; `pending` lists both kinds for crash recovery.
 */
import type { ReleaseRow, ReserveOutcome } from './releases.js';
import type { KeyEventRow } from './key-events.js';

export type { ReleaseRow, ReserveOutcome, KeyEventRow };
export type NewRelease = Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'>;

export interface ReleaseTables {
  reserve(row: NewRelease, releaseKey?: string): Promise<ReserveOutcome>;
  complete(purl: string, authorIndex: number | null, publishIndex: number): Promise<void>;
  abandon(purl: string): Promise<void>;
  get(purl: string): Promise<ReleaseRow | undefined>;
  getByReleaseKey(releaseKey: string): Promise<ReleaseRow | undefined>;
  bySha256(sha256: string): Promise<ReleaseRow[]>;
  /** versions lists the published releases of one package, oldest first. */
  versions(type: string, namespace: string, name: string): Promise<ReleaseRow[]>;
  pendingReleases(): Promise<ReleaseRow[]>;

  insertKeyEvent(namespace: string, envelope: string, entry: Uint8Array): Promise<number>;
  completeKeyEvent(id: number, logIndex: number): Promise<void>;
  removeKeyEvent(id: number): Promise<void>;
  /** keyEventsFor lists one namespace's logged events in log order. */
  keyEventsFor(namespace: string): Promise<KeyEventRow[]>;
  pendingKeyEvents(): Promise<KeyEventRow[]>;
  /** loggedKeyEventsAfter lists every namespace's logged events above log index `after`, in log order. */
  loggedKeyEventsAfter(after: number): Promise<KeyEventRow[]>;

  close(): Promise<void>;
}
