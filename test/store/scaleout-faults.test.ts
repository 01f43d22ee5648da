// Faults with real processes (issue 19): three `sigil log serve --database … --objects …`
// replicas (the built CLI, each its own process) on one throw-away PostgreSQL 15 cluster and
// one s3rver process, under concurrent appends from clients that pick a random replica.
// A random replica is killed with SIGKILL at random moments, 30+ times, and restarted; some
// kills aim at the integrator while it holds the advisory lock (found in pg_stat_activity by
// its application_name). Then: every acknowledged entry is at its acknowledged index on every
// replica, every replica's checkpoint is consistent with every acknowledged one, and the whole
// log audits clean from its tiles over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/log/checkpoint.js';
import { parseVerifierKey } from '../../src/log/note-key.js';
import {
  checkConsistency,
  consistencyProofFromHashes,
  consistencyProofIndexes,
} from '../../src/log/proof.js';
import { hashesFromTiles, tilesForIndexes } from '../../src/log/tile.js';
import { formatTilePath } from '../../src/log/tile-path.js';
import { auditLog } from '../../src/store/audit.js';
import { createLogKey } from '../../src/store/log-key.js';
import { httpTileSource } from '../../src/store/tile-source.js';
import { SIGIL_BIN } from '../helpers/cli.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';

const ORIGIN = 'faults.sigil.test/log';
const KILLS = Number(process.env.SIGIL_FAULT_KILLS ?? 30);
const CLIENTS = 12;
const pgProgram = needsPostgres('test/store/scaleout-faults.test.ts');
let cluster: PostgresCluster;
let s3: S3Server;
let dbUrl: string;
let keyDir: string;
let vkey: string;

