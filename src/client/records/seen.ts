/**
 * CheckpointClock: when this machine first saw each checkpoint (origin, size,
 * root). Sigil checkpoints carry no signed time (c2sp.org/tlog-checkpoint has
 * none), so without witness cosignatures — whose tlog-cosignature/v1
 * timestamps are signed — the age of a checkpoint is measured from the first
 * time this machine saw it: a server that keeps answering with the same old
 * tree (a freeze attack) is noticed once that exceeds the policy's
 * `maxCheckpointAge`. File: `<config dir>/records/checkpoints-seen.json`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../io/durable-file.js';
import { dirname, join } from 'node:path';

export interface CheckpointClock {
  /** firstSeen returns when the checkpoint was first seen, recording `now` if it never was. */
  firstSeen(origin: string, size: number, rootBase64: string, now: Date): Promise<Date>;
}

export function memoryCheckpointClock(): CheckpointClock {
  const m = new Map<string, Date>();
  return {
    async firstSeen(origin, size, root, now) {
      const k = `${origin} ${size} ${root}`;
      const d = m.get(k);
      if (d) return d;
      m.set(k, now);
      return now;
    },
  };
}

const MAX_REMEMBERED = 2000;

export function fileCheckpointClock(configDir: string): CheckpointClock {
  const path = join(configDir, 'records', 'checkpoints-seen.json');
  return {
    async firstSeen(origin, size, root, now) {
      let table: Record<string, string> = {};
      try {
        const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
        if (typeof v === 'object' && v !== null && !Array.isArray(v))
          table = v as Record<string, string>;
      } catch {
        /* absent or unreadable: start again (the age can only become younger, never a false alarm) */
      }
      const k = `${origin} ${size} ${root}`;
      const seen = table[k] === undefined ? undefined : new Date(table[k]!);
      if (seen && !Number.isNaN(seen.getTime())) return seen;
      table[k] = now.toISOString();
      const keys = Object.keys(table);
      if (keys.length > MAX_REMEMBERED)
        for (const old of keys.slice(0, keys.length - MAX_REMEMBERED)) delete table[old];
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, JSON.stringify(table, null, 1));
      return now;
    },
  };
}
