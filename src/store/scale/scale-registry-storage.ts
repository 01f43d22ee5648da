/**
 * scaleRegistryStorage: the {@link RegistryStorage} of `sigil serve --database
 * postgres://… --objects s3://…` — every table on one PostgreSQL database
 * (migrated first: `migrate` in pg.ts), artifact bytes in the S3-compatible
 * bucket, the key-event turn an advisory lock (pg-turn.ts). Shared by every
 * replica.
 */
import type pg from 'pg';
import type { RegistryStorage } from '../registry/registry-storage.js';
import type { ObjectStore } from './objects.js';
import { PgAuthState } from './pg-auth-state.js';
import { PgGrantState } from './pg-grant-state.js';
import { PgPackageState } from './pg-package-state.js';
import { PgReleaseTables } from './pg-release-tables.js';
import { pgKeyEventTurns, pgTurn, RECOVERY_TURN } from './pg-turn.js';
import { S3BlobStore } from './s3-blob-store.js';

export function scaleRegistryStorage(
  pool: pg.Pool,
  objects: ObjectStore,
  options: { readonly maxBlobCacheBytes?: number; readonly description?: string } = {},
): RegistryStorage {
  const blobs = new S3BlobStore(objects, options.maxBlobCacheBytes);
  return {
    releases: new PgReleaseTables(pool),
    blobs,
    packages: new PgPackageState(pool),
    grants: new PgGrantState(pool),
    auth: new PgAuthState(pool),
    shared: true,
    keyEventTurn: pgKeyEventTurns(pool),
    recoveryTurn: pgTurn(pool, RECOVERY_TURN, 'publish recovery'),
    description: options.description ?? `PostgreSQL and ${blobs.description}`,
    async close() {
      await blobs.close(); // the pool is the caller's (it may serve the log too)
    },
  };
}
