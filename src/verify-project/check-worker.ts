/**
 * A dependency-check thread (check-pool.ts): the job context arrives once, then
 * each message is one job, answered with its results or with why it could not
 * be finished (the pool then checks that job on the main thread).
 */
import { parentPort } from 'node:worker_threads';
import type { JobAnswer, WorkerMessage } from './check-pool.js';
import { type JobContext, runDependencyJob } from './dependency-job.js';

let context: JobContext | undefined;
parentPort?.on('message', (m: WorkerMessage) => {
  if ('context' in m) {
    context = m.context;
    return;
  }
  runDependencyJob(context!, m.job).then(
    (results) => parentPort!.postMessage({ id: m.id, results } satisfies JobAnswer),
    (e: unknown) =>
      parentPort!.postMessage({ id: m.id, error: (e as Error).message } satisfies JobAnswer),
  );
});
