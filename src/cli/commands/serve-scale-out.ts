/**
 * Which engines `sigil serve` runs on: the embedded default (SQLite + files
 * under --data) unless `--database`/`--objects` (or the config file's
 * `database`/`objects`; the flags win) name PostgreSQL + an S3-compatible
 * store shared by every replica. The rules are `sigil log serve`'s: both or
 * neither, the right URL kinds, no credentials in either URL, `--migrate`
 * only with a database. Checked before anything is created.
 */
import { InputError } from '../../core/errors.js';

export interface ScaleOutChoice {
  readonly database: string;
  readonly objects: string;
  readonly migrate: boolean;
}

export interface ScaleOutFlags {
  readonly database?: string;
  readonly objects?: string;
  readonly migrate?: boolean;
}

/** scaleOutChoice returns the scale-out engines asked for, or undefined for the embedded default. */
export async function scaleOutChoice(
  flags: ScaleOutFlags,
  fromFile: { readonly database?: string; readonly objects?: string } | undefined,
  file: string | undefined,
): Promise<ScaleOutChoice | undefined> {
  const database = flags.database ?? fromFile?.database;
  const objects = flags.objects ?? fromFile?.objects;
  if (database === undefined && objects === undefined && !flags.migrate) return undefined;
  const where = (flag: string | undefined, key: string): string =>
    flag !== undefined ? `--${key}` : `${key} in ${file ?? 'the config file'}`;
  if (database === undefined || objects === undefined) {
    if (database === undefined && objects === undefined)
      throw new InputError('USAGE', '--migrate needs --database (and --objects)', {
        hint: 'migrations apply to the PostgreSQL database named by --database',
      });
    throw new InputError(
      'USAGE',
      database === undefined
        ? `${where(flags.objects, 'objects')} needs --database: PostgreSQL holds the registry's records and says which objects belong to the log`
        : `${where(flags.database, 'database')} needs --objects: artifacts, tiles and entry bundles live in an S3-compatible store`,
      {
        hint: 'pass both, e.g. --database postgres://sigil@db/sigil --objects s3://sigil?endpoint=http://minio:9000 (docs/scale-out.md)',
      },
    );
  }
  // Loaded only here: pg and the AWS SDK stay out of the embedded start-up.
  const [{ checkDatabaseUrl }, { parseObjectsUrl }] = await Promise.all([
    import('../../store/scale/pg.js'),
    import('../../store/scale/s3-objects.js'),
  ]);
  checkDatabaseUrl(database, where(flags.database, 'database'));
  parseObjectsUrl(objects, where(flags.objects, 'objects'));
  return { database, objects, migrate: Boolean(flags.migrate) };
}
