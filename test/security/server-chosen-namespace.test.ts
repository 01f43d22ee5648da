// Issue 11, item 3 — the client lets the server choose which pin and ledger apply. A malicious
// registry (here a man in the middle rewriting a real server's answers) names another namespace in
// the record, or serves another namespace's ledger in the package's place; the client derives the
// namespaces from the purl it asked about and refuses both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  type Bench,
  check,
  codes,
  keygen,
  type KeyFiles,
  lockfile,
  npmTarball,
  startBench,
  type Tarball,
  verifyJson,
} from './helpers.js';

let bench: Bench;
let alice: KeyFiles;
let bob: KeyFiles;
let widget: Tarball;

beforeAll(async () => {
  bench = await startBench('namespace');
  [alice, bob] = await Promise.all([keygen(bench.dir, 'alice'), keygen(bench.dir, 'bob')]);
  widget = npmTarball(bench.dir, 'widget', '1.0.0');
  const gadget = npmTarball(bench.dir, 'gadget', '1.0.0');
  for (const [t, k] of [
    [widget, alice],
    [gadget, bob],
  ] as const) {
    const pub = await runCli(
      ['publish', t.path, '--server', bench.url, '--key', k.privateKey],
      bench.config(),
    );
    expect(pub.code, pub.stderr).toBe(0);
  }
});
afterAll(async () => bench?.close());

type Lookup = { records: Record<string, { ledger?: { namespace: string } } | null> };

describe('the namespace comes from the purl asked about, never from the answer', () => {
  it('a record whose ledger.namespace is rewritten to another namespace is rejected', async () => {
    const lock = lockfile(bench.dir, 'rewrite', [widget]);
    const env = bench.config();
    expect((await verifyJson(lock, bench.mitm.url, env)).code).toBe(0);
    bench.mitm.rewrite = (req, answer) => {
      if (req.path !== '/api/v1/releases/lookup') return answer;
      const a = answer as Lookup;
      for (const r of Object.values(a.records)) if (r) r.ledger = { namespace: 'pkg:npm/gadget' };
      return a;
    };
    try {
      const v = await verifyJson(lock, bench.mitm.url, env);
      expect(v.code).toBe(1);
      expect(check(v.report, 'widget@1.0.0', 'record')).toMatchObject({
        code: 'RECORD_LEDGER_MISMATCH',
        status: 'fail',
      });
    } finally {
      bench.mitm.rewrite = undefined;
    }
  });

  it("another namespace's ledger served in the package's place is refused (its events are not the package's)", async () => {
    const lock = lockfile(bench.dir, 'swap', [widget]);
    bench.mitm.rewrite = (req, answer) => {
      if (req.path !== '/api/v1/ledger/lookup') return answer;
      // Ask the real server for gadget's ledger and answer it for widget.
      const a = answer as { ledgers: Record<string, unknown> };
      a.ledgers['pkg:npm/widget'] = gadgetLedger;
      return a;
    };
    const ns = 'pkg:npm/gadget';
    const size = Number((await (await fetch(`${bench.url}/log/checkpoint`)).text()).split('\n')[1]);
    const gadgetLedger = (
      (await (
        await fetch(`${bench.url}/api/v1/ledger/lookup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ namespaces: [ns], treeSize: size }),
        })
      ).json()) as { ledgers: Record<string, unknown> }
    ).ledgers[ns];
    try {
      const v = await verifyJson(lock, bench.mitm.url, bench.config());
      expect(v.code).toBe(1);
      expect(codes(v.report, 'widget@1.0.0')).toContain('LEDGER_EVENT_REJECTED');
      expect(check(v.report, 'widget@1.0.0', 'key')?.status).toBe('fail');
    } finally {
      bench.mitm.rewrite = undefined;
    }
  });
});
