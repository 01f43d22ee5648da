/**
 * ReleaseTables: the asynchronous contract for the registry's publish
 * records — releases with their reservations (observed records are rows of
 * the same table) and key events — so that the publish pipeline can run on
 * any replica against one database. Drivers: {@link MemoryReleaseTables}
 * (tests), {@link SqliteReleaseTables} (over the embedded ReleaseStore and
 * KeyEventStore), PgReleaseTables (src/store/scale/pg-release-tables.ts);
 * test/store/release-tables-conformance.test.ts runs one suite on all three.
 * The registry reaches it through RegistryStorage (registry-storage.ts).
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
import type { ReleaseRow, ReserveGuard, ReserveOutcome } from './releases.js';
import type { KeyEventRow } from './key-events.js';

export type { ReleaseRow, ReserveGuard, ReserveOutcome, KeyEventRow };
export type NewRelease = Omit<ReleaseRow, 'authorIndex' | 'publishIndex' | 'state'>;

/** A document the registry logged, as stored beside its row: an author bundle, a publish statement or a key event. */
export interface LoggedDocument {
  readonly index: number;
  readonly kind: 'author' | 'publish' | 'key-event';
  /** The stored JSON (bundle or DSSE envelope). */
  readonly doc: string;
}

export interface ReleaseTables {
  /**
   * `guard` sees every row (pending too) of the package inside the reservation, atomically with
   * it (no other reservation of the package lands in between, on any replica), and throws to
   * refuse it: nothing is written (observed/shadowing.ts).
   */
  reserve(row: NewRelease, releaseKey?: string, guard?: ReserveGuard): Promise<ReserveOutcome>;
  complete(purl: string, authorIndex: number | null, publishIndex: number): Promise<void>;
  abandon(purl: string): Promise<void>;
  get(purl: string): Promise<ReleaseRow | undefined>;
  getByReleaseKey(releaseKey: string): Promise<ReleaseRow | undefined>;
  bySha256(sha256: string): Promise<ReleaseRow[]>;
  /** versions lists the published releases of one package, oldest first. */
  versions(type: string, namespace: string, name: string): Promise<ReleaseRow[]>;
  pendingReleases(): Promise<ReleaseRow[]>;
  /** filesOfReleaseKey lists the published files of one version: release key `versionKey` and every `<versionKey>?…`, oldest first. */
  filesOfReleaseKey(versionKey: string): Promise<ReleaseRow[]>;
  /** anyOfPackageKey returns one row (pending or published) whose release key is `<packageKey>@…`. */
  anyOfPackageKey(packageKey: string): Promise<ReleaseRow | undefined>;
  /** keyless lists the purls of rows stored before release keys existed. */
  keyless(): Promise<string[]>;
  /** setReleaseKey fills in a keyless row's release key; false when another row has that key. */
  setReleaseKey(purl: string, releaseKey: string): Promise<boolean>;
  /** ofType lists every published release of one ecosystem, oldest first. */
  ofType(type: string): Promise<ReleaseRow[]>;
  /**
   * releasesOf lists the published releases whose purl is `<packagePurl>@…`, oldest first;
   * rows with a qualifier (`@1.0?file_name=…`) only with `files`.
   */
  releasesOf(packagePurl: string, options?: { readonly files?: boolean }): Promise<ReleaseRow[]>;
  /** packagesOfType lists the versionless purls of one ecosystem's published packages, sorted. */
  packagesOfType(type: string): Promise<string[]>;
  /** namesOfType lists the distinct stored names of one ecosystem's published releases, sorted. */
  namesOfType(type: string): Promise<string[]>;
  /** count counts published releases (of one ecosystem when `type` is given). */
  count(type?: string): Promise<number>;
  /** recent lists the newest published releases (highest publish index first). */
  recent(limit: number): Promise<ReleaseRow[]>;
  /**
   * search lists published releases whose name, purl (without `pkg:`) or namespace/name contains
   * `query` case-insensitively (taken literally), ordered by type, namespace, name, newest first.
   */
  search(query: string, limit: number): Promise<ReleaseRow[]>;
  /** loggedDocuments lists the release documents and key events logged at start ≤ index < end, by index. */
  loggedDocuments(start: number, end: number): Promise<LoggedDocument[]>;

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
