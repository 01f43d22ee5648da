/**
 * GoSumdb: Go's checksum database (golang.org/x/mod/sumdb, design 25530) as a
 * personality of the one log engine — a second log whose leaves are go.sum
 * records and whose checkpoints are Go tree notes:
 *
 *   origin line   "go.sum database tree" (the go command demands exactly this)
 *   key           a Go note key named after the server (e.g. 127.0.0.1:8080/go),
 *                 fixed when the key is created; its vkey goes into GOSUMDB
 *   leaf          "<mod> <ver> h1:…\n<mod> <ver>/go.mod h1:…\n"
 *
 * Where the log lives: embedded, a {@link FileLog} in `<data>/gosumdb/`
 * ({@link GoSumdb.open}); with replicas, a SharedLog named "gosumdb" in the
 * same PostgreSQL tables and bucket as the registry's log, signed with the
 * same `<data>/gosumdb/log.key` on every replica (shared-sumdb.ts).
 *
 * Hash tiles are the engine's C2SP tiles byte for byte; data tiles are the
 * record texts concatenated (read back from the entry bundles).
 *
 * When records are made: at publish (the registry's onPublished hook), so the
 * tree already holds a version when the first client asks; a version the hook
 * missed (a crash between publish and append, a release from before the
 * sumdb existed) is recorded on its first lookup, like proxy.golang.org.
 *
 * Immutability: the record ids (PackageState's `sumdbRecord`, in
 * gosumdb/records.sqlite embedded, table sumdb_record with replicas) map
 * module@version to the record id, first write wins; later lookups always
 * answer that id and the text stored in the log at it. The map is derived
 * state — after a crash between append and insert, the next lookup appends
 * the same record again and the log's dedup returns the same id; replicas
 * racing a first record append the same bytes and agree on its index.
 */
import { parseEntryBundle } from '../../../log/entry-bundle.js';
import type { TransparencyLog } from '../../../log/service.js';
import { ENTRIES_LEVEL, formatTilePath, TILE_WIDTH } from '../../../log/tile-path.js';
import { openFileLog } from '../../../store/file-log.js';
import type { PackageState } from '../../../store/registry/package-state.js';
import { checkpointSize } from '../../records.js';
import { formatGoSumRecord, type GoSumHashes, type ModuleVersion } from './modules.js';

/** SUMDB_ORIGIN is the origin line of every Go checksum database tree note (sumdb/tlog FormatTree). */
export const SUMDB_ORIGIN = 'go.sum database tree';

/** SUMDB_LOG_NAME names the checksum database's log in the shared log tables (the registry's is "log"). */
export const SUMDB_LOG_NAME = 'gosumdb';

export interface GoSumdbOptions {
  /** Key name for a new database (an existing one keeps its key). */
  readonly keyName: string;
  readonly batchSize?: number;
  readonly batchIntervalMs?: number;
}

/** SumdbRecord is a record of the database: its id (leaf index) and text. */
export interface SumdbRecord {
  readonly id: number;
  readonly text: string;
}

/** SumdbRecordIds: where module@version → record id is kept (PackageState's part of it). */
export type SumdbRecordIds = Pick<PackageState, 'sumdbRecord' | 'recordSumdb'>;

/** SumdbModules: the published module versions the database records (GoModules). */
export interface SumdbModules {
  get(
    path: string,
    version: string,
  ): ModuleVersion | undefined | Promise<ModuleVersion | undefined>;
  hashes(m: ModuleVersion): Promise<GoSumHashes | undefined>;
}

export class GoSumdb {
  constructor(
    readonly log: TransparencyLog,
    private readonly records: SumdbRecordIds,
    private readonly modules: SumdbModules,
  ) {}

  /** open opens (creating on first use) the embedded database in `dir`. */
  static async open(
    dir: string,
    modules: SumdbModules,
    records: SumdbRecordIds,
    options: GoSumdbOptions,
  ): Promise<GoSumdb> {
    const log = await openFileLog(dir, {
      origin: SUMDB_ORIGIN,
      keyName: options.keyName,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.batchIntervalMs !== undefined
        ? { batchIntervalMs: options.batchIntervalMs }
        : {}),
    });
    return new GoSumdb(log, records, modules);
  }

  /** name is the key name: the database's name in GOSUMDB and in the go command's cache. */
  get name(): string {
    return this.log.verifierKey.split('+')[0]!;
  }

  /** vkey is the verifier key to put in GOSUMDB. */
  get vkey(): string {
    return this.log.verifierKey;
  }

  /** add records a published module version (idempotent: an existing record keeps its id). */
  async add(m: ModuleVersion): Promise<SumdbRecord | undefined> {
    const have = await this.records.sumdbRecord(m.path, m.version);
    if (have !== undefined) return this.read(have);
    const hashes = await this.modules.hashes(m);
    if (!hashes) return undefined;
    const text = formatGoSumRecord(m.path, m.version, hashes);
    const r = await this.log.append(Buffer.from(text, 'utf8'));
    return this.read(await this.records.recordSumdb(m.path, m.version, r.index));
  }

  private async read(id: number): Promise<SumdbRecord | undefined> {
    const e = await this.log.readEntry(id);
    return e === undefined ? undefined : { id, text: Buffer.from(e).toString('utf8') };
  }

  /** lookup finds the record of path@version, recording a published version on first sight; undefined when Sigil has no such version. */
  async lookup(path: string, version: string): Promise<SumdbRecord | undefined> {
    const have = await this.records.sumdbRecord(path, version);
    if (have !== undefined) return this.read(have);
    const m = await this.modules.get(path, version);
    return m ? this.add(m) : undefined;
  }

  /** signedTree is the latest signed tree note. */
  signedTree(): Promise<string> {
    return this.log.latestCheckpoint();
  }

  /** hashTile serves tile/8/<L>/<N>[.p/<W>]: the engine's C2SP hash tile. */
  hashTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return this.log.readTile(formatTilePath({ level, index, width }));
  }

  /** dataTile serves tile/8/data/<N>[.p/<W>]: the records of those leaves, concatenated. */
  async dataTile(index: number, width: number): Promise<Uint8Array | undefined> {
    const size = checkpointSize(await this.log.latestCheckpoint());
    if (index * TILE_WIDTH + width > size) return undefined;
    const bundle = await this.log.readTile(formatTilePath({ level: ENTRIES_LEVEL, index, width }));
    if (bundle !== undefined) return Buffer.concat(parseEntryBundle(bundle, width));
    // A width that was never a committed size (or a pruned partial): rebuild from the entries.
    const out: Uint8Array[] = [];
    for (let k = 0; k < width; k++) {
      const e = await this.log.readEntry(index * TILE_WIDTH + k);
      if (e === undefined) return undefined;
      out.push(e);
    }
    return Buffer.concat(out);
  }

  /** close closes the log (the record ids belong to whoever opened them). */
  async close(): Promise<void> {
    await this.log.close();
  }
}
