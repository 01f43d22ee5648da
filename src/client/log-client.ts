/**
 * LogClient: talks to one transparency log (C2SP tlog-tiles read side:
 * `<base>/checkpoint`, `<base>/tile/<L>/<N>[.p/<W>]`) and keeps it honest.
 *
 * - Checkpoints are verified with the log's note key (signed-note rules:
 *   bad signature, unknown key, wrong origin, non-canonical numbers refused).
 * - The newest verified checkpoint is remembered per origin. A newer one is
 *   accepted only with a consistency proof (RFC 9162 §2.1.4) that the client
 *   computes itself from the log's hash tiles — the tiles need no trust, the
 *   proof is checked against both signed roots (Go sumdb's checkTrees).
 * - Same size with another root, or a failed proof, is a split view: refused
 *   with both signed checkpoints, the evidence. A smaller latest checkpoint
 *   is a rollback. The rule itself is log/checkpoint-tracker.ts, shared with
 *   lockfile verification.
 * - An entry's inclusion proof (from a bundle) is checked against its own
 *   checkpoint, and that checkpoint is then checked for consistency with the
 *   remembered one, whichever is older.
 */
import type { DsseEnvelope } from '../core/dsse.js';
import { type Check, fail, pass, type VerificationResult } from '../core/verdict.js';
import { verifyCheckpoint } from '../log/checkpoint.js';
import {
  type CheckpointLink,
  type ConsistencyProofAnswer,
  consistencyProofNeeded,
  linkCheckpoint,
  type ReceivedAs,
  type SeenCheckpoint,
} from '../log/checkpoint-tracker.js';
import { HASH_SIZE, type Hash } from '../log/hash.js';
import { type NoteVerifier, parseVerifierKey } from '../log/note-key.js';
import { MAX_NOTE_SIZE } from '../log/note.js';
import { consistencyProofFromHashes, consistencyProofIndexes } from '../log/proof.js';
import {
  checkTransparencyLogEntry,
  type TlogEntryVerification,
} from '../log/rekor/verify-entry.js';
import { hashesFromTiles, tilesForIndexes } from '../log/tile.js';
import { formatTilePath, TILE_WIDTH, type Tile } from '../log/tile-path.js';
import { type CheckpointMemory, memoryCheckpointMemory } from './checkpoint-memory.js';
import { LogClientError } from './errors.js';
import { type Fetcher, httpFetcher } from './fetcher.js';

/** DEFAULT_MAX_CHECKPOINT_BYTES bounds a fetched checkpoint (signed notes are tiny; Go caps tree notes at 1e6). */
export const DEFAULT_MAX_CHECKPOINT_BYTES = 64 * 1024;
/** MAX_TILE_BYTES is the size of a full hash tile: 256 hashes of 32 bytes. */
export const MAX_TILE_BYTES = TILE_WIDTH * HASH_SIZE;

export interface LogClientOptions {
  /** The log's base URL (the tlog-tiles prefix), e.g. "https://sigil.example.org/log". */
  readonly baseUrl: string;
  /** The log's note verifier key ("name+hash+base64") or a parsed verifier. */
  readonly verifierKey: string | NoteVerifier;
  /** Expected checkpoint origin (default: the key's name, Sigil's convention). */
  readonly origin?: string;
  readonly fetcher?: Fetcher;
  readonly memory?: CheckpointMemory;
  readonly maxCheckpointBytes?: number;
}

/** VerifiedCheckpoint is a checkpoint whose signature verified, with its text. */
export type VerifiedCheckpoint = SeenCheckpoint;

/** UpdateResult says what {@link LogClient.update} learned. */
export interface UpdateResult {
  /** The remembered checkpoint before the update, if any. */
  readonly previous: VerifiedCheckpoint | undefined;
  /** The latest checkpoint, now remembered. */
  readonly latest: VerifiedCheckpoint;
  /** The consistency check that linked them (absent on first use). */
  readonly consistency: Check | undefined;
}

export class LogClient {
  readonly baseUrl: string;
  readonly verifier: NoteVerifier;
  readonly origin: string;
  private readonly fetcher: Fetcher;
  private readonly memory: CheckpointMemory;
  private readonly maxCheckpointBytes: number;

  constructor(options: LogClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.verifier =
      typeof options.verifierKey === 'string'
        ? parseVerifierKey(options.verifierKey)
        : options.verifierKey;
    this.origin = options.origin ?? this.verifier.name;
    this.fetcher = options.fetcher ?? httpFetcher();
    this.memory = options.memory ?? memoryCheckpointMemory();
    this.maxCheckpointBytes = Math.min(
      options.maxCheckpointBytes ?? DEFAULT_MAX_CHECKPOINT_BYTES,
      MAX_NOTE_SIZE,
    );
  }

