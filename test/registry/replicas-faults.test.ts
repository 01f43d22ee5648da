// Registry replicas under faults (issue 19): three real `sigil serve --database … --objects …`
// processes (the built command) on one throw-away PostgreSQL 15 cluster and one s3rver process,
// taking signed multipart publishes (as `sigil publish` sends them) from concurrent clients that
// pick a random live replica for each upload.
//
//  1. A random replica is killed with SIGKILL at random moments, 30+ times, and restarted. Then,
//     from EVERY replica: each acknowledged release (201/200) is in one batch lookup with the
//     sha256 sent and at the same publish index; a sample downloads intact and its inclusion
//     proof checks; an upload in flight at a kill is absent or complete, never partial; each
//     namespace keeps its author key; `sigil log audit` is clean; every checkpoint seen during
//     the run is consistent with the final one; PostgreSQL holds one root per tree size and no
//     acknowledged release is pending.
//  2. PostgreSQL is restarted under publish load: meanwhile publishes answer 503 + Retry-After
//     (never 500, never acknowledged), then they succeed again; nothing half-written.
//  3. The object store is stopped under publish load: publishes fail cleanly (503 +
//     Retry-After, nothing acknowledged that is not stored), then recover when it is back.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
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
import { runCli } from '../helpers/cli.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import {
  builtServe,
  killReplica,
  type Replica,
  startReplica,
} from '../helpers/registry-replica.js';
import { copyBucket, type S3Server, startS3 } from '../helpers/s3.js';

const ORIGIN = 'replicas.sigil.test/log';
const KILLS = Number(process.env['SIGIL_FAULT_KILLS'] ?? 30);
const WORKERS = 9;
/** Replicas (3; 1 to debug the harness on one process). */
const REPLICAS = Number(process.env['SIGIL_FAULT_REPLICAS'] ?? 3);
const pgProgram = needsPostgres('test/registry/replicas-faults.test.ts');

let cluster: PostgresCluster;
let s3: S3Server;
let database: string;
let root: string;
const dataDirs: string[] = [];
const replicas: Replica[] = [];
let token: string;
let vkey: string;
const author: PrivateKey = generateKey();

