// The drivers a storage conformance suite runs on, each opening two handles on one shared state
// (two processes / replicas): in-memory (one object twice), SQLite (two handles on the same files
// in a temp folder) and PostgreSQL (two pools on a fresh database of a throw-away cluster, which
// needs the real program: skipped loudly locally, a failure under CI=true). Registers its own
// beforeAll/afterAll, so call it at the top level of the test file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { needsPostgres, type PostgresCluster, startPostgres } from './postgres.js';
import { skipUnlessPresent } from './real-program.js';

export interface DriverPair<T> {
  readonly name: string;
  readonly skip: boolean;
  pair(): Promise<[T, T]>;
}

interface Closable {
  close(): unknown;
}

export function driverPairs<T>(
  testFile: string,
  open: {
    /** Temp folder and database name prefix. */
    readonly prefix: string;
    memory(): T;
    /** Two handles on the same files in `dir` (seed it first if the driver needs rows). */
    sqlite(dir: string): [T & Closable, T & Closable];
    /** Two handles over two pools on one migrated database. */
    postgres(p1: pg.Pool, p2: pg.Pool): Promise<[T, T]> | [T, T];
  },
): DriverPair<T>[] {
  const pgProgram = needsPostgres(testFile);
  const skipPg = skipUnlessPresent(pgProgram);
  let cluster: PostgresCluster | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    if (skipPg) return;
    pgProgram.require();
    cluster = await startPostgres();
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await cluster?.destroy();
  });
  let n = 0;
  return [
    {
      name: 'memory',
      skip: false,
      async pair() {
        const m = open.memory();
        return [m, m];
      },
    },
    {
      name: 'sqlite',
      skip: false,
      async pair() {
        const dir = mkdtempSync(join(tmpdir(), `sigil-${open.prefix}-`));
        const [a, b] = open.sqlite(dir);
        cleanups.push(async () => {
          await a.close();
          await b.close();
          rmSync(dir, { recursive: true, force: true });
        });
        return [a, b];
      },
    },
    {
      name: 'postgresql',
      skip: skipPg,
      async pair() {
        const url = await cluster!.createDatabase(`${open.prefix}_${++n}`);
        const p1 = openPostgres(url, 8);
        const p2 = openPostgres(url, 8);
        cleanups.push(async () => {
          await p1.end();
          await p2.end();
        });
        await migrate(p1);
        return open.postgres(p1, p2);
      },
    },
  ];
}
