/**
 * CheckPool runs dependency jobs (dependency-job.ts) on worker threads, one per
 * core (issue 14, P6: the per-dependency checks are independent and almost all
 * signature checks and hashing). The threads start before the records are
 * fetched, so loading their modules overlaps the network; jobs go to whichever
 * thread is free; results come back per job, and the caller puts them in
 * lockfile order.
 *
 * A job a thread cannot finish (a namespace its ledger snapshot lacks, a crashed
 * thread) is handed to `fallback`, which checks it where the full ledger view
 * lives: a job is never dropped and never answered by anything but its checks.
 * Without the compiled worker (running from TypeScript sources, as under the
 * test runner) every job runs here, after the same structured clone a thread
 * would receive.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type DependencyJob, type JobContext, runDependencyJob } from './dependency-job.js';
import type { LevelledResult } from './levels.js';

const WORKER_URL = new URL('./check-worker.js', import.meta.url);

/** Messages to a worker: the shared context once, then jobs. */
export type WorkerMessage =
  { readonly context: JobContext } | { readonly id: number; readonly job: DependencyJob };

/** What a worker posts back for one job. */
export type JobAnswer =
  | { readonly id: number; readonly results: LevelledResult[] }
  | { readonly id: number; readonly error: string };

export interface CheckPool {
  run(
    context: JobContext,
    jobs: readonly DependencyJob[],
    onJob: (job: DependencyJob, results: LevelledResult[]) => void,
    fallback: (job: DependencyJob) => Promise<LevelledResult[]>,
  ): Promise<void>;
  close(): Promise<void>;
}

/** startCheckPool starts `threads` workers now (their start-up overlaps whatever comes next). */
export function startCheckPool(threads: number): CheckPool {
  const workers = existsSync(fileURLToPath(WORKER_URL))
    ? Array.from(
        { length: Math.max(1, threads) },
        // The parent's flags minus --input-type, which a thread started from a file refuses.
        () =>
          new Worker(WORKER_URL, {
            execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
          }),
      )
    : [];
  // A worker that fails before it is given work must not take the process down; one that has
  // exited gets no jobs.
  const exited = new Set<Worker>();
  for (const w of workers) {
    w.on('error', () => undefined);
    w.once('exit', () => exited.add(w));
  }
  return {
    async run(context, jobs, onJob, fallback) {
      if (workers.length === 0) {
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
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              let current: DependencyJob | undefined;
              const finish = () => {
                worker.off('message', onMessage);
                worker.off('exit', onExit);
                resolve();
              };
              const send = () => {
                current = next < jobs.length ? jobs[next++] : undefined;
                if (current) worker.postMessage({ id: next - 1, job: current } as WorkerMessage);
                else finish();
              };
              const onMessage = (a: JobAnswer) => {
                if ('results' in a) onJob(current!, a.results);
                else retry.push(current!);
                send();
              };
              // A crashed thread's job is checked here; its remaining share goes to the others.
              const onExit = () => {
                if (current) retry.push(current);
                current = undefined;
                finish();
              };
              if (exited.has(worker)) return resolve();
              worker.on('message', onMessage);
              worker.on('exit', onExit);
              worker.postMessage({ context } as WorkerMessage);
              send();
            }),
        ),
      );
      // Jobs no thread took (every thread died) and jobs a thread could not finish.
      while (next < jobs.length) retry.push(jobs[next++]!);
      for (const job of retry) onJob(job, await fallback(job));
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
