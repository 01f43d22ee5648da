// Witnesses end to end, every party a real process on loopback: three `sigil witness serve`, a
// `sigil log serve` asking them with a 2-of-3 tlog-policy, a forked copy of the log, and clients.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAddCheckpointRequest } from '../../src/log/add-checkpoint.js';
import { parseNote } from '../../src/log/note.js';
import { formatSignatureLine } from '../../src/log/note.js';
import { parseTlogPolicy, verifyCheckpointPolicy } from '../../src/log/policy.js';
import { createLogKey } from '../../src/store/log-key.js';
import { readWitnessKeyInfo } from '../../src/witness/key.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, type SigilProcess, startSigil, stop } from './processes.js';
import { TestTree } from './tree.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-witnesses-'));
const logDir = join(root, 'log');
const ORIGIN = 'log.witness.test';
let logKey: Awaited<ReturnType<typeof createLogKey>>;
const witnesses: { dir: string; vkey: string; proc: SigilProcess }[] = [];
let log: SigilProcess;
let policyText = '';

async function add(url: string, data: string): Promise<Response> {
  return fetch(`${url}/add`, {
    method: 'POST',
    body: data,
    headers: { 'content-type': 'application/octet-stream' },
  });
}
async function addCheckpoint(
  url: string,
  body: string,
): Promise<{ status: number; body: string; type: string | null }> {
  const r = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
}

beforeAll(async () => {
  logKey = await createLogKey(logDir, ORIGIN);
  const dirs = [1, 2, 3].map((i) => join(root, `w${i}`));
  for (const [i, dir] of dirs.entries()) {
    expect(
      (await runCli(['witness', 'init', '--name', `w${i + 1}.witness.test`, '--data', dir])).code,
    ).toBe(0);
    expect(
      (await runCli(['witness', 'add-log', '--vkey', logKey.verifierKey, '--data', dir])).code,
    ).toBe(0);
  }
  const procs = await Promise.all(
    dirs.map((dir) => startSigil(['witness', 'serve', '--data', dir, '--listen', '127.0.0.1:0'])),
  );
  dirs.forEach((dir, i) =>
    witnesses.push({ dir, vkey: readWitnessKeyInfo(dir)!.vkey, proc: procs[i]! }),
  );
  policyText = [
    `log ${logKey.verifierKey}`,
    ...witnesses.map((w, i) => `witness w${i + 1} ${w.vkey} ${w.proc.url}`),
    'group two-of-three 2 w1 w2 w3',
    'quorum two-of-three',
    '',
  ].join('\n');
  writeFileSync(join(root, 'witnesses.policy'), policyText);
  log = await startSigil([
    'log',
    'serve',
    '--data',
    logDir,
    '--listen',
    '127.0.0.1:0',
    '--batch-interval',
    '0',
    '--open-writes',
    '--write-rate',
    '1000000',
    '--witness-policy',
    join(root, 'witnesses.policy'),
    '--witness-timeout',
    '2000',
  ]);
}, 60_000);

