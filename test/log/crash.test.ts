// Crash test (issue 3, "Bad input and faults"): the log server runs as a real
// child process (`sigil log serve`, compiled), takes heavy concurrent appends
// over HTTP and is killed with SIGKILL at random moments, 50+ times, always
// restarted on the same data directory. After every restart the new
// checkpoint must verify, cover every acknowledged entry and be consistent
// with the previous one (proof from tiles); resubmitted entries must come
// back `duplicate` at their acknowledged index. At the end every acknowledged
// entry is read back from the entry bundles at its acknowledged index, and
// the whole log is audited (root recomputed from the entries, every tile
// compared, checkpoint root) — from the directory and over HTTP via the CLI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint, type Checkpoint } from '../../src/log/checkpoint.js';
import { parseEntryBundle } from '../../src/log/entry-bundle.js';
import { parseVerifierKey } from '../../src/log/note-key.js';
import { checkConsistency, proveConsistency } from '../../src/log/proof.js';
import { tileHashReader } from '../../src/log/tile.js';
import { ENTRIES_LEVEL, formatTilePath, TILE_WIDTH } from '../../src/log/tile-path.js';
import { auditLog, dirTileSource } from '../../src/store/index.js';

const ROOT = join(import.meta.dirname, '../..');
const BUILD = join(import.meta.dirname, 'crash-dist');
const RUNNER = join(BUILD, 'run.mjs');
const RUNS = 55;
const WORKERS = 24;
const ORIGIN = 'crash.sigil.test/log';

let data: string;

