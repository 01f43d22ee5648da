/**
 * PreparePool runs prepareDsseEntry (parse, signature checks, canonical JSON: the CPU of an
 * add-entry request, independent per request) on worker threads, so a log's event loop is
 * left with HTTP and sequencing and the other cores do the verifying (issue 14, P4). Requests
 * that arrive in one turn of the event loop go to a worker as one message (fewer hops).
 *
 * The result is exactly prepareDsseEntry's: the same entry and leaf bytes, or the same
 * RekorEntryError (code, message, fields, limit). A worker that dies fails its requests
 * (500, never a wrong answer) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { DsseEntryJson, PreparedEntry } from '../../../log/rekor/dsse-entry.js';
import { RekorEntryError, type RekorEntryErrorCode } from '../../../log/rekor/errors.js';

/** PrepareJob is one request sent to a worker. */
export interface PrepareJob {
  readonly id: number;
  readonly body: Uint8Array;
  readonly maxBytes: number;
}

/** PrepareResult is a worker's answer for one job. */
export type PrepareResult =
  | { readonly id: number; readonly entry: DsseEntryJson; readonly body: Uint8Array }
  | {
      readonly id: number;
      readonly refused: {
        code: RekorEntryErrorCode;
        message: string;
        fields: readonly string[];
        limit?: number;
      };
    }
  | { readonly id: number; readonly failed: string };

interface Waiter {
  resolve: (p: PreparedEntry) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs sent and not yet answered. */
  inFlight: Map<number, Waiter>;
  /** Jobs waiting for this turn's message. */
  queued: PrepareJob[];
}

const WORKER_URL = new URL('./prepare-worker.js', import.meta.url);

export class PreparePool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private flushing = false;
  private closed = false;

  /** @param size number of worker threads (≥ 1). */
  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), inFlight: new Map(), queued: [] };
    slot.worker.unref();
    slot.worker.on('message', (results: PrepareResult[]) => {
      for (const r of results) {
        const w = slot.inFlight.get(r.id);
        if (!w) continue;
        slot.inFlight.delete(r.id);
        if ('entry' in r) w.resolve({ entry: r.entry, body: r.body });
        else if ('refused' in r)
          w.reject(
            new RekorEntryError(r.refused.code, r.refused.message, {
              fields: r.refused.fields,
              ...(r.refused.limit !== undefined ? { limit: r.refused.limit } : {}),
            }),
          );
        else w.reject(new Error(`add-entry worker: ${r.failed}`));
      }
    });
    const fail = (why: string) => {
      for (const w of slot.inFlight.values()) w.reject(new Error(`add-entry worker ${why}`));
      slot.inFlight.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    slot.worker.on('error', (e) => fail(`failed: ${e.message}`));
    slot.worker.on('exit', (code) => fail(`exited (${code})`));
    return slot;
  }

  /** prepare is prepareDsseEntry on a worker thread. */
  prepare(body: Uint8Array, maxBytes: number): Promise<PreparedEntry> {
    if (this.closed) return Promise.reject(new Error('add-entry worker pool: closed'));
    const id = this.nextId++;
    // The least busy worker: requests differ in size, and a round robin would queue behind a big one.
    let slot = this.slots[0]!;
    for (const s of this.slots)
      if (s.inFlight.size + s.queued.length < slot.inFlight.size + slot.queued.length) slot = s;
    const promise = new Promise<PreparedEntry>((resolve, reject) =>
      slot.inFlight.set(id, { resolve, reject }),
    );
    // An exact copy, transferred (not cloned): a request body is usually a view of a larger
    // socket buffer, and structured clone copies a view's whole ArrayBuffer.
    slot.queued.push({ id, body: exactCopy(body), maxBytes });
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return promise;
  }

  private flush(): void {
    this.flushing = false;
    for (const s of this.slots) {
      if (s.queued.length === 0) continue;
      const jobs = s.queued;
      s.queued = [];
      s.worker.postMessage(
        jobs,
        jobs.map((j) => j.body.buffer as ArrayBuffer),
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** exactCopy copies bytes into an ArrayBuffer of their own size (transferable, nothing else attached). */
export function exactCopy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
