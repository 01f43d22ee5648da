/**
 * The Go personality of `sigil serve`: a module proxy over the releases of
 * type golang, and a checksum database over a second log instance in
 * `<data>/gosumdb/`. See routes.ts for the endpoints, sumdb.ts for the
 * key/origin decision and when records are appended.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TransparencyLog } from '../../../log/service.js';
import type { ReleaseRow, ReleaseStore } from '../../../store/registry/releases.js';
import { SqlitePackageState } from '../../../store/registry/sqlite-package-state.js';
import { GoModules } from './modules.js';
import { GoSumdb, type SumdbRecordIds } from './sumdb.js';

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
  store: ReleaseStore,
  options: {
    keyName: string;
    batchSize?: number;
    batchIntervalMs?: number;
    /** With replicas: the shared log (openSharedSumdbLog) and PackageState's record ids. Default: files and SQLite in <data>/gosumdb. */
    shared?: { readonly log: TransparencyLog; readonly records: SumdbRecordIds };
  },
): Promise<GoPersonality> {
  const modules = new GoModules(store);
  const dir = join(dataDir, GOSUMDB_DIR);
  let owned: { close(): Promise<void> } | undefined;
  let sumdb: GoSumdb;
  if (options.shared) sumdb = new GoSumdb(options.shared.log, options.shared.records, modules);
  else {
    mkdirSync(dir, { recursive: true });
    const records = new SqlitePackageState(store.db, join(dir, 'records.sqlite'));
    owned = records;
    const { shared: _, ...logOptions } = options;
    sumdb = await GoSumdb.open(dir, modules, records, logOptions).catch(async (e: unknown) => {
      await records.close();
      throw e;
    });
  }
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
    async close() {
      await sumdb.close();
      await owned?.close();
    },
  };
}
