// Crash test (issue 4, "Bad input and faults"): `sigil serve` runs as a real
// child process (dist/cli/commands/serve.js, so run `npm run build` first; `npm
// test` does) and takes signed publishes from concurrent HTTP clients — many small
// distinct packages, each namespace's first publish carrying the author's `add`
// key event — and is killed with SIGKILL at random moments, 50+ times, always
// restarted on the same data directory. After every restart:
//  - every acknowledged release (201/200 seen by a client) is returned, in one
//    batch lookup, with the sha256 of the bytes sent; the releases acknowledged
//    in the last run (and a random sample of older ones) download intact and
//    their inclusion proofs check against the record's checkpoint;
//  - an upload that was in flight when the server died is either absent (404)
//    or complete (a record for exactly the bytes sent) — never partial; the
//    database holds no pending reservation once the server is up;
//  - the log audits clean (every entry re-hashed, every tile compared, root =
//    the signed checkpoint) and its checkpoint is consistent with the last one;
//  - key events survive: each namespace whose `add` was acknowledged still
//    has the author's key and at least as long a history.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey } from '../../src/core/keys.js';
import type { BatchLookupResponse, ReleaseRecord } from '../../src/core/release-record.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import {
  checkConsistency,
  checkInclusion,
  consistencyProofIndexes,
  hashesFromTiles,
  parseVerifierKey,
  proveConsistency,
  recordHash,
  tilesForIndexes,
  verifyCheckpoint,
  type Checkpoint,
} from '../../src/log/index.js';
import { parseEntryBundle } from '../../src/log/entry-bundle.js';
import { ENTRIES_LEVEL, formatTilePath, TILE_WIDTH } from '../../src/log/tile-path.js';
import { auditLog, dirTileSource } from '../../src/store/index.js';

const RUNS = Number(process.env['CRASH_RUNS'] ?? 56);
const WORKERS = 16;
const ORIGIN = 'crash.registry.test/log';

let data: string;

// `sigil serve` from dist/: the command's own function and flags, without loading the whole CLI
// (importing every command costs ~0.4 s a start, which would double the run time).
const SERVE_JS = join(import.meta.dirname, '../../dist/cli/commands/serve.js');
const SERVE = `
import { serve } from ${JSON.stringify(pathToFileURL(SERVE_JS).href)};
import { processIo } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../dist/cli/output.js')).href)};
const a = process.argv.slice(process.argv.indexOf('--') + 1);
const flag = (n) => (a.includes(n) ? a[a.indexOf(n) + 1] : undefined);
process.exitCode = await serve(processIo, { data: flag('--data'), listen: flag('--listen'), origin: flag('--origin'), rateLimit: flag('--rate-limit'), json: a.includes('--json') });
`;

beforeAll(() => {
  if (!existsSync(SERVE_JS))
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  data = mkdtempSync(join(tmpdir(), 'sigil-reg-crash-'));
});

afterAll(() => {
  rmSync(data, { recursive: true, force: true });
});

interface Started {
  url: string;
  vkey: string;
  adminToken: string | null;
}

interface Server {
  child: ChildProcess;
  ready: Promise<Started>;
  exited: Promise<void>;
}