afterAll(async () => {
  await cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('a log with three witnesses and a 2-of-3 policy', () => {
  it('every checkpoint it hands out is cosigned and meets the policy', async () => {
    for (const e of ['one', 'two', 'three']) expect((await add(log.url, e)).status).toBe(200);
    const r = await add(log.url, 'four');
    const { checkpoint } = (await r.json()) as { checkpoint: string };
    const policy = parseTlogPolicy(policyText);
    const v = verifyCheckpointPolicy(checkpoint, policy, { now: Math.floor(Date.now() / 1000) });
    expect(v.ok, JSON.stringify(v.checks)).toBe(true);
    expect([...v.cosigners].sort()).toEqual(['w1', 'w2', 'w3']);
    const served = await (await fetch(`${log.url}/checkpoint`)).text();
    expect(verifyCheckpointPolicy(served, policy).ok).toBe(true);
    expect(log.stdout()).toMatch(
      /witnesses: w1, w2, w3 \(quorum 2 of \(w1, w2, w3\), fail-closed\)/,
    );
  });

  it('one cosignature is not enough: the same checkpoint with a single cosignature fails the policy', async () => {
    const served = await (await fetch(`${log.url}/checkpoint`)).text();
    const note = parseNote(served);
    const logSig = note.signatures.find((s) => s.name === ORIGIN)!;
    const w1 = note.signatures.find((s) => s.name === 'w1.witness.test')!;
    const single = `${note.text}\n${formatSignatureLine(logSig)}${formatSignatureLine(w1)}`;
    const v = verifyCheckpointPolicy(single, parseTlogPolicy(policyText));
    expect(v.ok).toBe(false);
    expect(v.checks.at(-1)).toMatchObject({ code: 'WITNESS_QUORUM_NOT_MET', status: 'fail' });
    expect(v.cosigners).toEqual(['w1']);
  });

  it('the witness refuses rollback, bad proofs, unknown logs and unsigned checkpoints with the spec codes', async () => {
    const w = witnesses[0]!.proc.url;
    const served = await (await fetch(`${log.url}/checkpoint`)).text();
    const size = Number(parseNote(served).text.split('\n')[1]);
    // Rollback: the log's checkpoint of size 4 vs the witness's latest.
    const stale = await addCheckpoint(
      w,
      formatAddCheckpointRequest({ oldSize: 1, proof: [], checkpoint: served }),
    );
    expect(stale.status).toBe(409);
    expect(stale.type).toMatch(/^text\/x\.tlog\.size/);
    expect(stale.body).toBe(`${size}\n`);
    const tooOld = await addCheckpoint(
      w,
      formatAddCheckpointRequest({ oldSize: size + 1, proof: [], checkpoint: served }),
    );
    expect(tooOld.status).toBe(400);
    // A fork of the same size: another tree under the log's own key.
    const fork = new TestTree(ORIGIN, logKey.signer);
    for (let i = 0; i < size; i++) fork.add(`fork ${i}`);
    expect(
      (
        await addCheckpoint(
          w,
          formatAddCheckpointRequest({ oldSize: size, proof: [], checkpoint: fork.checkpoint() }),
        )
      ).status,
    ).toBe(409);
    fork.add('fork more');
    const badProof = await addCheckpoint(
      w,
      formatAddCheckpointRequest({
        oldSize: size,
        proof: fork.proof(size, size + 1),
        checkpoint: fork.checkpoint(),
      }),
    );
    expect(badProof.status).toBe(422);
    const unknown = new TestTree('other.witness.test', logKey.signer);
    unknown.add('x');
    expect(
      (
        await addCheckpoint(
          w,
          formatAddCheckpointRequest({ oldSize: 0, proof: [], checkpoint: unknown.checkpoint() }),
        )
      ).status,
    ).toBe(404);
    const { signer: otherSigner } = await createLogKey(join(root, 'impostor'), ORIGIN);
    const impostor = new TestTree(ORIGIN, otherSigner);
    impostor.add('x');
    expect(
      (
        await addCheckpoint(
          w,
          formatAddCheckpointRequest({
            oldSize: size,
            proof: [],
            checkpoint: impostor.checkpoint(),
          }),
        )
      ).status,
    ).toBe(403);
  });

  it('a forked log is refused by the witness with 409, and gossip reports both checkpoints', async () => {
    // The operator runs a second copy of the log with the same key and shows it to others.
    const forkDir = join(root, 'fork');
    mkdirSync(forkDir);
    copyFileSync(join(logDir, 'log.key'), join(forkDir, 'log.key'));
    const served = await (await fetch(`${log.url}/checkpoint`)).text();
    const size = Number(parseNote(served).text.split('\n')[1]);
    const forkLog = await startSigil([
      'log',
      'serve',
      '--data',
      forkDir,
      '--listen',
      '127.0.0.1:0',
      '--batch-interval',
      '0',
      '--open-writes',
      '--write-rate',
      '1000000',
    ]);
    for (let i = 0; i < size; i++) expect((await add(forkLog.url, `forked ${i}`)).status).toBe(200);
    const forked = await (await fetch(`${forkLog.url}/checkpoint`)).text();
    expect(forked.split('\n')[1]).toBe(String(size));
    // The second witness has cosigned the real tree of this size: the fork is a conflict.
    const refused = await addCheckpoint(
      witnesses[1]!.proc.url,
      formatAddCheckpointRequest({ oldSize: size, proof: [], checkpoint: forked }),
    );
    expect(refused.status).toBe(409);
    // A client of the fork compares with the witness and reports both checkpoints.
    const g = await runCli([
      'witness',
      'gossip',
      '--log',
      forkLog.url,
      '--vkey',
      logKey.verifierKey,
      '--witness',
      witnesses[1]!.proc.url,
    ]);
    expect(g.code).toBe(1);
    expect(g.stdout).toContain('split view');
    expect(g.stdout).toContain(forked.split('\n')[2]);
    expect(g.stdout).toContain(served.split('\n')[2]);
    expect(g.stderr).toMatch(/^sigil: error: split view/m);
    // A client of the real log is consistent with every witness.
    const ok = await runCli([
      'witness',
      'gossip',
      '--log',
      log.url,
      '--vkey',
      logKey.verifierKey,
      ...witnesses.flatMap((w) => ['--witness', w.proc.url]),
    ]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    await stop(forkLog);
  });

  it('with two of three witnesses down, the fail-closed log refuses to hand out an unwitnessed checkpoint', async () => {
    await stop(witnesses[1]!.proc, 'SIGKILL');
    await stop(witnesses[2]!.proc, 'SIGKILL');
    const r = await add(log.url, 'five');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(log.stderr()).toMatch(/sigil: warning: checkpoint \d+: witness w2 at .* /);
  }, 30_000);
});
