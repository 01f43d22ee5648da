/**
 * GoSumdb: Go's checksum database (golang.org/x/mod/sumdb, design 25530) as a
 * personality of the one log engine — a second {@link FileLog} in
 * `<data>/gosumdb/` whose leaves are go.sum records and whose checkpoints are
 * Go tree notes:
 *
 *   origin line   "go.sum database tree" (the go command demands exactly this)
 *   key           a Go note key named after the server (e.g. 127.0.0.1:8080/go),
 *                 fixed when the key is created; its vkey goes into GOSUMDB
 *   leaf          "<mod> <ver> h1:…\n<mod> <ver>/go.mod h1:…\n"
 *
 * Hash tiles are the engine's C2SP tiles byte for byte; data tiles are the
 * record texts concatenated (read back from the entry bundles).
 *
 * When records are made: at publish (the registry's onPublished hook), so the
 * tree already holds a version when the first client asks; a version the hook
 * missed (a crash between publish and append, a release from before the
 * sumdb existed) is recorded on its first lookup, like proxy.golang.org.
 *
 * Immutability: `records.sqlite` maps module@version to the record id, first
 * write wins; later lookups always answer that id and the text stored in the
 * log at it. The map is derived state — after a crash between append and
 * insert, the next lookup appends the same record again and the log's dedup
 * returns the same id.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseEntryBundle } from '../../../log/entry-bundle.js';
import { ENTRIES_LEVEL, formatTilePath, TILE_WIDTH } from '../../../log/tile-path.js';
import { type FileLog, openFileLog } from '../../../store/file-log.js';
import { formatGoSumRecord, type GoModules, type ModuleVersion } from './modules.js';

/** SUMDB_ORIGIN is the origin line of every Go checksum database tree note (sumdb/tlog FormatTree). */
export const SUMDB_ORIGIN = 'go.sum database tree';

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

export class GoSumdb {
  private constructor(
    readonly log: FileLog,
    private readonly db: Database.Database,
    private readonly modules: GoModules,
  ) {}

  /** open opens (creating on first use) the database in `dir`. */
  static async open(dir: string, modules: GoModules, options: GoSumdbOptions): Promise<GoSumdb> {
    const log = await openFileLog(dir, {
      origin: SUMDB_ORIGIN,
      keyName: options.keyName,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.batchIntervalMs !== undefined
        ? { batchIntervalMs: options.batchIntervalMs }
        : {}),
    });
    const db = new Database(join(dir, 'records.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE IF NOT EXISTS record (path TEXT NOT NULL, version TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (path, version))',
    );
    return new GoSumdb(log, db, modules);
  }

  /** name is the key name: the database's name in GOSUMDB and in the go command's cache. */
  get name(): string {
    return this.log.verifierKey.split('+')[0]!;
  }

  /** vkey is the verifier key to put in GOSUMDB. */
  get vkey(): string {
    return this.log.verifierKey;
  }

  private known(path: string, version: string): number | undefined {
    const r = this.db
      .prepare('SELECT id FROM record WHERE path = ? AND version = ?')
      .get(path, version) as { id: number } | undefined;
    return r?.id;
  }

  /** add records a published module version (idempotent: an existing record keeps its id). */
  async add(m: ModuleVersion): Promise<SumdbRecord | undefined> {
    const have = this.known(m.path, m.version);
    if (have !== undefined) return this.read(have);
    const hashes = await this.modules.hashes(m);
    if (!hashes) return undefined;
    const text = formatGoSumRecord(m.path, m.version, hashes);
    const r = await this.log.append(Buffer.from(text, 'utf8'));
    this.db
      .prepare('INSERT OR IGNORE INTO record (path, version, id) VALUES (?, ?, ?)')
      .run(m.path, m.version, r.index);
    return this.read(this.known(m.path, m.version)!);
  }

  private async read(id: number): Promise<SumdbRecord | undefined> {
    const e = await this.log.readEntry(id);
    return e === undefined ? undefined : { id, text: Buffer.from(e).toString('utf8') };
  }

  /** lookup finds the record of path@version, recording a published version on first sight; undefined when Sigil has no such version. */
  async lookup(path: string, version: string): Promise<SumdbRecord | undefined> {
    const have = this.known(path, version);
    if (have !== undefined) return this.read(have);
    const m = this.modules.get(path, version);
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
    const size = this.log.size;
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

  async close(): Promise<void> {
    await this.log.close();
    this.db.close();
  }
}