beforeAll(() => {
  // Compile to a private directory: `dist/` may be in use by other test files.
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      BUILD,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  writeFileSync(
    RUNNER,
    "import { main } from './cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  data = mkdtempSync(join(tmpdir(), 'sigil-crash-'));
});

afterAll(() => {
  rmSync(BUILD, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  url: Promise<string>;
  vkey: Promise<string>;
  exited: Promise<void>;
}

function start(): Server {
  const child = spawn(
    process.execPath,
    [
      RUNNER,
      'log',
      'serve',
      '--data',
      data,
      '--listen',
      '127.0.0.1:0',
      '--origin',
      ORIGIN,
      '--batch-size',
      '32',
      '--batch-interval',
      '5',
      '--open-writes',
      '--write-rate',
      '100000000',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /^url: (.*)$/m.exec(out);
      const vkey = /^vkey: (.*)$/m.exec(out);
      if (url && vkey) resolve({ url: url[1]!, vkey: vkey[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
    void exited.then(() => reject(new Error(`server exited before it was ready: ${err}`)));
  });
  const url = lines.then((l) => l.url!);
  const vkey = lines.then((l) => l.vkey!);
  for (const p of [lines, url, vkey]) p.catch(() => undefined); // awaited only when the run gets that far
  return { child, url, vkey, exited };
}

async function kill(s: Server): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Ack {
  entry: Buffer;
  index: number;
  treeSize: number;
}

describe('the log survives SIGKILL', () => {
  it(
    `${RUNS} kills during heavy appends lose no acknowledged entry and leave a consistent tree`,
    { timeout: 150_000 },
    async () => {
      const acked = new Map<number, Ack>();
      let vkey: string | undefined;
      let prev: Checkpoint | undefined;
      let kills = 0;
      let earlyKills = 0;
      let duplicatesChecked = 0;
      let consistencyChecked = 0;
      const t0 = Date.now();
      const pub = join(data, 'public');
      const readTileSync = (t: { level: number; index: number; width: number }): Uint8Array => {
        try {
          return readFileSync(join(pub, formatTilePath(t)));
        } catch {
          return readFileSync(join(pub, formatTilePath({ ...t, width: TILE_WIDTH }))); // pruned partial: the full tile holds it
        }
      };

      for (let run = 0; run < RUNS; run++) {
        const s = start();
        // One run in eight is killed during start-up (loading, repairing), before it serves.
        if (run % 8 === 7) {
          await sleep(Math.random() * 120);
          await kill(s);
          earlyKills++;
          kills++;
          continue;
        }
        const url = await s.url;
        const vk = await s.vkey;
        vkey ??= vk;
        expect(vk).toBe(vkey);
        const verifiers = [parseVerifierKey(vkey)];

        // The restarted log: verified checkpoint, covering every ack, consistent with the last one.
        const cpText = await (await fetch(`${url}/checkpoint`)).text();
        const v = verifyCheckpoint(cpText, verifiers, { origin: ORIGIN });
        expect(v.ok, cpText).toBe(true);
        const cp = (v as { checkpoint: Checkpoint }).checkpoint;
        const maxAck = Math.max(0, ...[...acked.values()].map((a) => a.index + 1));
        expect(cp.size).toBeGreaterThanOrEqual(maxAck);
        if (prev && prev.size > 0) {
          expect(cp.size).toBeGreaterThanOrEqual(prev.size);
          const proof = proveConsistency(prev.size, cp.size, tileHashReader(cp.size, readTileSync));
          expect(checkConsistency(proof, prev.size, cp.size, prev.hash, cp.hash).status).toBe(
            'pass',
          );
          consistencyChecked++;
        }
        prev = cp;

        // Resubmitted acknowledged entries come back as duplicates at their index.
        const sample = [...acked.values()].sort(() => Math.random() - 0.5).slice(0, 3);
        for (const a of sample) {
          const r = await fetch(`${url}/add`, { method: 'POST', body: a.entry });
          expect(r.status).toBe(200);
          expect(await r.json()).toMatchObject({ index: a.index, duplicate: true });
          duplicatesChecked++;
        }

        // Heavy appends from concurrent clients, killed at a random moment.
        let stop = false;
        const worker = async (w: number): Promise<void> => {
          for (let n = 0; !stop; n++) {
            const entry = Buffer.from(
              `run ${run} worker ${w} entry ${n} ${randomBytes(8).toString('hex')}`,
            );
            let res: Response;
            try {
              res = await fetch(`${url}/add`, { method: 'POST', body: entry });
            } catch {
              return; // killed
            }
            if (res.status === 503) {
              await sleep(5);
              continue;
            }
            let body: { index: number; treeSize: number; duplicate: boolean };
            try {
              body = (await res.json()) as typeof body;
            } catch {
              return;
            }
            expect(res.status).toBe(200);
            expect(body.duplicate).toBe(false);
            expect(acked.has(body.index), `index ${body.index} acknowledged twice`).toBe(false);
            acked.set(body.index, { entry, index: body.index, treeSize: body.treeSize });
          }
        };
        const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
        await sleep(30 + Math.random() * 470);
        await kill(s);
        kills++;
        stop = true;
        await Promise.all(workers);
      }

      // Final restart: every acknowledged entry at its index, and a clean audit.
      const s = start();
      const url = await s.url;
      const cpText = await (await fetch(`${url}/checkpoint`)).text();
      const v = verifyCheckpoint(cpText, [parseVerifierKey(vkey!)], { origin: ORIGIN });
      expect(v.ok).toBe(true);
      const size = (v as { checkpoint: Checkpoint }).checkpoint.size;
      const bundles = new Map<number, Uint8Array[]>();
      for (const a of acked.values()) {
        expect(a.index).toBeLessThan(size);
        const b = Math.floor(a.index / TILE_WIDTH);
        let entries = bundles.get(b);
        if (!entries) {
          const width = Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
          entries = parseEntryBundle(
            readFileSync(join(pub, formatTilePath({ level: ENTRIES_LEVEL, index: b, width }))),
            width,
          );
          bundles.set(b, entries);
        }
        expect(
          Buffer.from(entries[a.index % TILE_WIDTH]!).equals(a.entry),
          `entry ${a.index}`,
        ).toBe(true);
      }
      const audit = await auditLog(dirTileSource(pub), {
        checkpoint: cpText,
        verifiers: [parseVerifierKey(vkey!)],
        origin: ORIGIN,
      });
      expect(audit.entries).toBe(size);
      const cli = execFileSync(
        process.execPath,
        [RUNNER, 'log', 'audit', '--url', url, '--vkey', vkey!],
        { encoding: 'utf8' },
      );
      expect(cli).toMatch(
        /^audited \d+ entries of crash\.sigil\.test\/log: .* matches the checkpoint \(signature verified\)/,
      );
      await kill(s);
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(
        `crash test: ${RUNS} runs, ${kills} SIGKILLs (${earlyKills} during start-up), ${acked.size} acknowledged entries all present at their index, ` +
          `log size ${size}, ${consistencyChecked} consistency proofs and ${duplicatesChecked} duplicate resubmissions checked, audit clean (${audit.tilesChecked} tiles), ${seconds} s`,
      );
      expect(kills).toBeGreaterThanOrEqual(50);
      expect(acked.size).toBeGreaterThan(1000);
    },
  );
});
