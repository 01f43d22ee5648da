/**
 * PreparePool runs prepareDsseEntry (parse, signature checks, canonical JSON: the CPU of an
 * add-entry request, independent per request) on worker threads, so a log's event loop is
 * left with HTTP and sequencing and the other cores do the verifying (issue 14, P4). Requests
 * that arrive in one turn of the event loop go to a worker as one message (fewer hops), their
 * bodies packed into one transferred buffer (one allocation and no clone per message; a
 * structured clone of a Buffer copies its whole backing store, often a shared pool), and the
 * canonical bodies come back the same way.
 *
 * The result is exactly prepareDsseEntry's: the same entry and leaf bytes, or the same
 * RekorEntryError (code, message, fields, limit). A worker that dies fails its requests
 * (500, never a wrong answer) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { DsseEntryJson, PreparedEntry } from '../../../log/rekor/dsse-entry.js';
import { RekorEntryError, type RekorEntryErrorCode } from '../../../log/rekor/errors.js';

/** PrepareJob is one request sent to a worker: its body is bytes [offset, offset+length) of the message's buffer. */
export interface PrepareJob {
  readonly id: number;
  readonly offset: number;
  readonly length: number;
  readonly maxBytes: number;
}

/** PrepareMessage is what goes to a worker, and what comes back (with results): jobs or results plus their packed bytes. */
export interface PrepareMessage<T> {
  readonly items: readonly T[];
  readonly bytes: ArrayBuffer;
}

/** PrepareResult is a worker's answer for one job; a canonical body is bytes [offset, offset+length) of the answer's buffer. */
export type PrepareResult =
  | {
      readonly id: number;
      readonly entry: DsseEntryJson;
      readonly offset: number;
      readonly length: number;
    }
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
  queued: { id: number; body: Uint8Array; maxBytes: number }[];
  /** Messages posted and not yet answered. */
  sent: number;
}

/**
 * Messages a worker may have in hand: one being worked on and the next. Requests that arrive
 * meanwhile wait for an answer and then go together, so under load a message carries many
 * requests (each message costs a wake-up of the worker, and on a busy machine a context switch).
 */
const MAX_SENT = 2;

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
    const slot: Slot = {
      worker: new Worker(WORKER_URL),
      inFlight: new Map(),
      queued: [],
      sent: 0,
    };
    slot.worker.unref();
    slot.worker.on('message', ({ items, bytes }: PrepareMessage<PrepareResult>) => {
      slot.sent--;
      if (slot.queued.length > 0) this.send(slot);
      for (const r of items) {
        const w = slot.inFlight.get(r.id);
        if (!w) continue;
        slot.inFlight.delete(r.id);
        if ('entry' in r)
          w.resolve({ entry: r.entry, body: new Uint8Array(bytes, r.offset, r.length) });
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
    slot.queued.push({ id, body, maxBytes });
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return promise;
  }

  private flush(): void {
    this.flushing = false;
    for (const s of this.slots) if (s.queued.length > 0 && s.sent < MAX_SENT) this.send(s);
  }

  /** send posts a slot's queued requests as one message, their bodies packed into one transferred buffer. */
  private send(s: Slot): void {
    const queued = s.queued;
    s.queued = [];
    const packed = pack(queued.map((q) => q.body));
    const items = queued.map((q, i): PrepareJob => ({
      id: q.id,
      maxBytes: q.maxBytes,
      ...packed.at[i]!,
    }));
    const message: PrepareMessage<PrepareJob> = { items, bytes: packed.bytes };
    s.worker.postMessage(message, [packed.bytes]);
    s.sent++;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** pack copies byte strings back to back into one new ArrayBuffer (to transfer), with where each one is. */
export function pack(parts: readonly Uint8Array[]): {
  bytes: ArrayBuffer;
  at: { offset: number; length: number }[];
} {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  const at: { offset: number; length: number }[] = [];
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    at.push({ offset, length: p.length });
    offset += p.length;
  }
  return { bytes: out.buffer, at };
}
