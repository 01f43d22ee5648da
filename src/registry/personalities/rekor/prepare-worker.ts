/**
 * The body of a PreparePool worker thread (./prepare-pool.ts): parse + verify +
 * canonicalise CreateEntryRequests, the pure prepareDsseEntry, for a batch at a time.
 */
import { parentPort } from 'node:worker_threads';
import { type DsseEntryJson, prepareDsseEntry } from '../../../log/rekor/dsse-entry.js';
import { RekorEntryError } from '../../../log/rekor/errors.js';
import { pack, type PrepareJob, type PrepareMessage, type PrepareResult } from './prepare-pool.js';

type Prepared = { id: number; entry: DsseEntryJson; body: Uint8Array };

// Imported outside a worker (a tool that loads every module), it does nothing.
parentPort?.on('message', ({ items, bytes }: PrepareMessage<PrepareJob>) => {
  const done: (Prepared | Exclude<PrepareResult, { entry: DsseEntryJson }>)[] = items.map((job) => {
    try {
      const body = new Uint8Array(bytes, job.offset, job.length);
      return { id: job.id, ...prepareDsseEntry(body, { maxBytes: job.maxBytes }) };
    } catch (e) {
      if (e instanceof RekorEntryError)
        return {
          id: job.id,
          refused: {
            code: e.code,
            message: e.message,
            fields: e.fields,
            ...(e.limit !== undefined ? { limit: e.limit } : {}),
          },
        };
      return { id: job.id, failed: (e as Error).message ?? String(e) };
    }
  });
  // The canonical bodies go back packed into one transferred buffer (see prepare-pool.ts).
  const ok = done.filter((r): r is Prepared => 'body' in r);
  const packed = pack(ok.map((r) => r.body));
  const where = new Map(ok.map((r, i) => [r.id, packed.at[i]!]));
  const results = done.map((r): PrepareResult =>
    'body' in r ? { id: r.id, entry: r.entry, ...where.get(r.id)! } : r,
  );
  const message: PrepareMessage<PrepareResult> = { items: results, bytes: packed.bytes };
  parentPort!.postMessage(message, [packed.bytes]);
});
