/**
 * The body of a PreparePool worker thread (./prepare-pool.ts): parse + verify +
 * canonicalise CreateEntryRequests, the pure prepareDsseEntry, for a batch at a time.
 */
import { parentPort } from 'node:worker_threads';
import { prepareDsseEntry } from '../../../log/rekor/dsse-entry.js';
import { RekorEntryError } from '../../../log/rekor/errors.js';
import { exactCopy, type PrepareJob, type PrepareResult } from './prepare-pool.js';

// Imported outside a worker (a tool that loads every module), it does nothing.
parentPort?.on('message', (jobs: PrepareJob[]) => {
  const results = jobs.map((job): PrepareResult => {
    try {
      const { entry, body } = prepareDsseEntry(job.body, { maxBytes: job.maxBytes });
      return { id: job.id, entry, body: exactCopy(body) };
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
  // Canonical bodies are transferred, not cloned (a Buffer is often a slice of a shared pool).
  parentPort!.postMessage(
    results,
    results.flatMap((r) => ('body' in r ? [r.body.buffer as ArrayBuffer] : [])),
  );
});
