/**
 * SharedLog: one transparency log served by N stateless replicas over
 * PostgreSQL + an S3-compatible store (Tessera's SQL/AWS drivers, adapted).
 *
 * Any replica accepts appends; one replica at a time integrates:
 *
 *   1. **Queue** (any replica). `append` inserts the entry into `log_queue`
 *      (unique per leaf hash: the dedup index of not-yet-integrated entries).
 *      The insert is a committed transaction, so the entry survives a kill -9
 *      of the replica from here on; it is not acknowledged yet.
 *   2. **Integrate** (the replica holding the log's advisory lock,
 *      `pg_try_advisory_lock` on a session of its own: when the process dies
 *      PostgreSQL ends the session and frees the lock, and another replica
 *      takes over at its next election tick). The integrator drains the
 *      queue in id order through a {@link SequencedLog} over
 *      {@link PgLogStorage}: tiles and bundles to the object store, then the
 *      commit point — size, root, checkpoint, dedup rows in one transaction,
 *      compare-and-swap on the size. A zombie integrator (lock session lost,
 *      process still running) can therefore never fork the log: its next
 *      commit fails the CAS or the one-root-per-size check.
 *   3. **Acknowledge** (the replica that queued it). `append` resolves once
 *      the entry's dedup row is committed: its index, and the checkpoint of a
 *      tree that contains it. Waiters are answered by one poll per replica.
 *
 * Where this differs from Tessera: Tessera hands out durable indexes at step
 * 1 (coordinator row `FOR UPDATE`); here the index is assigned at step 2,
 * because Sigil's contract acknowledges an append only once its checkpoint
 * exists anyway, and deduplicating at integration keeps one index per entry
 * without a second table. The queue id is the durable order.
 *
 * Reads (checkpoint, tiles, proofs, entries) come from a read-only view of
 * the committed tree, refreshed when PostgreSQL shows a newer size; content
 * addressed objects are cached, so cached reads go on while the object store
 * is down.
 */
import type pg from 'pg';
import { InputError } from '../../core/errors.js';
import { verifyCheckpoint } from '../../log/checkpoint.js';
import { MAX_ENTRY_SIZE } from '../../log/entry-bundle.js';
import { type Hash, recordHash } from '../../log/hash.js';
import { parseVerifierKey } from '../../log/note-key.js';
import { type AppendResult, PushbackError, type TransparencyLog } from '../../log/service.js';
import { StorageConflictError } from '../contract.js';
import { SequencedLog, type SequencerOptions } from '../sequencer.js';
import type { ContentStore } from './objects.js';
import { pgCall } from './pg.js';
import { PgLogStorage } from './pg-log-storage.js';
import { isUnavailable, StorageUnavailableError } from './unavailable.js';

export interface SharedLogOptions extends SequencerOptions {
  readonly pool: pg.Pool;
  readonly content: ContentStore;
  /** PostgreSQL connection string for the integrator's lock session. */
  readonly databaseUrl: string;
  /** Name of the log in the shared tables (default "log"). */
  readonly log?: string;
  /** Take part in integrator elections (default true; false = a read/queue-only replica). */
  readonly integrate?: boolean;
  /** How often waiting appends poll for their index, and the idle integrator for work (default 20 ms). */
  readonly pollMs?: number;
  /** How often a replica without the lock tries to take it (default 500 ms). */
  readonly electionMs?: number;
  /** An append not integrated within this long answers pushback (it stays queued; a retry is a duplicate). Default 30 s. */
  readonly appendTimeoutMs?: number;
}

interface Waiter {
  readonly hash: Hash;
  readonly key: string;
  readonly queued: boolean;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
  readonly deadline: number;
}

/** A stable 63-bit advisory lock key per log name. */
function lockKey(log: string): string {
  let h = 0x5191n;
  for (const c of Buffer.from(`sigil-integrator:${log}`))
    h = (h * 1099511628211n + BigInt(c)) & 0x7fffffffffffffffn;
  return h.toString();
}

