// tlog-policy (parse, quorum, checkpoint verification), tlog-proof files, and the log side
// (WitnessedLog over the real sequencer with in-process witnesses) — one evaluator everywhere.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNoteKey, parseVerifierKey } from '../../src/log/note-key.js';
import {
  describeQuorum,
  parseTlogPolicy,
  quorumMet,
  thresholdWitnessPolicy,
  verifyCheckpointPolicy,
} from '../../src/log/policy.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from '../../src/log/tlog-proof.js';
import { MemoryLog } from '../../src/store/memory-log.js';
import { createWitnessKey, type WitnessKey } from '../../src/witness/key.js';
import { createWitnessServer } from '../../src/witness/server.js';
import { WitnessStore } from '../../src/witness/store.js';
import { WitnessedLog, type WitnessRound } from '../../src/witness/witnessed-log.js';
import { runCli } from '../helpers/cli.js';
import { policy as projectPolicy, makeRegistry, run } from '../lockfile/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-tlog-policy-'));

describe('parseTlogPolicy', () => {
  const logKey = generateNoteKey('log.example').verifierKey;
  let wk: string[] = [];
  beforeAll(async () => {
    wk = await Promise.all(
      ['w1.example', 'w2.example', 'w3.example', 'w4.example'].map(
        async (n, i) => (await createWitnessKey(join(root, `k${i}`), n, 'pw')).vkey,
      ),
    );
  });

  it('reads the spec example shape: nested groups, any/all/k, comments, tabs', () => {
    const p = parseTlogPolicy(
      `# example\nlog ${logKey} https://log.example\nwitness X1 ${wk[0]}\nwitness\tX2 ${wk[1]}\nwitness X3 ${wk[2]}\ngroup X 2 X1 X2 X3\nwitness Y1 ${wk[3]}\ngroup Y any Y1\n  group XY all X Y  \nquorum XY\n`,
    );
    expect(p.logs).toHaveLength(1);
    expect(p.logs[0]!.url).toBe('https://log.example');
    expect(p.groups.map((g) => [g.name, g.threshold])).toEqual([
      ['X', 2],
      ['Y', 1],
      ['XY', 2],
    ]);
    expect(quorumMet(p, new Set(['X1', 'X3', 'Y1']))).toBe(true);
    expect(quorumMet(p, new Set(['X1', 'X2']))).toBe(false);
    expect(quorumMet(p, new Set(['X1', 'Y1']))).toBe(false);
    expect(describeQuorum(p)).toBe('all of (2 of (X1, X2, X3), all of (Y1))');
    expect(quorumMet(parseTlogPolicy('quorum none\n'), new Set())).toBe(true);
  });

  it.each([
    ['no quorum', (w: string[]) => `witness a ${w[0]}\n`, /no quorum line/],
    ['two quorums', () => 'quorum none\nquorum none\n', /exactly one quorum/],
    [
      'use before definition',
      (w: string[]) => `group g any a\nwitness a ${w[0]}\nquorum g\n`,
      /not defined on an earlier line/,
    ],
    [
      'duplicate name',
      (w: string[]) => `witness a ${w[0]}\nwitness a ${w[1]}\nquorum a\n`,
      /already defined/,
    ],
    [
      'duplicate witness key',
      (w: string[]) => `witness a ${w[0]}\nwitness b ${w[0]}\nquorum a\n`,
      /duplicate witness key/,
    ],
    [
      'k > n',
      (w: string[]) => `witness a ${w[0]}\ngroup g 2 a\nquorum g\n`,
      /threshold 2 is not between 1 and the 1/,
    ],
    [
      'member twice',
      (w: string[]) => `witness a ${w[0]}\ngroup g any a a\nquorum g\n`,
      /listed twice/,
    ],
    [
      'none as member',
      (w: string[]) => `witness a ${w[0]}\ngroup g any none\nquorum g\n`,
      /"none" cannot be a group member/,
    ],
    ['a log key as witness', () => `witness a ${logKey}\nquorum a\n`, /type 0x04/],
    ['control character', () => 'quorum none\r\n', /control character/],
    ['unknown keyword', () => 'witnesses a b\nquorum none\n', /unknown keyword/],
  ])('refuses %s, naming the line', (_name, text, re) => {
    expect(() => parseTlogPolicy(text(wk), 'p.policy')).toThrow(re);
    try {
      parseTlogPolicy(text(wk), 'p.policy');
    } catch (e) {
      expect((e as Error).message).toMatch(/^p\.policy:\d+: /);
    }
  });

  it('thresholdWitnessPolicy is what minWitnesses + witnesses mean', () => {
    const p = thresholdWitnessPolicy(
      wk.slice(0, 3).map((k) => parseVerifierKey(k)),
      2,
    );
    expect(describeQuorum(p)).toBe('2 of (w1.example, w2.example, w3.example)');
    expect(() => thresholdWitnessPolicy([parseVerifierKey(wk[0]!)], 2)).toThrow(/needs at least 2/);
  });
});

