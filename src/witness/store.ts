/**
 * WitnessStore: a witness's durable state in SQLite (`<dir>/witness.db`),
 * the litewitness model —
 *
 *   log(origin PRIMARY KEY, tree_size, tree_hash, checkpoint)   latest cosigned tree per log
 *   key(origin, vkey)                                           trusted log keys
 *
 * addCheckpoint is the atomic check-and-persist of c2sp.org/tlog-witness:
 * inside one IMMEDIATE transaction (SQLite's write lock, across processes
 * too) it reads the latest state, runs the pure decision, signs, and stores
 * the new state with a compare-and-swap UPDATE (`WHERE tree_size = old AND
 * tree_hash = old`), so a rollback race can never make it cosign two trees;
 * synchronous = FULL makes the commit durable before the answer is sent.
 * The cosignature is made before COMMIT: a crash between the two loses a
 * signature nobody saw, never the state it vouches for.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import {
  type AddCheckpointOutcome,
  type AddCheckpointRequest,
  decideAddCheckpoint,
  type WitnessState,
} from '../log/add-checkpoint.js';
import { addCosignatures, cosign, parseCosignatureLines } from '../log/cosignature.js';
import {
  formatVerifierKey,
  type NoteSigner,
  type NoteVerifier,
  parseVerifierKey,
  SIG_ED25519,
} from '../log/note-key.js';

/** AddCheckpointResult is the outcome plus, on success, the response body (cosignature lines). */
export type AddCheckpointResult = AddCheckpointOutcome & { readonly body?: string };

/** WitnessedLog is one configured log and what the witness holds for it. */
export interface WitnessedLog {
  readonly origin: string;
  readonly vkeys: readonly string[];
  readonly size: number | undefined;
  readonly hash: string | undefined;
}

export class WitnessStore {
  private readonly db: Database.Database;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.db = new Database(join(dir, 'witness.db'), { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS log (origin TEXT PRIMARY KEY, tree_size INTEGER NOT NULL, tree_hash BLOB NOT NULL, checkpoint TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS key (origin TEXT NOT NULL, vkey TEXT NOT NULL, PRIMARY KEY (origin, vkey));
    `);
  }

  /** addLog trusts `vkey` (an Ed25519 note verifier key named after the log's origin) for its origin. Returns the origin. */
  addLog(vkey: string, origin?: string): string {
    const v = parseVerifierKey(vkey);
    if (v.type !== SIG_ED25519)
      throw new InputError(
        'WITNESS_LOG_KEY_INVALID',
        `a log key must be an Ed25519 note key (type 0x01): ${vkey}`,
      );
    const o = origin ?? v.name;
    this.db
      .prepare('INSERT OR IGNORE INTO key (origin, vkey) VALUES (?, ?)')
      .run(o, formatVerifierKey(v));
    return o;
  }

  /** removeLog forgets a log's keys (its state stays, so re-adding it cannot roll it back). */
  removeLog(origin: string): boolean {
    return this.db.prepare('DELETE FROM key WHERE origin = ?').run(origin).changes > 0;
  }

  /** logKeys returns the trusted keys of a log, or undefined when the origin is unknown. */
  logKeys(origin: string): NoteVerifier[] | undefined {
    const rows = this.db.prepare('SELECT vkey FROM key WHERE origin = ?').all(origin) as {
      vkey: string;
    }[];
    return rows.length === 0 ? undefined : rows.map((r) => parseVerifierKey(r.vkey));
  }

  /** latest returns the latest cosigned tree of a log. */
  latest(origin: string): WitnessState | undefined {
    const row = this.db
      .prepare('SELECT tree_size, tree_hash FROM log WHERE origin = ?')
      .get(origin) as { tree_size: number; tree_hash: Buffer } | undefined;
    return row === undefined
      ? undefined
      : { size: row.tree_size, hash: new Uint8Array(row.tree_hash) };
  }

  /** latestCheckpoint returns the latest cosigned checkpoint of a log (log signatures + ours), or undefined. */
  latestCheckpoint(origin: string): string | undefined {
    const row = this.db.prepare('SELECT checkpoint FROM log WHERE origin = ?').get(origin) as
      { checkpoint: string } | undefined;
    return row?.checkpoint;
  }

  /** logs lists every configured or remembered log. */
  logs(): WitnessedLog[] {
    const keys = this.db.prepare('SELECT origin, vkey FROM key ORDER BY origin, vkey').all() as {
      origin: string;
      vkey: string;
    }[];
    const states = this.db.prepare('SELECT origin, tree_size, tree_hash FROM log').all() as {
      origin: string;
      tree_size: number;
      tree_hash: Buffer;
    }[];
    const by = new Map<string, { vkeys: string[]; size?: number; hash?: string }>();
    for (const k of keys)
      (by.get(k.origin) ?? by.set(k.origin, { vkeys: [] }).get(k.origin)!).vkeys.push(k.vkey);
    for (const s of states)
      Object.assign(by.get(s.origin) ?? by.set(s.origin, { vkeys: [] }).get(s.origin)!, {
        size: s.tree_size,
        hash: s.tree_hash.toString('base64'),
      });
    return [...by].map(([origin, v]) => ({ origin, vkeys: v.vkeys, size: v.size, hash: v.hash }));
  }

  /**
   * addCheckpoint decides, signs with `signer` and persists, atomically (see
   * the file comment). Never throws for bad requests: the outcome has the status.
   */
  addCheckpoint(request: AddCheckpointRequest, signer: NoteSigner): AddCheckpointResult {
    const run = this.db.transaction((): AddCheckpointResult => {
      const outcome = decideAddCheckpoint(
        request,
        (o) => this.logKeys(o),
        (o) => this.latest(o),
      );
      if (!outcome.ok) return outcome;
      const cp = outcome.checkpoint;
      const text = request.checkpoint.slice(0, request.checkpoint.lastIndexOf('\n\n') + 1);
      const body = cosign(text, signer);
      const stored = addCosignatures(request.checkpoint, parseCosignatureLines(body));
      const prev = this.latest(cp.origin);
      let changes: number;
      if (prev === undefined) {
        changes = this.db
          .prepare(
            'INSERT OR IGNORE INTO log (origin, tree_size, tree_hash, checkpoint) VALUES (?, ?, ?, ?)',
          )
          .run(cp.origin, cp.size, Buffer.from(cp.hash), stored).changes;
      } else {
        // Compare-and-swap: only over the exact state the decision was made on.
        changes = this.db
          .prepare(
            'UPDATE log SET tree_size = ?, tree_hash = ?, checkpoint = ? WHERE origin = ? AND tree_size = ? AND tree_hash = ?',
          )
          .run(
            cp.size,
            Buffer.from(cp.hash),
            stored,
            cp.origin,
            prev.size,
            Buffer.from(prev.hash),
          ).changes;
      }
      if (changes !== 1) {
        const now = this.latest(cp.origin);
        return {
          ok: false,
          status: 409,
          code: 'OLD_SIZE_CONFLICT',
          message: 'the witness state changed concurrently',
          latestSize: now?.size ?? 0,
        };
      }
      return { ...outcome, body };
    });
    return run.immediate();
  }

  close(): void {
    this.db.close();
  }
}
