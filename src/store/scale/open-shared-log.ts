/**
 * openSharedLog: what `sigil log serve --database … --objects …` runs — a
 * {@link SharedLog} on PostgreSQL + an S3-compatible store, signed with the
 * log key of the data directory (every replica holds a copy of the same
 * log.key; the key file is the only state a replica keeps).
 */
import type pg from 'pg';
import { InputError } from '../../core/errors.js';
import type { LogKey } from '../log-key.js';
import type { SequencerOptions } from '../sequencer.js';
import { ContentStore } from './objects.js';
import { migrate as runMigrations, openPostgres, requireSchema } from './pg.js';
import { parseObjectsUrl, S3Objects } from './s3-objects.js';
import { SharedLog } from './shared-log.js';
import { isUnavailable } from './unavailable.js';

/** rootCause: the innermost message of an error chain (e.g. "connect ECONNREFUSED 10.0.0.5:5432"). */
function rootCause(e: unknown): string {
  let cur = e as { cause?: unknown; message?: string };
  while (cur.cause !== undefined && cur.cause !== null && typeof cur.cause === 'object')
    cur = cur.cause as typeof cur;
  return cur.message ?? String(cur);
}

export interface ScaleOutFlags {
  readonly database?: string;
  readonly objects?: string;
  readonly migrate?: boolean;
}

/** scaleOutRequested says whether the flags ask for PostgreSQL + S3; refuses half a configuration. */
export function scaleOutRequested(flags: ScaleOutFlags): boolean {
  if ((flags.database === undefined) !== (flags.objects === undefined))
    throw new InputError(
      'USAGE',
      flags.database === undefined
        ? '--objects needs --database: the object store holds tiles, PostgreSQL says which belong to the log'
        : '--database needs --objects: tiles and entry bundles live in an S3-compatible store',
      {
        hint: 'pass both, e.g. --database postgres://sigil@db/sigil --objects s3://sigil-log?endpoint=http://minio:9000',
      },
    );
  if (flags.migrate && flags.database === undefined)
    throw new InputError('USAGE', '--migrate needs --database', {
      hint: 'migrations apply to the PostgreSQL database named by --database',
    });
  return flags.database !== undefined;
}

export type SharedLogHandle = SharedLog & { readonly location: string };

/** ScaleEngines: one replica's connections to the shared engines (a pool, the bucket). */
export interface ScaleEngines {
  readonly pool: pg.Pool;
  readonly objects: S3Objects;
  /** Where the data lives, for start-up lines: the URL's user is hidden, never a password (none is accepted). */
  readonly location: string;
  readonly databaseUrl: string;
  close(): Promise<void>;
}

/**
 * openEngines connects to PostgreSQL and the object store, applies the
 * migrations under their lock when `migrate` (else refuses a schema that is
 * not this code's: SCHEMA_TOO_OLD / SCHEMA_TOO_NEW). An engine that cannot be
 * reached at start-up is ENGINE_UNREACHABLE, a configuration problem to name.
 */
export async function openEngines(
  flags: Required<Pick<ScaleOutFlags, 'database' | 'objects'>> & ScaleOutFlags,
  poolSize?: number,
): Promise<ScaleEngines> {
  const location = parseObjectsUrl(flags.objects);
  const pool = openPostgres(flags.database, poolSize);
  const objects = new S3Objects(location);
  const close = async (): Promise<void> => {
    await pool.end().catch(() => undefined);
    await objects.close();
  };
  try {
    if (flags.migrate) await runMigrations(pool);
    else await requireSchema(pool);
  } catch (e) {
    await close();
    throw startError(e);
  }
  return {
    pool,
    objects,
    location: `${flags.database.replace(/\/\/[^@/]*@/, '//…@')} + ${objects.description}`,
    databaseUrl: flags.database,
    close,
  };
}

/** startError: at start-up an engine that cannot be reached is a configuration problem to name, not a crash. */
export function startError(e: unknown): unknown {
  if (!isUnavailable(e)) return e;
  return new InputError(
    'ENGINE_UNREACHABLE',
    `cannot start: ${(e as Error).message.replace(/: nothing was written.*$/, '')} (${rootCause(e)})`,
    {
      hint: 'check --database and --objects, and that PostgreSQL and the object store are running and reachable from here',
    },
  );
}

/** joinSharedLog opens the log named `log` (default "log") in the shared tables, over engines already open; closing it leaves them open. */
export async function joinSharedLog(
  engines: ScaleEngines,
  key: LogKey,
  options: Omit<SequencerOptions, 'origin' | 'signers' | 'verifierKey'> & {
    origin: string;
    log?: string;
  },
): Promise<SharedLog> {
  try {
    return await SharedLog.open({
      ...options,
      signers: [key.signer],
      verifierKey: key.verifierKey,
      pool: engines.pool,
      content: new ContentStore(engines.objects),
      databaseUrl: engines.databaseUrl,
    });
  } catch (e) {
    throw startError(e);
  }
}

export async function openSharedLog(
  flags: Required<Pick<ScaleOutFlags, 'database' | 'objects'>> & ScaleOutFlags,
  key: LogKey,
  options: Omit<SequencerOptions, 'origin' | 'signers' | 'verifierKey'> & { origin: string },
): Promise<SharedLogHandle> {
  const engines = await openEngines(flags);
  let log: SharedLog;
  try {
    log = await joinSharedLog(engines, key, options);
  } catch (e) {
    await engines.close();
    throw e;
  }
  const close = log.close.bind(log);
  return Object.assign(log, {
    location: engines.location,
    close: async () => {
      await close();
      await engines.close();
    },
  });
}
