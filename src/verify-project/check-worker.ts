/**
 * A dependency-check thread (check-pool.ts): the job context arrives once as
 * workerData; each message is one job, answered with its results or with why it
 * could not be finished (the pool then checks that job on the main thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { JobAnswer } from './check-pool.js';
import { type DependencyJob, type JobContext, runDependencyJob } from './dependency-job.js';

const context = workerData as JobContext;
parentPort!.on('message', (m: { id: number; job: DependencyJob }) => {
  runDependencyJob(context, m.job).then(
    (results) => parentPort!.postMessage({ id: m.id, results } satisfies JobAnswer),
    (e: unknown) =>
      parentPort!.postMessage({ id: m.id, error: (e as Error).message } satisfies JobAnswer),
  );
});
