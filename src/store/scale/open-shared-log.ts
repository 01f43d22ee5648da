/**
 * openSharedLog: what `sigil log serve --database … --objects …` runs — a
 * {@link SharedLog} on PostgreSQL + an S3-compatible store, signed with the
 * log key of the data directory (every replica holds a copy of the same
 * log.key; the key file is the only state a replica keeps).
 */
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

export async function openSharedLog(
  flags: Required<Pick<ScaleOutFlags, 'database' | 'objects'>> & ScaleOutFlags,
  key: LogKey,
  options: Omit<SequencerOptions, 'origin' | 'signers' | 'verifierKey'> & { origin: string },
): Promise<SharedLogHandle> {
  const location = parseObjectsUrl(flags.objects);
  const pool = openPostgres(flags.database);
  const objects = new S3Objects(location);
  const release = async (): Promise<void> => {
    await pool.end().catch(() => undefined);
    await objects.close();
  };
  try {
    if (flags.migrate) await runMigrations(pool);
    else await requireSchema(pool);
    const log = await SharedLog.open({
      ...options,
      signers: [key.signer],
      verifierKey: key.verifierKey,
      pool,
      content: new ContentStore(objects),
      databaseUrl: flags.database,
    });
    const close = log.close.bind(log);
    return Object.assign(log, {
      location: `${flags.database.replace(/\/\/[^@/]*@/, '//…@')} + ${objects.description}`,
      close: async () => {
        await close();
        await release();
      },
    });
  } catch (e) {
    await release();
    // At start-up an engine that cannot be reached is a configuration problem to name, not a crash.
    if (isUnavailable(e))
      throw new InputError(
        'ENGINE_UNREACHABLE',
        `cannot start: ${(e as Error).message.replace(/: nothing was written.*$/, '')} (${rootCause(e)})`,
        {
          hint: 'check --database and --objects, and that PostgreSQL and the object store are running and reachable from here',
        },
      );
    throw e;
  }
}