export class SharedLog implements TransparencyLog {
  readonly origin: string;
  readonly verifierKey: string;
  private readonly pool: pg.Pool;
  private readonly log: string;
  private readonly pollMs: number;
  private readonly waiters = new Map<string, Waiter[]>();
  private polling: NodeJS.Timeout | undefined;
  private electing: NodeJS.Timeout | undefined;
  private integrator: { client: pg.Client; seq: SequencedLog; lost: boolean } | undefined;
  private integrating: Promise<void> | undefined;
  private view: { seq: SequencedLog; size: number; at: number } | undefined;
  private viewing: Promise<SequencedLog> | undefined;
  private closed = false;
  /**
   * The largest tree an append of this replica was acknowledged in. Reads start at least
   * there: whoever was told "index I" and then asks for the checkpoint gets one that holds I
   * (the embedded log's order), not a view read before the integrator committed I.
   */
  private ackedSize = 0;
  /**
   * size: the newest committed tree size this replica has read (0 before its first read).
   * Other replicas may have integrated more since; `latestCheckpoint` reads the current one.
   */
  get size(): number {
    return this.view?.size ?? 0;
  }
  /** Whether this replica holds the integrator lock (tests, status lines). */
  get isIntegrator(): boolean {
    return this.integrator !== undefined && !this.integrator.lost;
  }

  private constructor(private readonly options: SharedLogOptions) {
    const first = options.signers[0] as { publicKey?: Uint8Array } | undefined;
    if (options.verifierKey === undefined && first?.publicKey === undefined)
      throw new InputError('LOG_CONFIG', "cannot derive the log's verifier key: pass verifierKey");
    this.origin = options.origin;
    this.verifierKey = options.verifierKey ?? '';
    this.pool = options.pool;
    this.log = options.log ?? 'log';
    this.pollMs = options.pollMs ?? 20;
  }

  /** open joins (or starts) the shared log: checks that the stored log is this key's, then joins integrator elections. */
  static async open(options: SharedLogOptions): Promise<SharedLog> {
    const me = new SharedLog(options);
    const state = await me.storage(false).loadState();
    if (state === undefined) {
      // The first replica ever creates the empty tree (CAS: of replicas racing here one wins).
      const seq = await SequencedLog.open(me.storage(false), options).catch((e: unknown) => {
        if (e instanceof StorageConflictError) return undefined;
        throw e;
      });
      await seq?.close();
    } else {
      // Another key signed this log: refuse instead of signing a second lineage.
      const v = verifyCheckpoint(state.checkpoint, [parseVerifierKey(options.verifierKey!)], {
        origin: options.origin,
      });
      if (!v.ok)
        throw new InputError(
          'LOG_KEY_MISMATCH',
          `the log "${me.log}" in this database is not signed by this log key (${v.check.reason})`,
          {
            hint: 'every replica must use the same log key file and origin; copy log.key from the first replica',
          },
        );
    }
    if (options.integrate !== false) {
      me.electing = setInterval(() => void me.elect(), options.electionMs ?? 500);
      await me.elect();
    }
    return me;
  }

  private reader: PgLogStorage | undefined;

  /** storage returns a fresh writer storage, or the one read-only storage every view shares (its path cache survives refreshes). */
  private storage(readOnly: boolean): PgLogStorage {
    if (readOnly)
      return (this.reader ??= new PgLogStorage(this.pool, this.options.content, {
        log: this.log,
        readOnly,
      }));
    return new PgLogStorage(this.pool, this.options.content, { log: this.log, readOnly });
  }

  // ── appends ─────────────────────────────────────────────────────────