beforeAll(async () => {
  if (skipUnlessPresent(pgProgram)) return;
  pgProgram.require();
  [cluster, s3] = await Promise.all([startPostgres(), startS3()]);
  dbUrl = await cluster.createDatabase('faults');
  keyDir = mkdtempSync(join(tmpdir(), 'sigil-faults-key-'));
  vkey = (await createLogKey(keyDir, ORIGIN)).verifierKey;
});
afterAll(async () => {
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

interface Replica {
  child: ChildProcess;
  url: Promise<string>;
  exited: Promise<void>;
  ready: string | undefined;
}

function startReplica(migrate = false): Replica {
  const child = spawn(
    process.execPath,
    [
      SIGIL_BIN,
      'log',
      'serve',
      '--data',
      keyDir,
      '--listen',
      '127.0.0.1:0',
      '--database',
      dbUrl,
      '--objects',
      s3.url,
      ...(migrate ? ['--migrate'] : []),
      '--batch-size',
      '64',
      '--batch-interval',
      '5',
      '--open-writes',
      '--write-rate',
      '100000000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^url: (.*)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
    void exited.then(() => reject(new Error(`replica exited before it was ready: ${err}`)));
  });
  url.catch(() => undefined);
  const r: Replica = { child, url, exited, ready: undefined };
  void url.then(
    (u) => (r.ready = u),
    () => undefined,
  );
  return r;
}

async function kill(r: Replica): Promise<void> {
  r.child.kill('SIGKILL');
  await r.exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** consistencyProofOverHttp builds a proof from the tiles a replica serves (as a client would). */
async function consistencyProofOverHttp(url: string, size1: number, size2: number) {
  const idx = consistencyProofIndexes(size1, size2);
  const tiles = new Map<string, Uint8Array>();
  for (const t of tilesForIndexes(size2, idx)) {
    const res = await fetch(`${url}/${formatTilePath(t)}`);
    expect(res.status).toBe(200);
    tiles.set(formatTilePath(t), new Uint8Array(await res.arrayBuffer()));
  }
  return consistencyProofFromHashes(size1, size2, hashesFromTiles(size2, idx, tiles));
}

async function integratorPid(db: pg.Client): Promise<number | undefined> {
  const r = await db.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'sigil-integrator%'`,
  );
  const m = /pid=(\d+)/.exec(r.rows[0]?.application_name ?? '');
  return m ? Number(m[1]) : undefined;
}

describe.skipIf(skipUnlessPresent(pgProgram))('scale-out faults with real processes', () => {
  it(`${KILLS} SIGKILLs across three replicas lose nothing acknowledged; the integrator is replaced`, async () => {
    const first = startReplica(true); // applies the migrations
    await first.url;
    const replicas: Replica[] = [first, startReplica(), startReplica()];
    await Promise.all(replicas.map((r) => r.url));
    const db = new pg.Client({ connectionString: dbUrl });
    db.on('error', () => undefined);
    await db.connect();

    const acked = new Map<string, { index: number; treeSize: number; checkpoint: string }>();
    let stop = false;
    let seq = 0;
    let refused = 0;
    const statuses = new Map<number, number>();
    const client = async (): Promise<void> => {
      while (!stop) {
        const up = replicas.filter((x) => x.ready !== undefined && x.child.exitCode === null);
        if (up.length === 0) {
          await sleep(50);
          continue;
        }
        const url = up[Math.floor(Math.random() * up.length)]!.ready!;
        const entry = `entry ${seq++} ${Math.random()}`;
        try {
          const res = await fetch(`${url}/add`, {
            method: 'POST',
            body: entry,
            signal: AbortSignal.timeout(15_000),
          });
          if (res.status === 200) {
            const b = (await res.json()) as { index: number; treeSize: number; checkpoint: string };
            acked.set(entry, b);
          } else {
            expect([503]).toContain(res.status); // pushback, never a 500
            expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
            refused++;
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        } catch {
          // killed mid-request: not acknowledged
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    let integratorKills = 0;
    let takeOverMs = 0;
    for (let k = 0; k < KILLS; k++) {
      await sleep(600 + Math.random() * 800);
      let victim = Math.floor(Math.random() * replicas.length);
      if (k % 5 === 0) {
        // Aim at the integrator while it holds the lock.
        const pid = await integratorPid(db);
        const i = replicas.findIndex((r) => r.child.pid === pid);
        if (i >= 0) {
          victim = i;
          integratorKills++;
          const t0 = Date.now();
          await kill(replicas[i]!);
          replicas[i] = startReplica();
          // Another replica (or the restarted one) holds the lock within seconds.
          while ((await integratorPid(db)) === undefined || (await integratorPid(db)) === pid) {
            expect(Date.now() - t0).toBeLessThan(15_000);
            await sleep(50);
          }
          takeOverMs = Math.max(takeOverMs, Date.now() - t0);
          continue;
        }
      }
      await kill(replicas[victim]!);
      replicas[victim] = startReplica();
    }
    await sleep(500);
    stop = true;
    await Promise.all(clients);
    const urls = await Promise.all(replicas.map((r) => r.url));

    // On 2 busy cores a replica takes seconds to start and a take-over costs an election tick:
    // the figure that matters is that acknowledgements kept coming between kills.
    expect(acked.size).toBeGreaterThanOrEqual(KILLS);
    expect(integratorKills).toBeGreaterThanOrEqual(3);
    // Every acknowledged entry, from every replica: same index, consistent checkpoints.
    const verifier = parseVerifierKey(vkey);
    for (const url of urls) {
      const cpText = await (await fetch(`${url}/checkpoint`)).text();
      const cp = verifyCheckpoint(cpText, [verifier], { origin: ORIGIN });
      expect(cp.ok).toBe(true);
      if (!cp.ok) return;
      const audit = await auditLog(httpTileSource(url), {
        checkpoint: cpText,
        verifiers: [verifier],
        origin: ORIGIN,
      });
      expect(audit.entries).toBeGreaterThanOrEqual(acked.size);
      // Resubmitting an acknowledged entry answers its index (read through this replica).
      const some = [...acked].filter((_, i) => i % 25 === 0);
      for (const [entry, a] of some) {
        const res = await fetch(`${url}/add`, { method: 'POST', body: entry });
        expect(res.status).toBe(200);
        const b = (await res.json()) as { index: number };
        expect(b.index).toBe(a.index);
      }
    }
    // Each acknowledged checkpoint is consistent with the final tree (no fork, no rollback).
    const sizes = new Map<number, string>();
    for (const a of acked.values()) sizes.set(a.treeSize, a.checkpoint);
    const finalCp = await (await fetch(`${urls[0]}/checkpoint`)).text();
    const fin = verifyCheckpoint(finalCp, [verifier], { origin: ORIGIN });
    if (!fin.ok) throw new Error('final checkpoint');
    for (const [size, text] of [...sizes].filter((_, i) => i % 10 === 0)) {
      const c = verifyCheckpoint(text, [verifier], { origin: ORIGIN });
      if (!c.ok) throw new Error('acked checkpoint');
      const res = await fetch(`${urls[1]}/checkpoint`); // any replica serves proofs from the same tiles
      expect(res.status).toBe(200);
      const proof = await consistencyProofOverHttp(urls[1]!, size, fin.checkpoint.size);
      expect(
        checkConsistency(proof, size, fin.checkpoint.size, c.checkpoint.hash, fin.checkpoint.hash)
          .status,
      ).toBe('pass');
    }
    // No two roots for one size, ever.
    const forks = await db.query(
      `SELECT size FROM log_tree GROUP BY log, size HAVING count(DISTINCT root) > 1`,
    );
    expect(forks.rowCount).toBe(0);
    await db.end();
    await Promise.all(replicas.map(kill));
    console.log(
      `scale-out faults: ${KILLS} SIGKILLs (${integratorKills} of the integrator, take-over ≤ ${takeOverMs} ms), ` +
        `${acked.size} acknowledged entries all present on 3 replicas, ${refused} answered 503 (${JSON.stringify([...statuses])}), log audits clean`,
    );
  }, 240_000);
});