function start(): Server {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      SERVE,
      '--',
      '--data',
      data,
      '--listen',
      '127.0.0.1:0',
      '--origin',
      ORIGIN,
      '--json',
      '--rate-limit',
      '1000000',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' },
    },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<Started>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const j = JSON.parse(out.slice(0, nl)) as {
        url: string;
        adminToken: string | null;
        log: { vkey: string };
      };
      resolve({ url: j.url, vkey: j.log.vkey, adminToken: j.adminToken });
    });
    child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
    void exited.then(() => reject(new Error(`server exited before it was ready: ${err}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited };
}

async function kill(s: Server): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Sent {
  purl: string;
  bytes: Buffer;
  sha256: string;
}

describe('the registry survives SIGKILL during publishes', () => {
  it(
    `${RUNS} kills during concurrent signed publishes lose no acknowledged release and show no partial one`,
    { timeout: 360_000 }, // 56 restarts: ~130 s on an idle 2-core machine, twice that at load 10
    async () => {
      const author = generateKey();
      const acked = new Map<string, Sent>(); // purl → what was sent, acknowledged 201/200
      const unacked = new Map<string, Sent>(); // in flight when the server died
      const keyAcked = new Set<string>(); // namespaces whose add event a client saw acknowledged (201 with it)
      const historyLen = new Map<string, number>();
      let token: string | undefined;
      let vkey: string | undefined;
      let prev: Checkpoint | undefined;
      let kills = 0;
      let earlyKills = 0;
      let versionSeq = 0;
      let unackedComplete = 0;
      let unackedAbsent = 0;
      let downloads = 0;
      let proofs = 0;
      let audited = 0;
      const refusals = new Map<string, number>();
      const t0 = Date.now();
      const pub = join(data, 'log', 'public');
      const phase = { startup: 0, check: 0, lookup: 0, audit: 0, downloads: 0 };

      const checkAfterRestart = async (url: string) => {
        const verifiers = [parseVerifierKey(vkey!)];
        const cpText = await (await fetch(`${url}/log/checkpoint`)).text();
        const v = verifyCheckpoint(cpText, verifiers, { origin: ORIGIN });
        expect(v.ok, cpText).toBe(true);
        const cp = (v as { checkpoint: Checkpoint }).checkpoint;
        if (prev && prev.size > 0) {
          expect(cp.size).toBeGreaterThanOrEqual(prev.size);
          // Tiles of the served checkpoint over HTTP: recovery may have appended after the
          // restart, and the static files in public/ follow the log's commits asynchronously
          // (public/checkpoint always names tiles that are on disk; see the final audit).
          const tiles = new Map<string, Uint8Array>();
          for (const t of tilesForIndexes(cp.size, consistencyProofIndexes(prev.size, cp.size))) {
            const r = await fetch(`${url}/log/${formatTilePath(t)}`);
            expect(r.status, formatTilePath(t)).toBe(200);
            tiles.set(formatTilePath(t), new Uint8Array(await r.arrayBuffer()));
          }
          const proof = proveConsistency(prev.size, cp.size, {
            readHashes: (idx) => hashesFromTiles(cp.size, idx, tiles),
          });
          expect(checkConsistency(proof, prev.size, cp.size, prev.hash, cp.hash).status).toBe(
            'pass',
          );
        }
        prev = cp;

        // No reservation is left pending once the server serves (recovery finished or dropped it).
        const db = new Database(join(data, 'registry.sqlite'), {
          readonly: true,
          fileMustExist: true,
        });
        try {
          expect(
            (
              db.prepare(`SELECT count(*) AS n FROM release WHERE state = 'pending'`).get() as {
                n: number;
              }
            ).n,
          ).toBe(0);
          expect(
            (
              db.prepare(`SELECT count(*) AS n FROM key_event WHERE log_index IS NULL`).get() as {
                n: number;
              }
            ).n,
          ).toBe(0);
        } finally {
          db.close();
        }

        // Every acknowledged release, in one batch lookup against one checkpoint.
        const tL = Date.now();
        const purls = [...acked.keys(), ...unacked.keys()];
        const res = await fetch(`${url}/api/v1/releases/lookup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ purls }),
        });
        expect(res.status).toBe(200);
        const batch = (await res.json()) as BatchLookupResponse;
        const bcp = verifyCheckpoint(batch.checkpoint, verifiers, { origin: ORIGIN });
        expect(bcp.ok).toBe(true);
        const bsize = (bcp as { checkpoint: Checkpoint }).checkpoint;
        phase.lookup += Date.now() - tL;
        for (const [purl, sent] of acked) {
          const r = batch.records[purl];
          expect(r, `acknowledged ${purl} is missing after restart`).toBeTruthy();
          expect(r!.digests.sha256).toBe(sent.sha256);
        }
        // In flight when killed: absent or complete, for exactly the bytes sent; never partial.
        for (const [purl, sent] of unacked) {
          const r = batch.records[purl];
          const one = await fetch(`${url}/api/v1/releases/${encodeURIComponent(purl)}`);
          if (r === null) {
            expect(one.status).toBe(404);
            unackedAbsent++;
          } else {
            expect(one.status).toBe(200);
            expect(r!.digests.sha256).toBe(sent.sha256);
            expect(r!.log.publish.logIndex).toBeLessThan(bsize.size);
            unackedComplete++;
            acked.set(purl, sent); // complete now: it must stay so
          }
        }
        unacked.clear();

        // Downloads and proofs: the freshly acknowledged ones and a random sample of the rest.
        const tD = Date.now();
        const fresh = [...acked.values()].slice(-30);
        const sample = [...acked.values()].sort(() => Math.random() - 0.5).slice(0, 8);
        for (const sent of [...fresh, ...sample]) {
          const r = batch.records[sent.purl] as ReleaseRecord;
          const blob = await fetch(r.downloadUrl!);
          expect(blob.status).toBe(200);
          expect(
            Buffer.from(await blob.arrayBuffer()).equals(sent.bytes),
            `blob of ${sent.purl}`,
          ).toBe(true);
          downloads++;
          const eb = entryBundlePath(r.log.publish.logIndex, bsize.size);
          const leafRes = await fetch(`${url}/log/${eb.path}`);
          expect(leafRes.status).toBe(200);
          const leaf = parseEntryBundle(new Uint8Array(await leafRes.arrayBuffer()), eb.width)[
            r.log.publish.logIndex % TILE_WIDTH
          ]!;
          const check = checkInclusion(
            r.log.publish.hashes.map((h) => Buffer.from(h, 'base64')),
            r.log.publish.logIndex,
            bsize.size,
            recordHash(leaf),
            bsize.hash,
          );
          expect(check.status).toBe('pass');
          proofs++;
        }

        phase.downloads += Date.now() - tD;
        // Key events survive.
        for (const ns of keyAcked) {
          const l = (await (
            await fetch(`${url}/api/v1/ledger/${encodeURIComponent(ns)}`)
          ).json()) as { keys: { keyId: string }[]; history: unknown[] };
          expect(
            l.keys.map((k) => k.keyId),
            ns,
          ).toContain(author.publicKey.keyId);
          expect(l.history.length).toBeGreaterThanOrEqual(historyLen.get(ns) ?? 1);
          historyLen.set(ns, l.history.length);
        }

        // The whole log replays to the checkpoint.
        const tA = Date.now();
        const audit = await auditLog(dirTileSource(pub), {
          checkpoint: cpText,
          verifiers,
          origin: ORIGIN,
        });
        expect(audit.entries).toBe(cp.size);
        audited++;
        phase.audit += Date.now() - tA;
      };

      for (let run = 0; run < RUNS; run++) {
        const s = start();
        if (run % 8 === 7) {
          // Killed during start-up: recovery, ledger replay, log repair.
          await sleep(Math.random() * 250);
          await kill(s);
          kills++;
          earlyKills++;
          continue;
        }
        const tStart = Date.now();
        const started = await s.ready;
        phase.startup += Date.now() - tStart;
        const url = started.url;
        token ??= started.adminToken ?? undefined;
        vkey ??= started.vkey;
        expect(started.vkey).toBe(vkey);
        expect(token).toBeDefined();
        const tCheck = Date.now();
        await checkAfterRestart(url);
        phase.check += Date.now() - tCheck;

        let stop = false;
        const worker = async (w: number): Promise<void> => {
          const ns = `pkg:generic/crash-w${w}`;
          let established = keyAcked.has(ns);
          if (!established) {
            // Like `sigil publish`: send the add only while the namespace has no key (a lost ack may have established it).
            try {
              const l = (await (
                await fetch(`${url}/api/v1/ledger/${encodeURIComponent(ns)}`)
              ).json()) as { keys: unknown[] };
              established = l.keys.length > 0;
            } catch {
              return; // killed
            }
            if (established) keyAcked.add(ns);
          }
          while (!stop) {
            const version = `${run}.${w}.${versionSeq++}`;
            const purl = `${ns}@${version}`;
            const bytes = Buffer.concat([
              Buffer.from(`crash ${purl} `),
              randomBytes(64 + Math.floor(Math.random() * 2048)),
            ]);
            const digests = digestBytes(bytes);
            const bundle = JSON.parse(serializeBundle(signRelease({ purl, digests, key: author })));
            const keyEvents = established
              ? []
              : [
                  buildKeyEvent(
                    { namespace: ns, previous: null, action: 'add', keys: [author.publicKey] },
                    [author],
                  ).envelope,
                ];
            const sent: Sent = { purl, bytes, sha256: digests.sha256! };
            unacked.set(purl, sent);
            let res: Response;
            let text: string;
            try {
              res = await fetch(`${url}/api/v1/publish`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({
                  filename: `w${w}.bin`,
                  artifact: bytes.toString('base64'),
                  bundle,
                  keyEvents,
                  type: 'generic',
                  name: `crash-w${w}`,
                  version,
                }),
              });
              text = await res.text();
            } catch {
              return; // killed: stays in `unacked`
            }
            if (res.status === 201 || res.status === 200) {
              const r = JSON.parse(text) as ReleaseRecord;
              expect(r.digests.sha256).toBe(sent.sha256);
              unacked.delete(purl);
              acked.set(purl, sent);
              if (!established) {
                established = true;
                keyAcked.add(ns);
              }
              continue;
            }
            // A refusal is final for this purl; it must leave nothing.
            unacked.delete(purl);
            const code = (JSON.parse(text) as { error: { code: string } }).error.code;
            refusals.set(code, (refusals.get(code) ?? 0) + 1);
            expect([503], text).toContain(res.status); // pushback is the only acceptable refusal here
            await sleep(5);
          }
        };
        const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
        await sleep(40 + Math.random() * 460);
        await kill(s);
        kills++;
        stop = true;
        await Promise.all(workers);
      }

      // Final restart and check.
      const s = start();
      const { url } = await s.ready;
      await checkAfterRestart(url);
      await kill(s);
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(
        `registry crash test: ${RUNS} runs, ${kills} SIGKILLs (${earlyKills} during start-up), ${acked.size} acknowledged releases all intact after every restart ` +
          `(${unackedComplete} in-flight uploads found complete, ${unackedAbsent} absent, none partial), ${downloads} downloads and ${proofs} inclusion proofs checked, ` +
          `${keyAcked.size} namespaces' key events kept, ${audited} clean audits (log size ${prev?.size}), refusals ${JSON.stringify(Object.fromEntries(refusals))}, ${seconds} s ${JSON.stringify(phase)}`,
      );
      expect(kills).toBeGreaterThanOrEqual(50);
      expect(acked.size).toBeGreaterThan(500);
      expect(keyAcked.size).toBe(WORKERS);
    },
  );
});

/** entryBundlePath is the path (under /log/) of the entry bundle holding `index` in a tree of `size`, and its width. */
function entryBundlePath(index: number, size: number): { path: string; width: number } {
  const n = Math.floor(index / TILE_WIDTH);
  const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
  return { path: formatTilePath({ level: ENTRIES_LEVEL, index: n, width }), width };
}