describe('a log asking in-process witnesses, with tlog-proof files', () => {
  const keys: WitnessKey[] = [];
  const stores: WitnessStore[] = [];
  const apps: ReturnType<typeof createWitnessServer>[] = [];
  let log: MemoryLog;
  let policyText = '';
  const rounds: WitnessRound[] = [];

  beforeAll(async () => {
    log = new MemoryLog({ origin: 'mem.witness.test' });
    for (let i = 1; i <= 3; i++) {
      const dir = join(root, `w${i}`);
      const key = await createWitnessKey(dir, `w${i}.mem.test`, 'pw');
      const store = new WitnessStore(dir);
      store.addLog(log.verifierKey);
      const app = createWitnessServer({ store, key });
      await app.listen({ host: '127.0.0.1', port: 0 });
      keys.push(key);
      stores.push(store);
      apps.push(app);
    }
    const url = (i: number) =>
      `http://127.0.0.1:${(apps[i]!.server.address() as { port: number }).port}`;
    policyText = `log ${log.verifierKey}\n${keys.map((k, i) => `witness w${i + 1} ${k.vkey} ${url(i)}`).join('\n')}\ngroup g 2 w1 w2 w3\nquorum g\n`;
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    stores.forEach((s) => s.close());
    await log.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('append hands out a cosigned checkpoint; a tlog-proof of the entry verifies offline against the policy', async () => {
    const policy = parseTlogPolicy(policyText);
    const wl = new WitnessedLog(log, { policy, onRound: (r) => rounds.push(r) });
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((x) => wl.append(Buffer.from(`entry ${x}`))),
    );
    // Coalesced: five appends, far fewer rounds.
    expect(rounds.length).toBeLessThan(5);
    const last = results.reduce((a, b) => (a.treeSize >= b.treeSize ? a : b));
    expect(verifyCheckpointPolicy(last.checkpoint, policy).ok).toBe(true);
    const r = results[2]!;
    const proofText = formatTlogProof({
      extra: Buffer.from('entry c'),
      index: r.index,
      proof: await wl.inclusionProof(r.index, r.treeSize),
      checkpoint: r.checkpoint,
    });
    const p = parseTlogProof(proofText);
    expect(formatTlogProof(p)).toBe(proofText);
    expect(verifyTlogProof(p, policy).ok).toBe(true);
    // Another entry, or one cosignature too few, fails.
    expect(
      verifyTlogProof(p, policy, { entry: Buffer.from('entry x') }).checks.at(-1),
    ).toMatchObject({ code: 'PROOF_ROOT_MISMATCH' });
    const strict = parseTlogPolicy(policyText.replace('group g 2', 'group g all'));
    const lines = r.checkpoint.split('\n');
    const oneLess = lines.filter((l) => !l.startsWith('— w3.mem.test')).join('\n');
    const weakResult = verifyTlogProof({ ...p, checkpoint: oneLess }, strict);
    expect(weakResult.ok).toBe(false);
    expect(weakResult.checks.find((c) => c.name === 'witnesses')).toMatchObject({
      code: 'WITNESS_QUORUM_NOT_MET',
    });

    // The CLI says the same: sigil log verify-proof.
    writeFileSync(join(root, 'e.tlog-proof'), proofText);
    writeFileSync(join(root, 'w.policy'), policyText);
    const ok = await runCli([
      'log',
      'verify-proof',
      join(root, 'e.tlog-proof'),
      '--policy',
      join(root, 'w.policy'),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/witness quorum 2 of \(w1, w2, w3\) met/);
    writeFileSync(join(root, 'strict.policy'), policyText.replace('group g 2', 'group g all'));
    writeFileSync(join(root, 'weak.tlog-proof'), formatTlogProof({ ...p, checkpoint: oneLess }));
    const weak = await runCli([
      'log',
      'verify-proof',
      join(root, 'weak.tlog-proof'),
      '--policy',
      join(root, 'strict.policy'),
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(
      /sigil: error: the checkpoint of size \d+ does not meet the witness quorum all of \(w1, w2, w3\): cosigned by w1, w2/,
    );
  });

  it('a witness that is down is skipped when the quorum still holds; fail-open hands out what it got', async () => {
    await apps[2]!.close();
    const policy = parseTlogPolicy(policyText);
    const seen: WitnessRound[] = [];
    const wl = new WitnessedLog(log, {
      policy,
      timeoutMs: 500,
      retries: 0,
      onRound: (r) => seen.push(r),
    });
    const r = await wl.append(Buffer.from('entry f'));
    expect(verifyCheckpointPolicy(r.checkpoint, policy).cosigners).toEqual(['w1', 'w2']);
    expect(seen.at(-1)!.failures.map((f) => [f.witness, f.code])).toEqual([
      ['w3', 'WITNESS_UNREACHABLE'],
    ]);
    await apps[1]!.close();
    await expect(wl.append(Buffer.from('entry g'))).rejects.toMatchObject({ code: 'LOG_PUSHBACK' });
    const open = new WitnessedLog(log, { policy, timeoutMs: 500, retries: 0, failOpen: true });
    const o = await open.append(Buffer.from('entry h'));
    expect(verifyCheckpointPolicy(o.checkpoint, policy)).toMatchObject({
      ok: false,
      cosigners: ['w1'],
    });
  });

  it('a project policy points at a tlog-policy file: its quorum decides the witness check', async () => {
    const { source, entries } = makeRegistry(['a']);
    const r = await run(source, entries, {
      policy: projectPolicy({
        witnessPolicy: parseTlogPolicy(policyText.replace(/^log .*\n/, '')),
      }),
    });
    expect(r.project.find((c) => c.name === 'witnesses')).toMatchObject({
      code: 'WITNESSES_INSUFFICIENT',
      status: 'fail',
    });
    expect(r.project.find((c) => c.name === 'witnesses')!.reason).toMatch(
      /does not meet the witness quorum 2 of \(w1, w2, w3\): no policy witness cosigned it/,
    );
  });
});
