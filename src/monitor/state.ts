/**
 * The monitor's state, one JSON file per log in the config dir
 * (`<config>/monitor/<hex sha256(origin)>.json`), written atomically after
 * each poll so the monitor resumes where it stopped: the pinned log key, the
 * last checkpoint, the right edge of the tree (to integrate new entries and
 * recompute the root), and what it knows of each purl and namespace.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import type { TreeEdge } from '../log/integrate.js';
import { writeFileDurable } from '../io/durable-file.js';

export interface MonitorState {
  readonly vkey: string;
  readonly checkpoint: string | undefined;
  readonly edge: { readonly size: number; readonly tiles: readonly string[] };
  /** Per purl: the digests of its first record and where it was logged. */
  readonly purls: Record<string, { digests: string; logIndex: number }>;
  /** Per ledger namespace: how many key events were seen. */
  readonly namespaces: Record<string, number>;
}

export function edgeToState(e: TreeEdge): MonitorState['edge'] {
  return { size: e.size, tiles: e.tiles.map((t) => Buffer.from(t).toString('base64')) };
}

export function edgeFromState(e: MonitorState['edge']): TreeEdge {
  return { size: e.size, tiles: e.tiles.map((t) => new Uint8Array(Buffer.from(t, 'base64'))) };
}

export function statePath(configDir: string, origin: string): string {
  return join(configDir, 'monitor', `${createHash('sha256').update(origin).digest('hex')}.json`);
}

/** readState reads a saved state; undefined when there is none. Throws InputError MONITOR_STATE_INVALID. */
export function readState(path: string): MonitorState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as MonitorState;
    if (
      typeof s.vkey !== 'string' ||
      typeof s.edge?.size !== 'number' ||
      !Array.isArray(s.edge.tiles)
    )
      throw new Error('missing fields');
    return s;
  } catch (e) {
    throw new InputError(
      'MONITOR_STATE_INVALID',
      `${path} is not a monitor state file: ${(e as Error).message}`,
      { file: path, hint: 'delete it to start monitoring from the beginning of the log' },
    );
  }
}

export async function writeState(path: string, s: MonitorState): Promise<void> {
  await writeFileDurable(path, Buffer.from(JSON.stringify(s), 'utf8'), 0o600);
}
