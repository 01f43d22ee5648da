/**
 * CheckpointMemory: the newest verified checkpoint per log origin, so a
 * client can demand a consistency proof before it accepts a newer one
 * (split-view detection; Go's sumdb keeps $GOPATH/pkg/sumdb/<name>/latest).
 *
 * Contract: `read` returns the checkpoint last written for the origin (or
 * undefined); `write` is durable on return and atomic (a reader sees the old
 * or the new checkpoint, never a mix). Callers verify what they read.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/durable-file.js';
import { join } from 'node:path';

export interface CheckpointMemory {
  read(origin: string): Promise<string | undefined>;
  write(origin: string, checkpoint: string): Promise<void>;
}

/** memoryCheckpointMemory keeps checkpoints in a Map (tests, one-shot runs). */
export function memoryCheckpointMemory(): CheckpointMemory & {
  readonly all: ReadonlyMap<string, string>;
} {
  const all = new Map<string, string>();
  return {
    all,
    async read(origin) {
      return all.get(origin);
    },
    async write(origin, checkpoint) {
      all.set(origin, checkpoint);
    },
  };
}

/** checkpointPath is where the file memory keeps an origin's checkpoint: <dir>/logs/<escaped origin>/checkpoint. */
export function checkpointPath(configDir: string, origin: string): string {
  // encodeURIComponent escapes "/" and ":"; a leading "." is escaped too, so no origin can name "." or "..".
  const safe = encodeURIComponent(origin).replace(/^\./, '%2E');
  return join(configDir, 'logs', safe, 'checkpoint');
}

const MAX_REMEMBERED_BYTES = 1_000_000;

/** fileCheckpointMemory keeps checkpoints under a config dir (see {@link checkpointPath}); writes are fsync'd and renamed into place. */
export function fileCheckpointMemory(configDir: string): CheckpointMemory {
  return {
    async read(origin) {
      try {
        const data = await readFile(checkpointPath(configDir, origin));
        if (data.length > MAX_REMEMBERED_BYTES)
          return data.subarray(0, MAX_REMEMBERED_BYTES).toString('utf8');
        return data.toString('utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async write(origin, checkpoint) {
      const path = checkpointPath(configDir, origin);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFileAtomic(path, checkpoint);
    },
  };
}
