/**
 * PackageState: the registry's per-package state that is not a release row —
 * dist-tags, yanks, upstream conflict records and the Go checksum database's
 * record ids — as one asynchronous contract, so that N replicas read and
 * write it in one place (a yank on replica A hides the version on B at once).
 *
 * Drivers: {@link MemoryPackageState} (tests), {@link SqlitePackageState}
 * (the embedded default: the same tables the personalities' stores use),
 * PgPackageState (src/store/scale/pg-package-state.ts).
 * test/store/package-state-conformance.test.ts runs one suite on all three.
 *
 * 1. Durable on return; no caller holds a connection or a transaction.
 * 2. `addConflict` records one conflict per (purl, offered) however many
 *    replicas see it at once: exactly one caller gets true (and logs it).
 * 3. `recordSumdb` keeps the first id of path@version: every caller gets the
 *    stored id back (the log deduplicates the record's bytes, so racing
 *    replicas append the same entry and agree on its index anyway).
 * 4. Dist-tags and yanks are last-writer-wins state (each change is logged
 *    or authorised by the caller first); readers see a change at once.
 */
import type { ConflictRow } from './conflicts.js';

export type { ConflictRow };

export interface YankRow {
  readonly purl: string;
  /** "" when yanked without a reason. */
  readonly reason: string;
  readonly yankedAt: string;
  /** Where the yank is logged (null: yanked before yanks were logged). */
  readonly logIndex: number | null;
}

/** What the npm personality reads once from a tarball: its sha1 (dist.shasum) and its package.json (text). */
export interface NpmTarballFacts {
  readonly sha1: string;
  readonly manifest: string;
}

export interface PackageState {
  /** distTags returns the explicitly set tags of a package (tag → version). */
  distTags(type: string, namespace: string, name: string): Promise<Record<string, string>>;
  /** setDistTag points a tag at a version; null removes the tag. */
  setDistTag(
    type: string,
    namespace: string,
    name: string,
    tag: string,
    version: string | null,
  ): Promise<void>;

  yankOf(key: string): Promise<YankRow | undefined>;
  /** setYank yanks `key` (a release's purl, or a version key) or, with yanked false, un-yanks it. */
  setYank(
    key: string,
    yanked: boolean,
    reason: string,
    at: string,
    logIndex: number | null,
  ): Promise<void>;

  hasConflict(purl: string, offered: string): Promise<boolean>;
  /** addConflict stores a conflict; false when (purl, offered) was already recorded. */
  addConflict(row: Omit<ConflictRow, 'id'>): Promise<boolean>;
  /** conflicts lists conflicts, newest first; with `purl`, only that purl's. */
  conflicts(options?: { purl?: string; limit?: number }): Promise<ConflictRow[]>;

  /** loggedConflicts lists the conflicts logged at start ≤ index < end, by index. */
  loggedConflicts(start: number, end: number): Promise<ConflictRow[]>;

  /** npmTarball returns the facts cached for an npm tarball (by its sha256), or undefined. */
  npmTarball(sha256: string): Promise<NpmTarballFacts | undefined>;
  /**
   * putNpmTarball caches facts derived from a tarball's bytes; idempotent (same bytes, same facts).
   * A cache: a row lost to a crash is computed again from the blob, so drivers need not sync it.
   */
  putNpmTarball(sha256: string, facts: NpmTarballFacts): Promise<void>;

  sumdbRecord(path: string, version: string): Promise<number | undefined>;
  /** recordSumdb stores path@version → id unless already there; returns the stored id. */
  recordSumdb(path: string, version: string, id: number): Promise<number>;

  close(): Promise<void>;
}