  /**
   * verifyCheckpointText verifies a signed checkpoint with the log key and
   * origin. Throws LogClientError LOG_CHECKPOINT_INVALID (checkCode:
   * NOTE_INVALID_SIGNATURE, NOTE_UNVERIFIED for an unknown key, NOTE_MALFORMED,
   * CHECKPOINT_MALFORMED for e.g. non-canonical numbers, CHECKPOINT_WRONG_ORIGIN).
   */
  verifyCheckpointText(text: string | Uint8Array, what = 'checkpoint'): VerifiedCheckpoint {
    const r = verifyCheckpoint(text, [this.verifier], { origin: this.origin });
    if (!r.ok) {
      throw new LogClientError(
        'LOG_CHECKPOINT_INVALID',
        `${what} of ${this.origin} is not valid: ${r.check.reason}`,
        {
          checkCode: r.check.code,
          hint:
            r.check.code === 'NOTE_UNVERIFIED'
              ? `is ${this.baseUrl} the log whose key is ${this.verifier.name}?`
              : undefined,
        },
      );
    }
    return {
      text: typeof text === 'string' ? text : Buffer.from(text).toString('utf8'),
      checkpoint: r.checkpoint,
    };
  }

  /** fetchCheckpoint fetches and verifies `<base>/checkpoint` (not remembered: see {@link update}). */
  async fetchCheckpoint(): Promise<VerifiedCheckpoint> {
    const url = `${this.baseUrl}/checkpoint`;
    const body = await this.fetcher.get(url, { maxBytes: this.maxCheckpointBytes });
    if (body === undefined)
      throw new LogClientError('LOG_TRANSPORT', `${url} was not found`, { url, status: 404 });
    return this.verifyCheckpointText(body, `the checkpoint served at ${url}`);
  }

  /** remembered returns the remembered checkpoint of this log, verified again (the file could have been edited). */
  async remembered(): Promise<VerifiedCheckpoint | undefined> {
    const text = await this.memory.read(this.origin);
    if (text === undefined) return undefined;
    try {
      return this.verifyCheckpointText(text, 'the remembered checkpoint');
    } catch (e) {
      throw new LogClientError(
        'LOG_MEMORY_INVALID',
        `the remembered checkpoint of ${this.origin} is invalid: ${(e as Error).message}`,
        {
          hint: 'delete it to trust the log again from its current state (trust on first use)',
          cause: e,
        },
      );
    }
  }

  /**
   * update fetches the latest checkpoint and accepts it only if it extends
   * the remembered one (log/checkpoint-tracker.ts). Throws LogClientError
   * LOG_ROLLBACK (smaller tree), LOG_SPLIT_VIEW (same size, other root; or a
   * failed consistency proof), CONSISTENCY_UNPROVEN (the tiles cannot make a
   * proof), plus the fetch and checkpoint errors. Remembers the new
   * checkpoint on success.
   */
  async update(): Promise<UpdateResult> {
    const latest = await this.fetchCheckpoint();
    const previous = await this.remembered();
    const link = await this.link(previous, latest, 'latest');
    if (link.check.status === 'fail') throw this.refusal(link);
    if (link.remember) await this.memory.write(this.origin, link.remember.text);
    return { previous, latest, consistency: previous === undefined ? undefined : link.check };
  }

  /**
   * checkConsistent proves that `remembered` and `received` describe one log:
   * equal roots at equal sizes, else a consistency proof computed from the
   * tiles of the larger tree. `received` may be the older of the two unless
   * it is the log's `latest` (then that is LOG_ROLLBACK). Throws
   * LOG_SPLIT_VIEW or LOG_ROLLBACK with both checkpoints, or
   * CONSISTENCY_UNPROVEN.
   */
  async checkConsistent(
    remembered: VerifiedCheckpoint,
    received: VerifiedCheckpoint,
    as: ReceivedAs = 'proof',
  ): Promise<Check> {
    const link = await this.link(remembered, received, as);
    if (link.check.status === 'fail') throw this.refusal(link);
    return link.check;
  }

  /** link applies the checkpoint tracker, computing the proof it asks for from the log's tiles. */
  private async link(
    remembered: VerifiedCheckpoint | undefined,
    received: VerifiedCheckpoint,
    as: ReceivedAs,
  ): Promise<CheckpointLink> {
    const need = consistencyProofNeeded(remembered, received, as);
    let answer: ConsistencyProofAnswer | undefined;
    if (need) {
      try {
        answer = { proof: await this.proveConsistency(need[0], need[1]) };
      } catch (e) {
        if (e instanceof LogClientError && e.code !== 'LOG_TILE_INVALID') throw e;
        answer = { unavailable: (e as Error).message };
      }
    }
    return linkCheckpoint(remembered, received, as, answer);
  }

  private refusal(link: CheckpointLink): LogClientError {
    const code = link.check.code as 'LOG_ROLLBACK' | 'LOG_SPLIT_VIEW' | 'CONSISTENCY_UNPROVEN';
    return new LogClientError(code, link.check.reason, {
      ...(link.evidence ? { checkpoints: link.evidence } : {}),
      hint:
        code === 'CONSISTENCY_UNPROVEN'
          ? 'try again later; if the log keeps failing to prove it, report it to the log operator'
          : 'the log showed two different histories; keep both checkpoints as evidence and report them to the log operator and its witnesses',
    });
  }

