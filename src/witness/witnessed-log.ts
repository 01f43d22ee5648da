/**
 * WitnessedLog: a {@link TransparencyLog} whose checkpoints carry witness
 * cosignatures. After the inner log signs a new checkpoint, it is sent with a
 * consistency proof to every witness of the policy in parallel (each bounded
 * by a timeout, retried), the cosignatures that verify are appended to the
 * note, and that cosigned note is what `latestCheckpoint` and `append` hand
 * out.
 *
 * Fail-closed (the default): a checkpoint is handed out only when the
 * policy's quorum cosigned it; otherwise append and latestCheckpoint reject
 * with PushbackError (503 + Retry-After). Fail-open: the newest checkpoint is
 * handed out with whatever cosignatures arrived.
 *
 * Rounds are coalesced: one at a time, always for the inner log's newest
 * checkpoint, so a burst of appends costs one round trip per witness. The
 * witnesses' latest sizes are learned from their 409 answers (tlog-witness:
 * "a client MAY initially make a request with an old size of zero").
 */
import { parseCheckpoint } from '../log/checkpoint.js';
import { addCosignatures } from '../log/cosignature.js';
import { parseNote, type NoteSignature } from '../log/note.js';
import { describeQuorum, quorumMet, type TlogPolicy } from '../log/policy.js';
import { type AppendResult, PushbackError, type TransparencyLog } from '../log/service.js';
import { postAddCheckpoint, WitnessCallError, type WitnessEndpoint } from './client.js';

export interface WitnessingOptions {
  /** The witnesses (with URLs) and the quorum. Witnesses without a URL are skipped. */
  readonly policy: TlogPolicy;
  /** Per-request timeout (default 1000 ms, Tessera's). */
  readonly timeoutMs?: number;
  /** Retries after a failed request (default 1); a 409 that teaches the witness's size does not count. */
  readonly retries?: number;
  /** Hand out checkpoints that miss the quorum (default false: fail closed). */
  readonly failOpen?: boolean;
  /** Called after each round (for logs and tests). */
  readonly onRound?: (r: WitnessRound) => void;
}

/** WitnessRound reports one round: the size and who cosigned or why not. */
export interface WitnessRound {
  readonly size: number;
  readonly cosigners: readonly string[];
  readonly failures: readonly {
    readonly witness: string;
    readonly code: string;
    readonly message: string;
  }[];
  readonly quorumMet: boolean;
}

export class WitnessedLog implements TransparencyLog {
  private readonly endpoints: WitnessEndpoint[];
  private readonly known = new Map<string, number>();
  private cosigned: { size: number; note: string } | undefined;
  private round: Promise<void> | undefined;
  private lastError: string | undefined;
  private failedAt: { size: number; time: number } | undefined;

  constructor(
    private readonly inner: TransparencyLog,
    private readonly options: WitnessingOptions,
  ) {
    this.endpoints = options.policy.witnesses
      .filter((w) => w.url !== undefined)
      .map((w) => ({ name: w.name, verifier: w.verifier, url: w.url! }));
  }

  get origin(): string {
    return this.inner.origin;
  }
  get verifierKey(): string {
    return this.inner.verifierKey;
  }

  /** witnessesOf lists the witness endpoints this log asks. */
  get witnesses(): readonly WitnessEndpoint[] {
    return this.endpoints;
  }

  async append(entry: Uint8Array): Promise<AppendResult> {
    const r = await this.inner.append(entry);
    const cp = await this.witnessed(r.treeSize);
    return { ...r, treeSize: cp.size, checkpoint: cp.note };
  }

  async latestCheckpoint(): Promise<string> {
    const note = await this.inner.latestCheckpoint();
    return (await this.witnessed(parseCheckpoint(parseNote(note).text).size)).note;
  }

