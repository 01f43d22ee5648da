/**
 * The registry on PostgreSQL + an S3-compatible store (issue 19): what
 * `sigil serve --database … --objects …` opens instead of the SQLite stores
 * and the file log of its data folder.
 *
 * A replica keeps only keys in --data (the log key, the registry's signing
 * keys); every replica holds a copy of the same key files and shares
 * everything else through the engines: the registry's records through the
 * storage contracts, its log as a {@link SharedLog} (any replica appends, one
 * at a time integrates under an advisory lock).
 */
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { loadLogKey, loadOrCreateLogKey } from '../store/log-key.js';
import type { SequencerOptions } from '../store/sequencer.js';
import type { RegistryStorage } from '../store/registry/registry-storage.js';
import type { ScaleEngines } from '../store/scale/open-shared-log.js';
import type { SharedLog } from '../store/scale/shared-log.js';

export interface ScaleOutOptions {
  /** postgres://user@host/db (no password: PGPASSWORD or ~/.pgpass). */
  readonly database: string;
  /** s3://bucket[/prefix]?endpoint=…&region=… (credentials from the AWS SDK's chain). */
  readonly objects: string;
  /** Apply the migrations first, under their lock (safe on every replica). */
  readonly migrate?: boolean;
}

export interface RegistryScaleOut {
  readonly engines: ScaleEngines;
  /** The registry's log, shared by the replicas ("log" in the shared tables). */
  readonly log: SharedLog;
  /** Everything else the registry keeps: PostgreSQL tables and the bucket's blobs. */
  readonly storage: RegistryStorage;
  /** True when this start created the log key (the first replica of a new deployment). */
  readonly logKeyCreated: boolean;
  /** Where the data lives, for the start-up line (user hidden). */
  readonly location: string;
  close(): Promise<void>;
}

/**
 * openRegistryScaleOut connects to the engines (migrating under their lock
 * when asked; a schema not this code's is SCHEMA_TOO_OLD / SCHEMA_TOO_NEW)
 * and joins the registry's shared log with the log key of `<dataDir>/log`.
 * A new log key needs an explicit origin: replicas listen at different
 * addresses, and clients pin the one name they all sign with.
 */
export async function openRegistryScaleOut(
  options: ScaleOutOptions,
  dataDir: string,
  origin: string | undefined,
  sequencer: Omit<SequencerOptions, 'origin' | 'signers' | 'verifierKey'>,
): Promise<RegistryScaleOut> {
  const logDir = join(dataDir, 'log');
  if (origin === undefined && loadLogKey(logDir) === undefined)
    throw new InputError(
      'USAGE',
      `replicas share one log, and ${logDir} has no log key yet: name the log with --origin (or --public-url)`,
      {
        hint: 'start the first replica with --origin registry.example.org/log, then copy its --data folder (the keys) to every other replica',
      },
    );
  // Loaded only here: pg and the AWS SDK stay out of the embedded start-up.
  const [{ openEngines, joinSharedLog }, { scaleRegistryStorage }] = await Promise.all([
    import('../store/scale/open-shared-log.js'),
    import('../store/scale/scale-registry-storage.js'),
  ]);
  // One pool for the log's queue and polls and every registry table: 20 connections a replica.
  const engines = await openEngines(options, 20);
  try {
    const key = await loadOrCreateLogKey(logDir, origin);
    const log = await joinSharedLog(engines, key, { ...sequencer, origin: key.origin });
    const storage = scaleRegistryStorage(engines.pool, engines.objects, {
      description: engines.location,
    });
    return {
      engines,
      log,
      storage,
      logKeyCreated: key.created,
      location: engines.location,
      async close() {
        await log.close();
        await storage.close();
        await engines.close();
      },
    };
  } catch (e) {
    await engines.close();
    throw e;
  }
}