  async append(entry: Uint8Array): Promise<AppendResult> {
    if (this.closed) throw new InputError('LOG_CLOSED', 'the log is closed');
    if (!(entry instanceof Uint8Array))
      throw new InputError('ENTRY_INVALID', 'an entry must be bytes');
    if (entry.length > MAX_ENTRY_SIZE)
      throw new InputError(
        'ENTRY_TOO_LARGE',
        `entry of ${entry.length} bytes is over the ${MAX_ENTRY_SIZE}-byte limit of tlog-tiles entry bundles`,
      );
    const hash = recordHash(entry);
    const key = Buffer.from(hash).toString('hex');
    const queued = await pgCall('queue an entry', async () => {
      const r = await this.pool.query(
        `INSERT INTO log_queue (log, hash, entry)
         SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM log_dedup WHERE log = $1 AND hash = $2)
         ON CONFLICT (log, hash) DO NOTHING`,
        [this.log, Buffer.from(hash), Buffer.from(entry)],
      );
      return r.rowCount === 1;
    });
    return new Promise<AppendResult>((resolve, reject) => {
      const w: Waiter = {
        hash,
        key,
        queued,
        resolve,
        reject,
        deadline: Date.now() + (this.options.appendTimeoutMs ?? 30_000),
      };
      const list = this.waiters.get(key);
      if (list) list.push(w);
      else this.waiters.set(key, [w]);
      this.polling ??= setTimeout(() => void this.poll(), queued ? this.pollMs : 0);
    });
  }

  /** poll answers every waiting append whose entry has been integrated (one query for all of them). */
  private async poll(): Promise<void> {
    const keys = [...this.waiters.keys()];
    try {
      const r = await pgCall('poll integrated entries', () =>
        this.pool.query<{ hash: Buffer; idx: string; size: string; checkpoint: string }>(
          `SELECT d.hash, d.idx, s.size, s.checkpoint FROM log_dedup d JOIN log_state s ON s.log = d.log
           WHERE d.log = $1 AND d.hash = ANY($2::bytea[])`,
          [this.log, keys.map((k) => Buffer.from(k, 'hex'))],
        ),
      );
      for (const row of r.rows) {
        const k = row.hash.toString('hex');
        this.ackedSize = Math.max(this.ackedSize, Number(row.size));
        for (const w of this.waiters.get(k) ?? [])
          w.resolve({
            index: Number(row.idx),
            treeSize: Number(row.size),
            checkpoint: row.checkpoint,
            duplicate: !w.queued,
          });
        this.waiters.delete(k);
      }
      const now = Date.now();
      for (const [k, list] of this.waiters) {
        const late = list.filter((w) => w.deadline <= now);
        for (const w of late)
          w.reject(new PushbackError(Math.max(1, Math.ceil(this.pollMs / 1000))));
        const rest = list.filter((w) => w.deadline > now);
        if (rest.length === 0) this.waiters.delete(k);
        else this.waiters.set(k, rest);
      }
    } catch (e) {
      // PostgreSQL went away: every waiter answers 503 + Retry-After (its entry stays queued if it was).
      for (const list of this.waiters.values()) for (const w of list) w.reject(e);
      this.waiters.clear();
    } finally {
      this.polling = undefined;
      if (this.waiters.size > 0) this.polling = setTimeout(() => void this.poll(), this.pollMs);
    }
  }

  // ── integration ─────────────────────────────────────────────────────