  readTile(path: string): Promise<Uint8Array | undefined> {
    return this.inner.readTile(path);
  }
  inclusionProof(index: number, treeSize: number) {
    return this.inner.inclusionProof(index, treeSize);
  }
  consistencyProof(size1: number, size2: number) {
    return this.inner.consistencyProof(size1, size2);
  }
  readEntry(index: number): Promise<Uint8Array | undefined> {
    return this.inner.readEntry(index);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  /** witnessed resolves to a handed-out checkpoint of at least `size`, running (or joining) rounds. */
  private async witnessed(size: number): Promise<{ size: number; note: string }> {
    for (let i = 0; i < 2; i++) {
      if (this.cosigned !== undefined && this.cosigned.size >= size) return this.cosigned;
      // Witnesses just failed for this size: answer at once instead of queueing another round (no request storm).
      if (
        this.round === undefined &&
        this.failedAt !== undefined &&
        this.failedAt.size >= size &&
        Date.now() - this.failedAt.time < 1000
      )
        break;
      if (this.round === undefined) {
        this.round = this.runRound().finally(() => (this.round = undefined));
      }
      await this.round;
    }
    if (this.cosigned !== undefined && this.cosigned.size >= size) return this.cosigned;
    // Fail closed: 503 + Retry-After, saying which witnesses failed.
    const e = new PushbackError(1);
    e.message = `the checkpoint of size ${size} is not witnessed: ${this.lastError ?? 'quorum not met'}`;
    throw e;
  }

  private async runRound(): Promise<void> {
    const note = await this.inner.latestCheckpoint();
    const cp = parseCheckpoint(parseNote(note).text);
    const results = await Promise.all(
      this.endpoints.map((w) =>
        this.ask(w, note, cp.size).then(
          (sigs) => ({ w, sigs, error: undefined as WitnessCallError | undefined }),
          (e: unknown) => ({
            w,
            sigs: [] as NoteSignature[],
            error:
              e instanceof WitnessCallError
                ? e
                : new WitnessCallError('WITNESS_UNREACHABLE', (e as Error).message),
          }),
        ),
      ),
    );
    const ok = results.filter((r) => r.error === undefined);
    const cosigners = ok.map((r) => r.w.name);
    const met = quorumMet(this.options.policy, new Set(cosigners));
    const failures = results
      .filter((r) => r.error !== undefined)
      .map((r) => ({ witness: r.w.name, code: r.error!.code, message: r.error!.message }));
    this.options.onRound?.({ size: cp.size, cosigners, failures, quorumMet: met });
    if (!met && !this.options.failOpen) {
      this.failedAt = { size: cp.size, time: Date.now() };
      this.lastError = `witness quorum ${describeQuorum(this.options.policy)} not met${failures.length > 0 ? `: ${failures.map((f) => f.message).join('; ')}` : ''}`;
      return;
    }
    const merged = addCosignatures(
      note,
      ok.flatMap((r) => r.sigs),
    );
    if (this.cosigned === undefined || cp.size >= this.cosigned.size)
      this.cosigned = { size: cp.size, note: merged };
  }

  /** ask gets one witness's cosignature on the checkpoint of `size`, learning its latest size from a 409. */
  private async ask(w: WitnessEndpoint, note: string, size: number): Promise<NoteSignature[]> {
    const retries = this.options.retries ?? 1;
    let failures = 0;
    let conflicts = 0;
    for (;;) {
      const old = this.known.get(w.name) ?? 0;
      if (old > size) {
        // The witness cosigned a bigger tree than we have: a rollback or a fork of this log.
        throw new WitnessCallError(
          'WITNESS_CONFLICT',
          `witness ${w.name} has cosigned size ${old}, larger than this log's ${size}`,
          409,
          old,
        );
      }
      try {
        const proof = old === 0 || old === size ? [] : await this.inner.consistencyProof(old, size);
        const sigs = await postAddCheckpoint(
          w,
          { oldSize: old, proof, checkpoint: note },
          { timeoutMs: this.options.timeoutMs ?? 1000 },
        );
        this.known.set(w.name, size);
        return sigs;
      } catch (e) {
        if (
          e instanceof WitnessCallError &&
          e.code === 'WITNESS_CONFLICT' &&
          e.latestSize !== undefined &&
          conflicts < 2 &&
          e.latestSize !== old
        ) {
          conflicts++;
          this.known.set(w.name, e.latestSize);
          continue;
        }
        if (
          e instanceof WitnessCallError &&
          e.code === 'WITNESS_UNREACHABLE' &&
          failures < retries
        ) {
          failures++;
          continue;
        }
        throw e;
      }
    }
  }
}
