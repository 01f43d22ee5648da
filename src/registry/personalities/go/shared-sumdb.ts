/**
 * openSharedSumdbLog: the Go checksum database's log for replicas — a
 * SharedLog named {@link SUMDB_LOG_NAME} in the same PostgreSQL tables and
 * bucket as the registry's log (its own rows: size, tree, dedup, queue and
 * its own integrator lock), signed with `<data>/gosumdb/log.key`.
 *
 * Every replica must hold a copy of the same gosumdb/log.key, as it holds the
 * registry's log key: a replica that made a key of its own is refused
 * (LOG_KEY_MISMATCH) instead of signing a second tree the go command would
 * report as "go.sum database server misbehavior". The first replica ever
 * creates the key when none is there; copy it to the others before they start.
 */
import { mkdirSync } from 'node:fs';
import type pg from 'pg';
import type { ContentStore } from '../../../store/scale/objects.js';
import { SharedLog, type SharedLogOptions } from '../../../store/scale/shared-log.js';
import { createLogKey, loadLogKey } from '../../../store/log-key.js';
import { SUMDB_LOG_NAME, SUMDB_ORIGIN } from './sumdb.js';

export interface SharedSumdbOptions {
  /** Key name for a new database's key (an existing key keeps its name). */
  readonly keyName: string;
  readonly pool: pg.Pool;
  readonly content: ContentStore;
  /** PostgreSQL connection string, for the integrator's lock session. */
  readonly databaseUrl: string;
  /** Election, polling and batching knobs of the SharedLog (tests shorten them). */
  readonly log?: Partial<
    Pick<SharedLogOptions, 'electionMs' | 'pollMs' | 'appendTimeoutMs' | 'batchSize' | 'integrate'>
  >;
}

/** openSharedSumdbLog opens (the first replica: creates) the checksum database's shared log; `dir` is `<data>/gosumdb`. */
export async function openSharedSumdbLog(dir: string, o: SharedSumdbOptions): Promise<SharedLog> {
  mkdirSync(dir, { recursive: true });
  const key = loadLogKey(dir) ?? (await createLogKey(dir, o.keyName));
  return SharedLog.open({
    ...o.log,
    origin: SUMDB_ORIGIN,
    signers: [key.signer],
    verifierKey: key.verifierKey,
    pool: o.pool,
    content: o.content,
    databaseUrl: o.databaseUrl,
    log: SUMDB_LOG_NAME,
  });
}