  /**
   * proveConsistency computes the consistency proof between two tree sizes
   * from the log's hash tiles (unauthenticated: check the proof!). Throws
   * LogClientError LOG_TILE_INVALID when a tile is missing or malformed.
   */
  async proveConsistency(size1: number, size2: number): Promise<Hash[]> {
    const indexes = consistencyProofIndexes(size1, size2);
    const tiles = await this.readTiles(size2, tilesForIndexes(size2, indexes));
    try {
      return consistencyProofFromHashes(size1, size2, hashesFromTiles(size2, indexes, tiles));
    } catch (cause) {
      throw new LogClientError(
        'LOG_TILE_INVALID',
        `tiles of ${this.origin} do not make a proof: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /**
   * readTiles fetches hash tiles at the widths they have in the tree of
   * `size`. A partial tile that is gone (the log grew) is read from the full
   * tile, or from the partial tile of the current tree, and cut to width.
   */
  private async readTiles(size: number, tiles: readonly Tile[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const t of tiles) {
      const path = formatTilePath(t);
      const want = t.width * HASH_SIZE;
      const candidates: Tile[] = [t];
      if (t.width < TILE_WIDTH) candidates.push({ ...t, width: TILE_WIDTH });
      let data: Uint8Array | undefined;
      for (const c of candidates) {
        const got = await this.fetcher.get(`${this.baseUrl}/${formatTilePath(c)}`, {
          maxBytes: MAX_TILE_BYTES,
        });
        if (got !== undefined) {
          data = got;
          break;
        }
      }
      if (data === undefined && t.width < TILE_WIDTH) {
        // The log may have grown inside this tile: read the partial tile of the current tree.
        const now = await this.fetchCheckpoint();
        const w = Math.min(
          TILE_WIDTH,
          Math.floor(now.checkpoint.size / TILE_WIDTH ** t.level) - t.index * TILE_WIDTH,
        );
        if (w > t.width && w < TILE_WIDTH)
          data = await this.fetcher.get(`${this.baseUrl}/${formatTilePath({ ...t, width: w })}`, {
            maxBytes: MAX_TILE_BYTES,
          });
      }
      if (data === undefined)
        throw new LogClientError(
          'LOG_TILE_INVALID',
          `${this.origin} does not serve tile ${path} (tree size ${size})`,
        );
      if (data.length < want || data.length % HASH_SIZE !== 0) {
        throw new LogClientError(
          'LOG_TILE_INVALID',
          `tile ${path} of ${this.origin} has ${data.length} bytes, expected ${want}`,
        );
      }
      out.set(path, data.subarray(0, want));
    }
    return out;
  }

  /**
   * verifyEntry verifies a bundle's TransparencyLogEntry: offline checks (log
   * id, checkpoint signature, inclusion, body vs envelope), then that the
   * entry's checkpoint is consistent with the remembered one (remembering it
   * when it is newer). A split view or rollback becomes a failed
   * "consistency" check carrying both checkpoints in its detail.
   */
  async verifyEntry(
    tlogEntry: unknown,
    options: { envelope?: DsseEnvelope } = {},
  ): Promise<TlogEntryVerification> {
    const offline = checkTransparencyLogEntry(tlogEntry, {
      verifiers: [this.verifier],
      origin: this.origin,
      ...(options.envelope ? { envelope: options.envelope } : {}),
    });
    if (!offline.ok || offline.checkpointText === undefined) return offline;
    const checks = [...offline.checks];
    const entryCp = this.verifyCheckpointText(offline.checkpointText, "the entry's checkpoint");
    try {
      const link = await this.link(await this.remembered(), entryCp, 'proof');
      if (link.remember) await this.memory.write(this.origin, link.remember.text);
      checks.push(link.check);
    } catch (e) {
      if (!(e instanceof LogClientError)) throw e;
      checks.push(
        fail('consistency', e.code, e.message, e.checkpoints ? { ...e.checkpoints } : {}),
      );
    }
    return { ...offline, ok: checks.every((c) => c.status !== 'fail'), checks };
  }
}

/** logVerdict turns an UpdateResult into checks, for printing. */
export function updateChecks(u: UpdateResult): VerificationResult {
  const checks: Check[] = [
    pass(
      'checkpoint',
      'CHECKPOINT_VALID',
      `checkpoint of ${u.latest.checkpoint.origin} at size ${u.latest.checkpoint.size}`,
    ),
  ];
  if (u.consistency) checks.push(u.consistency);
  else
    checks.push(
      pass(
        'consistency',
        'CONSISTENCY_FIRST_USE',
        'first checkpoint seen from this log; remembered',
      ),
    );
  return { subject: u.latest.checkpoint.origin, ok: true, checks };
}