interface Sent {
  readonly purl: string;
  readonly bytes: Buffer;
  readonly sha256: string;
}
/** Acknowledged (201/200) releases, and the publish index each answer named. */
const acked = new Map<string, Sent & { publishIndex: number }>();
/** In flight when a replica died or an engine went away: absent or complete later, never partial. */
const unacked = new Map<string, Sent>();
/** Every signed checkpoint seen during the run (must all be consistent with the final tree). */
const seenCheckpoints = new Map<number, string>();
const namespaces = Array.from({ length: WORKERS }, (_, w) => `pkg:generic/replica-w${w}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function start(i: number, migrate = false): Replica {
  const r = startReplica({
    data: dataDirs[i]!,
    database,
    objects: s3.url,
    origin: ORIGIN,
    migrate,
  });
  replicas[i] = r;
  return r;
}

/** liveUrl is a random replica that is up, or undefined while none is. */
function liveUrl(): string | undefined {
  const up = replicas.map((r) => r.url).filter((u): u is string => u !== undefined);
  return up[Math.floor(Math.random() * up.length)];
}

beforeAll(async () => {
  if (skipUnlessPresent(pgProgram)) return;
  pgProgram.require();
  if (!builtServe()) throw new Error('dist/ is missing: run `npm run build` first');
  [cluster, s3] = await Promise.all([startPostgres(), startS3('replicas')]);
  database = await cluster.createDatabase('replicas');
  root = mkdtempSync(join(tmpdir(), 'sigil-replicas-'));
  for (let i = 0; i < REPLICAS; i++) dataDirs.push(join(root, `replica-${i}`));
  // The first replica of a new deployment: migrates, makes the keys and the admin account.
  const first = start(0, true);
  const s = await first.ready;
  token = s.adminToken!;
  vkey = s.vkey;
  expect(token).toMatch(/\S{16,}/);
  await killReplica(first, 'SIGTERM');
  expect(readdirSync(dataDirs[0]!)).not.toContain('registry.sqlite');
  // Every replica holds a copy of the same key files, and nothing else: the rest is shared.

  for (const d of dataDirs.slice(1)) cpSync(dataDirs[0]!, d, { recursive: true });
  // --migrate on every replica at once is safe (each migration once, under its lock).
  const started = await Promise.all(dataDirs.map((_, i) => start(i, true).ready));
  for (const x of started) {
    expect(x.vkey).toBe(vkey);
    expect(x.adminToken).toBeNull(); // one admin account for the deployment, made once
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => killReplica(r)));
  await Promise.all([cluster?.destroy(), s3?.destroy()]);
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { error?: { code: string; message: string } } & Partial<ReleaseRecord>;
}

/** publish sends one signed upload as multipart/form-data, as `sigil publish` does. */
async function publish(
  url: string,
  sent: Sent,
  keyEvents: unknown[] = [],
  signed = true,
): Promise<Answer> {
  const form = new FormData();
  const filename = `${sent.purl.replace(/^.*\//, '').replace('@', '-')}.bin`;
  form.append('artifact', new Blob([sent.bytes]), filename);
  form.append('filename', filename);
  if (signed)
    form.append(
      'bundle',
      serializeBundle(
        signRelease({ purl: sent.purl, digests: digestBytes(sent.bytes), key: author }),
      ),
    );
  if (keyEvents.length > 0) form.append('keyEvents', JSON.stringify(keyEvents));
  // A generic file has no metadata of its own: its name and version come as fields.
  const [, name, version] = /^pkg:generic\/([^@]+)@(.+)$/.exec(sent.purl)!;
  form.append('type', 'generic');
  form.append('name', name!);
  form.append('version', version!);
  const res = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = { error: { code: 'NOT_JSON', message: text.slice(0, 200) } };
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

let versionSeq = 0;
/** nextUpload is a new version in worker w's namespace, or (w = -1) the first of a new package. */
function nextUpload(w: number): Sent {
  const purl =
    w < 0
      ? `pkg:generic/replica-probe-${versionSeq++}@1.0.0`
      : `${namespaces[w]}@1.${w}.${versionSeq++}`;
  const bytes = Buffer.concat([
    Buffer.from(`replica ${purl} `),
    randomBytes(64 + Math.floor(Math.random() * 4096)),
  ]);
  return { purl, bytes, sha256: digestBytes(bytes).sha256! };
}

interface Load {
  stop(): Promise<void>;
  /** Answers by status, with the time each request was sent and answered. */
  readonly answers: { status: number; retryAfter: string | null; sentAt: number; at: number }[];
  readonly thrown: { value: number };
  /** probe sends one upload beside the clients (recorded like theirs). */
  probe(): void;
}

/**
 * publishLoad runs WORKERS clients, each publishing into its own namespace through a random
 * live replica. A refusal must be 503 with Retry-After (pushback); a request cut by a kill
 * stays in `unacked`.
 */
function publishLoad(): Load {
  const state = { stopped: false };
  const answers: Load['answers'] = [];
  const thrown = { value: 0 };
  const probes: Promise<unknown>[] = [];
  /** once sends one upload and records the answer; false when no replica was up. */
  const once = async (w: number): Promise<boolean> => {
    const url = liveUrl();
    if (url === undefined) return false;
    const sent = nextUpload(w);
    unacked.set(sent.purl, sent);
    const sentAt = Date.now();
    let a: Answer;
    try {
      a = await publish(url, sent, [], w >= 0);
    } catch {
      thrown.value++;
      return true; // cut by a kill: stays in unacked
    }
    answers.push({ status: a.status, retryAfter: a.retryAfter, sentAt, at: Date.now() });
    if (a.status === 201 || a.status === 200) {
      expect(a.body.digests?.sha256).toBe(sent.sha256);
      unacked.delete(sent.purl);
      acked.set(sent.purl, { ...sent, publishIndex: a.body.log!.publish.logIndex });
      seenCheckpoints.set(a.body.log!.publish.logIndex + 1, a.body.log!.checkpoint);
      return true;
    }
    // Pushback is the only acceptable refusal; the upload may still complete (recovery) or not.
    expect(
      a.status,
      `${JSON.stringify(a.body)} from ${url}; ${replicas.map((r, i) => `#${i} ${r.url ?? 'down'}: ${r.stderr().slice(-1500)}`).join(' | ')}`,
    ).toBe(503);
    expect(a.retryAfter).toMatch(/^\d+$/);
    return true;
  };
  const worker = async (w: number): Promise<void> => {
    while (!state.stopped) if (!(await once(w))) await sleep(20);
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  return {
    answers,
    thrown,
    probe() {
      probes.push(once(-1));
    },
    async stop() {
      state.stopped = true;
      await Promise.all([...workers, ...probes]);
    },
  };
}

/**
 * probeFor sends one more upload every 250 ms for `ms`, each on its own and each the first
 * (unsigned) release of a new package: the load's clients may all be waiting on uploads queued
 * before an outage (the log waits them out, and a package's publishes queue behind each other),
 * and a publish that starts during the outage must still be answered.
 */
async function probeFor(load: Load, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    load.probe();
    await sleep(250);
  }
}

/** entryBundlePath is the path (under /log/) of the entry bundle holding `index` in a tree of `size`. */
function entryBundlePath(index: number, size: number): { path: string; width: number } {
  const n = Math.floor(index / TILE_WIDTH);
  const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
  return { path: formatTilePath({ level: ENTRIES_LEVEL, index: n, width }), width };
}

async function checkpointOf(url: string): Promise<{ text: string; cp: Checkpoint }> {
  const text = await (await fetch(`${url}/log/checkpoint`)).text();
  const v = verifyCheckpoint(text, [parseVerifierKey(vkey)], { origin: ORIGIN });
  if (!v.ok) throw new Error(`${url}/log/checkpoint does not verify: ${v.check.reason}`);
  return { text, cp: v.checkpoint };
}

/**
 * everythingIntact checks, from every replica, what the header says survives any fault.
 * Returns counts for the summary line.
 */
async function everythingIntact(urls: readonly string[]): Promise<Record<string, number>> {
  const counts = { complete: 0, absent: 0, downloads: 0, proofs: 0, consistency: 0 };
  const purls = [...acked.keys(), ...unacked.keys()];
  // An upload cut mid-flight is absent (null) or complete at one publish index, the same on
  // every replica that has it.
  const decided = new Map<string, number | null>();
  for (const url of urls) {
    const res = await fetch(`${url}/api/v1/releases/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ purls }),
    });
    expect(res.status, url).toBe(200);
    const batch = (await res.json()) as BatchLookupResponse;
    const bv = verifyCheckpoint(batch.checkpoint, [parseVerifierKey(vkey)], { origin: ORIGIN });
    expect(bv.ok).toBe(true);
    const bcp = (bv as { checkpoint: Checkpoint }).checkpoint;
    for (const [purl, sent] of acked) {
      const r = batch.records[purl] as ReleaseRecord | null | undefined;
      expect(r, `acknowledged ${purl} is missing on ${url}`).toBeTruthy();
      expect(r!.digests.sha256).toBe(sent.sha256);
      expect(r!.log.publish.logIndex, purl).toBe(sent.publishIndex);
    }
    for (const [purl, sent] of unacked) {
      let r = batch.records[purl] as ReleaseRecord | null | undefined;
      if (r === null || r === undefined) {
        // Absent from the batch: the one-purl read agrees, or recovery finished it meanwhile.
        const one = await fetch(`${url}/api/v1/releases/${encodeURIComponent(purl)}`);
        expect([200, 404], purl).toContain(one.status);
        r = one.status === 200 ? ((await one.json()) as ReleaseRecord) : null;
      }
      const index = r === null ? null : r.log.publish.logIndex;
      // Recovery (of a dead replica's reservation, after its lease) may finish one between two
      // replicas' lookups: absent then complete is allowed, complete then absent never is.
      const before = decided.get(purl);
      if (before !== undefined && before !== null) expect(index, `${purl} on ${url}`).toBe(before);
      decided.set(purl, index);
      if (r) expect(r.digests.sha256, purl).toBe(sent.sha256);
    }
    // Downloads and inclusion proofs: the newest acknowledged and a random sample.
    const all = [...acked.values()];
    const sample = [...all.slice(-15), ...all.sort(() => Math.random() - 0.5).slice(0, 15)];
    for (const sent of sample) {
      const blob = await fetch(`${url}/api/v1/blobs/sha256/${sent.sha256}`);
      expect(blob.status, `blob of ${sent.purl} on ${url}`).toBe(200);
      expect(Buffer.from(await blob.arrayBuffer()).equals(sent.bytes), sent.purl).toBe(true);
      counts.downloads++;
      const r = batch.records[sent.purl] as ReleaseRecord;
      const eb = entryBundlePath(r.log.publish.logIndex, bcp.size);
      const leafRes = await fetch(`${url}/log/${eb.path}`);
      expect(leafRes.status).toBe(200);
      const leaf = parseEntryBundle(new Uint8Array(await leafRes.arrayBuffer()), eb.width)[
        r.log.publish.logIndex % TILE_WIDTH
      ]!;
      const check = checkInclusion(
        r.log.publish.hashes.map((h) => Buffer.from(h, 'base64')),
        r.log.publish.logIndex,
        bcp.size,
        recordHash(leaf),
        bcp.hash,
      );
      expect(check.status, `inclusion of ${sent.purl} on ${url}`).toBe('pass');
      counts.proofs++;
    }
    // Each namespace keeps the author's key.
    for (const ns of namespaces) {
      const l = (await (await fetch(`${url}/api/v1/ledger/${encodeURIComponent(ns)}`)).json()) as {
        keys: { keyId: string }[];
      };
      expect(
        l.keys.map((k) => k.keyId),
        `${ns} on ${url}`,
      ).toContain(author.publicKey.keyId);
    }
    // The whole log replays to the replica's checkpoint (`sigil log audit`, over HTTP).
    const audit = await runCli(['log', 'audit', '--url', `${url}/log`, '--vkey', vkey]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/^audited \d+ entries .*signature verified/m);
  }
  for (const [purl, index] of decided) {
    if (index === null) counts.absent++;
    else {
      counts.complete++;
      acked.set(purl, { ...unacked.get(purl)!, publishIndex: index }); // complete: must stay so
    }
  }
  unacked.clear();

  // Every checkpoint seen is consistent with the final tree (no fork, no rollback), proven
  // from another replica's tiles.
  const fin = await checkpointOf(urls[0]!);
  const tilesUrl = urls[urls.length - 1]!;
  const seen = [...seenCheckpoints].filter(([size]) => size <= fin.cp.size);
  for (const [, text] of seen.filter(
    (_, i) => i % Math.max(1, Math.ceil(seen.length / 40)) === 0,
  )) {
    const c = verifyCheckpoint(text, [parseVerifierKey(vkey)], { origin: ORIGIN });
    if (!c.ok) throw new Error(`an acknowledged checkpoint does not verify: ${c.check.reason}`);
    if (c.checkpoint.size === 0 || c.checkpoint.size === fin.cp.size) continue;
    const tiles = new Map<string, Uint8Array>();
    const idx = consistencyProofIndexes(c.checkpoint.size, fin.cp.size);
    for (const t of tilesForIndexes(fin.cp.size, idx)) {
      const r = await fetch(`${tilesUrl}/log/${formatTilePath(t)}`);
      expect(r.status, formatTilePath(t)).toBe(200);
      tiles.set(formatTilePath(t), new Uint8Array(await r.arrayBuffer()));
    }
    const proof = proveConsistency(c.checkpoint.size, fin.cp.size, {
      readHashes: (i) => hashesFromTiles(fin.cp.size, i, tiles),
    });
    expect(
      checkConsistency(proof, c.checkpoint.size, fin.cp.size, c.checkpoint.hash, fin.cp.hash)
        .status,
    ).toBe('pass');
    counts.consistency++;
  }
  // PostgreSQL: one root per tree size, ever; no acknowledged release left pending.
  // A client of its own each time: PostgreSQL may have been restarted since the last check.
  const db = new pg.Client({ connectionString: database });
  db.on('error', () => undefined);
  await db.connect();
  const forks = await db.query(
    `SELECT size FROM log_tree GROUP BY log, size HAVING count(DISTINCT root) > 1`,
  );
  expect(forks.rowCount).toBe(0);
  const pending = await db.query<{ purl: string }>(
    `SELECT purl FROM release WHERE state = 'pending'`,
  );
  await db.end();
  for (const row of pending.rows)
    expect(acked.has(row.purl), `${row.purl} acknowledged but pending`).toBe(false);
  return { ...counts, pending: pending.rowCount ?? 0 };
}

/**
 * expectCleanFailures: publishes sent while an engine was down were refused with pushback
 * (503 + Retry-After), or acknowledged only after it came back (a request that waited for it);
 * never a 500, never an acknowledgement of what could not be stored.
 */
function expectCleanFailures(during: Load['answers'], up: number): void {
  expect(
    during.filter((a) => a.status === 503).length,
    `no publish was refused while down: ${JSON.stringify(during.map((a) => [a.status, a.at - up]))}`,
  ).toBeGreaterThan(0);
  for (const a of during) {
    expect([201, 503]).toContain(a.status);
    if (a.status === 503) expect(a.retryAfter).toMatch(/^\d+$/);
    else expect(a.at).toBeGreaterThanOrEqual(up);
  }
}

/** summary: what the load saw after `since` and what the replicas said on stderr (failure messages). */
function summary(load: Load, since: number): string {
  const after: Record<string, number> = {};
  for (const a of load.answers.filter((x) => x.at >= since))
    after[a.status] = (after[a.status] ?? 0) + 1;
  return `answers since: ${JSON.stringify(after)}, cut: ${load.thrown.value}; replicas: ${replicas
    .map((r, i) => `#${i} ${r.url ?? 'down'} ${r.stderr().slice(-1500)}`)
    .join(' | ')}`;
}

async function allReady(): Promise<string[]> {
  return (await Promise.all(replicas.map((r) => r.ready))).map((s) => s.url);
}

describe.skipIf(skipUnlessPresent(pgProgram))('registry replicas under faults', () => {
  it('establishes each namespace with its author key through different replicas', async () => {
    const urls = await allReady();
    for (let w = 0; w < WORKERS; w++) {
      const sent = nextUpload(w);
      const add = buildKeyEvent(
        { namespace: namespaces[w]!, previous: null, action: 'add', keys: [author.publicKey] },
        [author],
      ).envelope;
      const a = await publish(urls[w % urls.length]!, sent, [add]);
      expect(a.status, JSON.stringify(a.body)).toBe(201);
      acked.set(sent.purl, { ...sent, publishIndex: a.body.log!.publish.logIndex });
    }
  }, 60_000);

  it(`${KILLS} SIGKILLs of a random replica during publishes lose no acknowledged release`, async () => {
    const t0 = Date.now();
    const load = publishLoad();
    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      await sleep(300 + Math.random() * 700);
      const victim = Math.floor(Math.random() * replicas.length);
      await killReplica(replicas[victim]!);
      kills++;
      start(victim);
      // Never all three down for long: wait for one replica to be up before the next kill.
      while (liveUrl() === undefined) await sleep(50);
    }
    await allReady();
    await sleep(500);
    await load.stop();
    const urls = await allReady();
    const ackedBefore = acked.size;
    const counts = await everythingIntact(urls);
    const statuses: Record<number, number> = {};
    for (const a of load.answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    console.log(
      `replica faults: ${kills} SIGKILLs across ${REPLICAS} replicas, ${ackedBefore} acknowledged releases all intact on every replica ` +
        `(in flight at a kill: ${counts.complete} complete, ${counts.absent} absent, none partial; ${counts.pending} rows still pending, none acknowledged), ` +
        `${counts.downloads} downloads and ${counts.proofs} inclusion proofs, ${counts.consistency} checkpoints consistent, ${REPLICAS} clean audits; ` +
        `answers ${JSON.stringify(statuses)}, ${load.thrown.value} cut by kills; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    expect(kills).toBeGreaterThanOrEqual(30);
    // Acknowledgements kept coming between kills (on 2 busy cores, starts take seconds).
    expect(ackedBefore).toBeGreaterThan(KILLS * 3);
  }, 240_000);

  it('PostgreSQL restarted under publish load: 503 + Retry-After meanwhile, then recovery; nothing half-written', async () => {
    await allReady();
    const load = publishLoad();
    await sleep(1_000);
    const down = Date.now();
    await cluster.stop();
    await probeFor(load, 4_000);
    const up = Date.now();
    await cluster.start();
    // Publishes succeed again (each replica's pool reconnects; the integrator lock is re-taken).
    const before = acked.size;
    const deadline = Date.now() + 60_000;
    while (acked.size < before + WORKERS && Date.now() < deadline) await sleep(100);
    const recoveredMs = Date.now() - up;
    await load.stop();
    expect(
      acked.size,
      `publishes did not recover after PostgreSQL came back: ${summary(load, up)}`,
    ).toBeGreaterThanOrEqual(before + WORKERS);
    // Sent while PostgreSQL was down: pushback, or acknowledged only once it was back.
    const during = load.answers.filter((a) => a.sentAt > down + 200 && a.sentAt < up);
    expectCleanFailures(during, up);
    // Some replica may have been restarted by a crash under the outage: none may have died.
    for (const r of replicas) expect(r.child.exitCode, r.stderr()).toBeNull();
    const counts = await everythingIntact(await allReady());
    console.log(
      `PostgreSQL restart: ${during.length} publishes sent while down (${during.filter((a) => a.status === 503).length} answered 503 + Retry-After, the others acknowledged after the start); publishes again ${recoveredMs} ms after the start; ` +
        `in flight: ${counts.complete} complete, ${counts.absent} absent; ${counts.pending} rows pending, none acknowledged`,
    );
  }, 180_000);

  it('object store down under publish load: publishes fail cleanly, then recover', async () => {
    await allReady();
    const load = publishLoad();
    await sleep(1_000);
    const down = Date.now();
    await s3.stop();
    // Reads that need only PostgreSQL go on meanwhile: the batch lookup of what is acknowledged.
    await probeFor(load, 1_500);
    const lookup = await fetch(`${liveUrl()!}/api/v1/releases/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ purls: [...acked.keys()].slice(-20) }),
    });
    await probeFor(load, 2_500);
    const up = Date.now();
    await s3.start();
    const before = acked.size;
    const deadline = Date.now() + 60_000;
    while (acked.size < before + WORKERS && Date.now() < deadline) await sleep(100);
    await load.stop();
    expect(
      acked.size,
      `publishes did not recover after the object store came back: ${summary(load, up)}`,
    ).toBeGreaterThanOrEqual(before + WORKERS);
    const during = load.answers.filter((a) => a.sentAt > down + 200 && a.sentAt < up);
    expectCleanFailures(during, up);
    expect([200, 503]).toContain(lookup.status); // never a 500
    for (const r of replicas) expect(r.child.exitCode, r.stderr()).toBeNull();
    const counts = await everythingIntact(await allReady());
    console.log(
      `object store outage: ${during.length} publishes sent while down (${during.filter((a) => a.status === 503).length} answered 503 + Retry-After, the others acknowledged after it was back); lookup meanwhile ${lookup.status}; ` +
        `in flight: ${counts.complete} complete, ${counts.absent} absent`,
    );
  }, 180_000);

  it('kept nothing but keys in each replica folder', () => {
    for (const d of dataDirs) expect(existsSync(join(d, 'registry.sqlite')), d).toBe(false);
  });

  it('backup and restore (docs/scale-out.md): pg_dump, then a bucket copy, restored into new engines; a replica there serves every acknowledged release and audits clean', async () => {
    const urls = await allReady();
    // The procedure of the doc, while the replicas keep running: dump first, then copy the bucket.
    const dump = join(cluster.dir, 'registry.dump'); // pg_dump runs as the cluster's user
    await cluster.bin('pg_dump', ['-Fc', '-f', dump, 'replicas']);
    const restoredS3 = await startS3('restored');
    try {
      const objects = await copyBucket(s3, restoredS3);
      expect(objects).toBeGreaterThan(acked.size); // artifacts, tiles and bundles
      const restoredDb = await cluster.createDatabase('restored');
      await cluster.bin('pg_restore', ['-d', 'restored', '--no-owner', dump]);
      const data = join(root, 'restored-replica');
      cpSync(dataDirs[0]!, data, { recursive: true }); // the keys, kept apart from both backups
      const r = startReplica({
        data,
        database: restoredDb,
        objects: restoredS3.url,
        origin: ORIGIN,
      });
      try {
        const s = await r.ready;
        const counts = await everythingIntact([s.url]);
        console.log(
          `restore: ${objects} objects copied; ${acked.size} acknowledged releases readable from the restored replica, ${counts.downloads} downloads, ${counts.proofs} proofs, audit clean (live replicas: ${urls.length})`,
        );
      } finally {
        await killReplica(r, 'SIGTERM');
      }
    } finally {
      await restoredS3.destroy();
    }
  }, 180_000);
});
