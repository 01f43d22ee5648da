// kill -9 of a witness in the middle of add-checkpoint traffic never makes it sign two roots for
// one tree size: the check-and-persist is one SQLite transaction, durable before the answer.
// Two branches of one log (a fork after leaf 20) race to the same real witness process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAddCheckpointRequest } from '../../src/log/add-checkpoint.js';
import { verifiedCosignatures } from '../../src/log/cosignature.js';
import { parseVerifierKey } from '../../src/log/note-key.js';
import { parseNote } from '../../src/log/note.js';
import { createLogKey } from '../../src/store/log-key.js';
import { readWitnessKeyInfo } from '../../src/witness/key.js';
import { originHash } from '../../src/witness/server.js';
import { runCli } from '../helpers/cli.js';
import { cleanup, type SigilProcess, startSigil, stop } from './processes.js';
import { TestTree } from './tree.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-witness-crash-'));
afterAll(async () => {
  await cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('a witness killed with SIGKILL during add-checkpoint', () => {
  it('never cosigns two roots for one size, before or after the crash', async () => {
    const ORIGIN = 'crash.witness.test';
    const key = await createLogKey(join(root, 'log'), ORIGIN);
    const dir = join(root, 'w');
    expect((await runCli(['witness', 'init', '--name', 'w.crash.test', '--data', dir])).code).toBe(
      0,
    );
    expect(
      (await runCli(['witness', 'add-log', '--vkey', key.verifierKey, '--data', dir])).code,
    ).toBe(0);
    const wkey = parseVerifierKey(readWitnessKeyInfo(dir)!.vkey);
    const N = 80;
    const branches = [new TestTree(ORIGIN, key.signer), new TestTree(ORIGIN, key.signer)];
    for (let i = 0; i < N; i++)
      branches.forEach((t, b) => t.add(i < 20 ? `leaf ${i}` : `branch ${b} leaf ${i}`));
    const cps = branches.map((t) => Array.from({ length: N + 1 }, (_, s) => t.checkpoint(s)));

    // Every cosignature we were handed, by size: the root it vouches for.
    const cosigned = new Map<number, Set<string>>();
    let known = 0;
    let witness: SigilProcess = await startSigil([
      'witness',
      'serve',
      '--data',
      dir,
      '--listen',
      '127.0.0.1:0',
    ]);
    let sent = 0;
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const worker = async (until: number): Promise<void> => {
      while (sent < until) {
        sent++;
        const b = rand(2);
        const old = Math.min(known, N - 1);
        const size = Math.min(N, old + 1 + rand(3));
        const body = formatAddCheckpointRequest({
          oldSize: old,
          proof: branches[b]!.proof(old, size),
          checkpoint: cps[b]![size]!,
        });
        let r: Response;
        try {
          r = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
        } catch {
          continue; // killed under us
        }
        const text = await r.text().catch(() => '');
        if (r.status === 409) known = Math.max(known, Number(text));
        if (r.status === 200) {
          // The answer is a real cosignature on exactly this checkpoint.
          const note = `${parseNote(cps[b]![size]!).text}\n${text}`;
          expect(verifiedCosignatures(note, [wkey]).valid).toHaveLength(1);
          const roots = cosigned.get(size) ?? cosigned.set(size, new Set()).get(size)!;
          roots.add(Buffer.from(branches[b]!.root(size)).toString('base64'));
          known = Math.max(known, size);
        }
      }
    };
    // Traffic, a SIGKILL while requests are in flight, a restart, more traffic.
    const running = Promise.all(Array.from({ length: 6 }, () => worker(160)));
    while (sent < 30) await new Promise((r) => setTimeout(r, 5));
    await stop(witness, 'SIGKILL');
    await running;
    witness = await startSigil(['witness', 'serve', '--data', dir, '--listen', '127.0.0.1:0']);
    await Promise.all(Array.from({ length: 6 }, () => worker(320)));

    expect(cosigned.size).toBeGreaterThan(10);
    for (const [size, roots] of cosigned) expect(roots.size, `size ${size}`).toBe(1);
    // Past the fork point only one branch can ever have been cosigned.
    const branchOf = (size: number, root: string) =>
      branches.findIndex((t) => Buffer.from(t.root(size)).toString('base64') === root);
    const forked = [...cosigned].filter(([s]) => s > 20).map(([s, r]) => branchOf(s, [...r][0]!));
    expect(new Set(forked).size).toBeLessThanOrEqual(1);
    // What the witness serves after the crash is a tree it cosigned (or committed just before dying).
    const latest = await (await fetch(`${witness.url}/${originHash(ORIGIN)}/checkpoint`)).text();
    const [, sizeLine, rootLine] = parseNote(latest).text.split('\n');
    const roots = cosigned.get(Number(sizeLine));
    if (roots) expect([...roots]).toEqual([rootLine]);
    expect(verifiedCosignatures(latest, [wkey]).valid).toHaveLength(1);
    await stop(witness);
  }, 90_000);
});
