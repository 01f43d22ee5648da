/**
 * The Go personality of `sigil serve`: a module proxy over the releases of
 * type golang, and a checksum database over a second log instance in
 * `<data>/gosumdb/`. See routes.ts for the endpoints, sumdb.ts for the
 * key/origin decision and when records are appended.
 */
import { join } from 'node:path';
import type { TransparencyLog } from '../../../log/service.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import { GoModules } from './modules.js';
import { GoSumdb } from './sumdb.js';

export { goRoutes, type GoRoutesOptions } from './routes.js';
export { GoModules, formatGoSumRecord } from './modules.js';
export { GoSumdb, SUMDB_LOG_NAME, SUMDB_ORIGIN } from './sumdb.js';
export { openSharedSumdbLog } from './shared-sumdb.js';

/** GOSUMDB_DIR is the sumdb's folder inside the registry's data folder. */
export const GOSUMDB_DIR = 'gosumdb';

export interface GoPersonality {
  readonly modules: GoModules;
  readonly sumdb: GoSumdb;
  /** onPublished records a newly published Go module version in the sumdb. Never throws: a miss is recorded on first lookup. */
  onPublished(row: ReleaseRow): Promise<void>;
  close(): Promise<void>;
}

/**
 * defaultSumdbName names a new sumdb key after the server: the host (and
 * path) of its public URL plus "/go", e.g. "127.0.0.1:8080/go" — a valid
 * GOSUMDB name (host[/path]).
 */
export function defaultSumdbName(baseUrl: string): string {
  const u = new URL(baseUrl);
  return `${u.host}${u.pathname.replace(/\/+$/, '')}/go`;
}

export async function openGoPersonality(
  dataDir: string,
  storage: Pick<RegistryStorage, 'releases' | 'blobs' | 'packages'>,
  options: {
    keyName: string;
    batchSize?: number;
    batchIntervalMs?: number;
    /** With replicas: the shared log (openSharedSumdbLog). Default: a file log in <data>/gosumdb. */
    sharedLog?: TransparencyLog;
  },
): Promise<GoPersonality> {
  const modules = new GoModules(storage);
  // The record ids live in PackageState: gosumdb/records.sqlite embedded, sumdb_record with replicas.
  const { sharedLog, ...logOptions } = options;
  const sumdb = sharedLog
    ? new GoSumdb(sharedLog, storage.packages, modules)
    : await GoSumdb.open(join(dataDir, GOSUMDB_DIR), modules, storage.packages, logOptions);
  return {
    modules,
    sumdb,
    async onPublished(row) {
      if (row.type !== 'golang') return;
      const path = row.namespace ? `${row.namespace}/${row.name}` : row.name;
      try {
        await sumdb.add({ path, version: row.version, row });
      } catch {
        /* recorded on its first lookup instead */
      }
    },
    close: () => sumdb.close(),
  };
}
