/**
 * RegistryStorage: everything the registry keeps, as one bundle of the
 * asynchronous contracts — publish records (ReleaseTables), artifact bytes
 * (BlobStore), per-package state (PackageState), who may publish
 * (GrantState), accounts, tokens and rate limits (AuthState) — so that routes
 * and the publish pipeline run unchanged on the embedded SQLite data directory
 * or on PostgreSQL + S3 shared by N replicas (docs/scale-out.md).
 *
 * Builders: {@link embeddedRegistryStorage} (here: over the server's own open
 * SQLite handles, so old synchronous callers and converted ones see one
 * database, and issue 14's group commit and in-database small blobs stay),
 * {@link memoryRegistryStorage} (tests), scaleRegistryStorage
 * (src/store/scale/scale-registry-storage.ts: PostgreSQL + S3).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthState } from './auth-state.js';
import type { BlobStore } from './blob-store.js';
import type { GrantState } from './grant-state.js';
import { MemoryAuthState } from './memory-auth-state.js';
import { MemoryBlobStore } from './memory-blob-store.js';
import { MemoryGrantState } from './memory-grant-state.js';
import { MemoryPackageState } from './memory-package-state.js';
import { MemoryReleaseTables } from './memory-release-tables.js';
import type { PackageState } from './package-state.js';
import type { ReleaseTables } from './release-tables.js';
import type { ReleaseStore } from './releases.js';
import { SqliteAuthState } from './sqlite-auth-state.js';
import { SqliteBlobStore } from './sqlite-blob-store.js';
import { SqliteGrantState } from './sqlite-grant-state.js';
import { SqlitePackageState } from './sqlite-package-state.js';
import { SqliteReleaseTables } from './sqlite-release-tables.js';

export interface RegistryStorage {
  readonly releases: ReleaseTables;
  readonly blobs: BlobStore;
  readonly packages: PackageState;
  readonly grants: GrantState;
  readonly auth: AuthState;
  /**
   * True when other processes (replicas) write the same storage: caches of
   * what it holds must be checked against it, and work that must happen once
   * (recovery of pending rows, judging key events) takes a turn.
   */
  readonly shared: boolean;
  /**
   * keyEventTurn excludes the other replicas from judging key events and
   * gives the release tables as seen through the turn (tablesJournal in
   * src/registry/key-event-journal.ts). Undefined when not shared.
   */
  readonly keyEventTurn?: () => Promise<{
    readonly tables: ReleaseTables;
    end(): Promise<void>;
  }>;
  /**
   * recoveryTurn lets one replica at a time finish the reservations a dead
   * one left (recoverPending). Undefined when not shared.
   */
  readonly recoveryTurn?: () => Promise<{ end(): Promise<void> }>;
  /** Names the storage in messages (a data directory, or a database and a bucket). */
  readonly description: string;
  /** close closes what the builder opened (not handles it was given). */
  close(): Promise<void>;
}

/**
 * embeddedRegistryStorage: the default, one data directory — the server's open
 * ReleaseStore (registry.sqlite and blobs/, its group commit) for releases,
 * blobs, package state, grants and accounts, and gosumdb/records.sqlite for the
 * Go checksum database's record ids.
 */
export function embeddedRegistryStorage(store: ReleaseStore, dataDir: string): RegistryStorage {
  const releases = new SqliteReleaseTables(store);
  mkdirSync(join(dataDir, 'gosumdb'), { recursive: true });
  const packages = new SqlitePackageState(store.db, join(dataDir, 'gosumdb', 'records.sqlite'));
  return {
    releases,
    blobs: new SqliteBlobStore(store, dataDir),
    packages,
    grants: new SqliteGrantState(store.db),
    auth: new SqliteAuthState(store.db),
    shared: false,
    description: dataDir,
    async close() {
      await packages.close(); // its own handle on records.sqlite; the store is the server's to close
    },
  };
}

/** memoryRegistryStorage: every contract in memory (tests; nothing durable). */
export function memoryRegistryStorage(): RegistryStorage {
  return {
    releases: new MemoryReleaseTables(),
    blobs: new MemoryBlobStore(),
    packages: new MemoryPackageState(),
    grants: new MemoryGrantState(),
    auth: new MemoryAuthState(),
    shared: false,
    description: 'memory',
    async close() {},
  };
}