  /** elect tries to take the integrator lock; the holder drains the queue. */
  private async elect(): Promise<void> {
    if (this.closed || this.integrator !== undefined) return;
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({
      connectionString: this.options.databaseUrl,
      // Names the lock holder in pg_stat_activity (operators, and the take-over test).
      application_name: `sigil-integrator pid=${process.pid}`,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        lockKey(this.log),
      ]);
      if (!r.rows[0]!.ok || this.closed) {
        await client.end();
        return;
      }
    } catch {
      await client.end().catch(() => undefined);
      return; // PostgreSQL unreachable: try again next tick
    }
    let seq: SequencedLog;
    try {
      seq = await SequencedLog.open(this.storage(false), this.options);
    } catch {
      await client.end().catch(() => undefined);
      return;
    }
    const me = { client, seq, lost: false };
    // The lock lives as long as this session: when it ends, stop integrating at once.
    client.on('end', () => (me.lost = true));
    client.on('error', () => (me.lost = true));
    this.integrator = me;
    this.integrating = this.drain(me).finally(async () => {
      this.integrator = undefined;
      await seq.close().catch(() => undefined);
      await client.end().catch(() => undefined);
    });
  }

  /** drain moves queued entries into the tree in queue order while this replica holds the lock. */
  private async drain(me: { client: pg.Client; seq: SequencedLog; lost: boolean }): Promise<void> {
    const batch = 1024;
    while (!this.closed && !me.lost) {
      let rows: { id: string; entry: Buffer }[];
      try {
        rows = (
          await this.pool.query<{ id: string; entry: Buffer }>(
            'SELECT id, entry FROM log_queue WHERE log = $1 ORDER BY id LIMIT $2',
            [this.log, batch],
          )
        ).rows;
      } catch {
        return; // unreachable: give the lock up (the session is likely gone too)
      }
      if (rows.length === 0) {
        await new Promise((r) => setTimeout(r, this.pollMs));
        continue;
      }
      const results = await Promise.allSettled(
        rows.map((r) => me.seq.append(new Uint8Array(r.entry))),
      );
      const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (bad) {
        // Pushback or an engine outage: back off and let the sequencer recover; a conflict
        // (another integrator committed) or a latched failure: give the lock up and re-elect.
        if (
          (bad.reason instanceof PushbackError || isUnavailable(bad.reason)) &&
          !(bad.reason instanceof StorageConflictError)
        ) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        return;
      }
      try {
        await this.pool.query('DELETE FROM log_queue WHERE log = $1 AND id = ANY($2::bigint[])', [
          this.log,
          rows.map((r) => r.id),
        ]);
      } catch {
        return; // they are integrated (dedup rows committed); the next integrator's appends are duplicates
      }
    }
  }

  // ── reads ───────────────────────────────────────────────────────────

  /**
   * current returns a read view of the committed tree, at least `minSize` big when the
   * database has that much. Refreshed when PostgreSQL shows a newer size (checked at most
   * every 50 ms unless a caller needs a bigger tree); while PostgreSQL is unreachable the
   * last view keeps serving.
   */
  private async current(minSize = 0): Promise<SequencedLog> {
    // A refresh already under way may have read the state before `minSize` was committed: again.
    let seq = await this.refreshed(minSize);
    for (let i = 1; i <= 3 && seq.size < minSize; i++) {
      await new Promise((r) => setTimeout(r, 25 * i));
      seq = await this.refreshed(minSize);
    }
    // Only an older tree is at hand (PostgreSQL unreachable): pushback, never a proof against
    // a tree that does not hold what was asked for.
    if (seq.size < minSize)
      throw new StorageUnavailableError(`the log "${this.log}" at size ${minSize}`);
    return seq;
  }

  private async refreshed(minSize: number): Promise<SequencedLog> {
    const v = this.view;
    if (v && v.size >= minSize && Date.now() - v.at < 50) return v.seq;
    this.viewing ??= (async () => {
      try {
        const st = await this.storage(true).loadState();
        if (st === undefined)
          throw new StorageUnavailableError(`the log "${this.log}" (no state yet)`);
        if (v && v.size === st.size) {
          v.at = Date.now();
          return v.seq;
        }
        const seq = await SequencedLog.open(this.storage(true), this.options);
        this.view = { seq, size: seq.size, at: Date.now() };
        return seq;
      } catch (e) {
        if (v && (isUnavailable(e) || e instanceof PushbackError)) return v.seq;
        throw e;
      } finally {
        this.viewing = undefined;
      }
    })();
    return this.viewing;
  }

  async latestCheckpoint(): Promise<string> {
    return (await this.current(this.ackedSize)).latestCheckpoint();
  }

  async readTile(path: string): Promise<Uint8Array | undefined> {
    return (await this.current(this.ackedSize)).readTile(path);
  }

  async inclusionProof(index: number, treeSize: number): Promise<Hash[]> {
    return (await this.current(treeSize)).inclusionProof(index, treeSize);
  }

  async consistencyProof(size1: number, size2: number): Promise<Hash[]> {
    return (await this.current(size2)).consistencyProof(size1, size2);
  }

  async readEntry(index: number): Promise<Uint8Array | undefined> {
    return (await this.current(index + 1)).readEntry(index);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.electing) clearInterval(this.electing);
    await this.integrating;
    while (this.polling) await new Promise((r) => setTimeout(r, this.pollMs));
  }
}
