/**
 * checkInThreads runs dependency jobs (dependency-job.ts) on worker threads, one
 * per core (issue 14, P6: the per-dependency checks are independent and almost all
 * signature checks and hashing). Jobs go to whichever thread is free; results come
 * back per job, in any order, and the caller puts them in lockfile order.
 *
 * A job a thread cannot finish (a namespace its ledger snapshot lacks, a crashed
 * thread) is handed to `fallback`, which checks it where the full ledger view lives:
 * a job is never dropped and never answered by anything but its checks. Without the
 * compiled worker (running from TypeScript sources, as under the test runner) every
 * job runs here, after the same structured clone a thread would receive.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type DependencyJob, type JobContext, runDependencyJob } from './dependency-job.js';
import type { LevelledResult } from './levels.js';

const WORKER_URL = new URL('./check-worker.js', import.meta.url);

/** What a worker posts back for one job. */
export type JobAnswer =
  | { readonly id: number; readonly results: LevelledResult[] }
  | { readonly id: number; readonly error: string };

export async function checkInThreads(
  context: JobContext,
  jobs: readonly DependencyJob[],
  threads: number,
  onJob: (job: DependencyJob, results: LevelledResult[]) => void,
  fallback: (job: DependencyJob) => Promise<LevelledResult[]>,
): Promise<void> {
  if (jobs.length === 0) return;
  if (!existsSync(fileURLToPath(WORKER_URL))) {
    for (const job of jobs) {
      let results: LevelledResult[];
      try {
        results = await runDependencyJob(structuredClone(context), structuredClone(job));
      } catch {
        results = await fallback(job);
      }
      onJob(job, results);
    }
    return;
  }
  let next = 0;
  const retry: DependencyJob[] = [];
  const size = Math.max(1, Math.min(threads, jobs.length));
  await Promise.all(
    Array.from(
      { length: size },
      () =>
        new Promise<void>((resolve) => {
          const worker = new Worker(WORKER_URL, { workerData: context });
          let current: DependencyJob | undefined;
          const send = () => {
            if (next >= jobs.length) {
              current = undefined;
              void worker.terminate();
              return;
            }
            current = jobs[next++]!;
            worker.postMessage({ id: next - 1, job: current });
          };
          worker.on('message', (a: JobAnswer) => {
            if ('results' in a) onJob(current!, a.results);
            else retry.push(current!);
            send();
          });
          // A crashed thread's job is checked here; its remaining share goes to the others (or here).
          worker.on('error', () => {
            if (current) retry.push(current);
            current = undefined;
          });
          worker.on('exit', () => {
            if (current) retry.push(current);
            resolve();
          });
          send();
        }),
    ),
  );
  // Jobs no thread took (every thread died) and jobs a thread could not finish.
  while (next < jobs.length) retry.push(jobs[next++]!);
  for (const job of retry) onJob(job, await fallback(job));
}
