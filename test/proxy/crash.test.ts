// kill -9 during on-demand lookups: `sigil serve --upstream npm=…` runs as a real child process
// (bin/sigil.js → dist/, so `npm run build` first; `npm test` does), answers concurrent first
// lookups of real packages from a static upstream that answers slowly, and is killed with SIGKILL
// at random moments, then restarted on the same data folder. After each restart, before any new
// lookup, for every purl asked so far (read by the sha256 of the upstream's bytes, which triggers
// no lookup): either a record whose digests are those bytes, with the bytes downloadable from
// Sigil, or no record — never a record without its bytes. The log holds exactly one entry per
// recorded purl, and no reservation is left pending.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGIL_BIN } from '../helpers/cli.js';
import {
  cachedLockPackages,
  startStaticNpmUpstream,
  type StaticNpmUpstream,
  type UpstreamPackage,
} from './static-npm-upstream.js';

const ROUNDS = Number(process.env['PROXY_CRASH_ROUNDS'] ?? 4);
const DIST = join(import.meta.dirname, '../../dist/cli/main.js');

let dir: string;
let upstream: StaticNpmUpstream;
let pkgs: UpstreamPackage[];

function start(
  data: string,
  upstreamUrl: string,
): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        SIGIL_BIN,
        'serve',
        '--data',
        data,
        '--listen',
        '127.0.0.1:0',
        '--upstream',
        `npm=${upstreamUrl}`,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' } },
    );
    let out = '';
    const exited = new Promise((r) => child.once('exit', r));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n'))
        resolve({ child, exited, url: (JSON.parse(line) as { url: string }).url });
    });
    child.on('exit', (code) =>
      reject(new Error(`sigil serve exited ${code} before listening: ${out}`)),
    );
  });
}

const purlOf = (p: UpstreamPackage) => `pkg:npm/${p.name.replace('@', '%40')}@${p.version}`;

/** Tarball requests the upstream has seen: a lookup that reached it is in the middle of its work. */
let tarballRequests = 0;

beforeAll(async () => {
  if (!existsSync(DIST))
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  dir = mkdtempSync(join(tmpdir(), 'sigil-proxy-crash-'));
  pkgs = cachedLockPackages()
    .filter((p) => p.bytes.length < 200_000)
    .slice(0, 40);
  upstream = await startStaticNpmUpstream(pkgs, { sign: true });
  // Slow tarballs: a kill lands in the middle of lookups.
  upstream.fault = (req, res) => {
    if (!(req.url ?? '').endsWith('.tgz')) return false;
    const p = pkgs.find(
      (x) =>
        decodeURIComponent(req.url!).endsWith(`/${x.name.split('/').pop()}-${x.version}.tgz`) &&
        decodeURIComponent(req.url!).startsWith(`/${x.name}/`),
    );
    if (!p) return false;
    tarballRequests++;
    setTimeout(
      () => res.writeHead(200, { 'content-length': p.bytes.length }).end(p.bytes),
      5 + Math.floor(Math.random() * 60),
    );
    return true;
  };
}, 30_000);

afterAll(async () => {
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 during on-demand lookups', () => {
  it(`${ROUNDS} kills: every purl is either logged with its bytes or not logged`, async () => {
    const data = join(dir, 'data');
    const asked = new Set<UpstreamPackage>();
    let killedMidFlight = 0;
    // After each restart (before new lookups), what is logged is read without triggering a lookup:
    // records by the sha256 of the upstream's bytes, and the log size.
    const checkState = async (url: string) => {
      let recorded = 0;
      for (const p of asked) {
        const sha256 = createHash('sha256').update(p.bytes).digest('hex');
        const { records } = (await (
          await fetch(`${url}/api/v1/releases?sha256=${sha256}`)
        ).json()) as {
          records: { purl: string; digests: { sha512: string }; downloadUrl: string }[];
        };
        if (records.length === 0) continue;
        expect(records.map((r) => r.purl)).toEqual([purlOf(p)]);
        recorded++;
        const bytes = Buffer.from(await (await fetch(records[0]!.downloadUrl)).arrayBuffer());
        expect(createHash('sha512').update(bytes).digest('hex'), `${purlOf(p)}: bytes served`).toBe(
          records[0]!.digests.sha512,
        );
      }
      const size = Number((await (await fetch(`${url}/log/checkpoint`)).text()).split('\n')[1]);
      expect(size, 'one log entry per recorded purl').toBe(recorded);
      return recorded;
    };
    let recorded = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const s = await start(data, upstream.url);
      recorded = await checkState(s.url);
      if (round === ROUNDS) {
        s.child.kill('SIGKILL');
        await s.exited;
        break;
      }
      if (round === ROUNDS - 1) {
        // The last round lets its lookups finish before the kill: some records must exist to check.
        const batch = pkgs.slice(0, 5);
        for (const p of batch) asked.add(p);
        expect(
          await Promise.all(
            batch.map((p) =>
              fetch(`${s.url}/api/v1/releases/${encodeURIComponent(purlOf(p))}`).then(
                (r) => r.status,
              ),
            ),
          ),
        ).toEqual([200, 200, 200, 200, 200]);
        s.child.kill('SIGKILL');
        await s.exited;
        continue;
      }
      const batch = pkgs.slice((round * 7) % pkgs.length, ((round * 7) % pkgs.length) + 10);
      for (const p of batch) asked.add(p);
      let inflight = 0;
      const lookups = batch.map((p) => {
        inflight++;
        return fetch(`${s.url}/api/v1/releases/${encodeURIComponent(purlOf(p))}`)
          .then((r) => r.status)
          .catch(() => 0)
          .finally(() => inflight--);
      });
      if (round === 0) {
        // One kill is sure to land mid-lookup (a fast machine finishes a batch within the random
        // wait below): as soon as the upstream is serving this batch's first tarball.
        const before = tarballRequests;
        for (let i = 0; i < 2000 && tarballRequests === before && inflight > 0; i++)
          await new Promise((r) => setTimeout(r, 1));
      } else {
        await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 1500)));
      }
      if (inflight > 0) killedMidFlight++;
      s.child.kill('SIGKILL');
      await Promise.all(lookups);
      await s.exited;
    }
    expect(recorded).toBeGreaterThan(0);
    const db = new Database(join(data, 'registry.sqlite'), { readonly: true });
    try {
      expect(
        (
          db.prepare(`SELECT count(*) AS n FROM release WHERE state = 'pending'`).get() as {
            n: number;
          }
        ).n,
      ).toBe(0);
    } finally {
      db.close();
    }
    expect(killedMidFlight, 'some kills landed while lookups were in flight').toBeGreaterThan(0);
  }, 180_000);
});
