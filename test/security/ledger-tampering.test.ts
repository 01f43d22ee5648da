// Issue 11, item 6 — ledger events not tied to the log. A man in the middle (or the server) injects
// a fabricated, self-signed `add`, or withholds a revoke. The client proves each event in the log
// against its verified checkpoint, checks the hash chain, and holds the events to the registry's
// signed ledger head for that tree: both attacks fail, and `--pin` adopts nothing.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent, keyDescriptor } from '../../src/ledger/event.js';
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
let widget: Tarball;
let gizmo: Tarball;

type Ledgers = {
  ledgers: Record<string, { events: { logIndex: number }[]; treeSize?: number }>;
  heads?: unknown;
};

async function provenLedgers(namespaces: string[]): Promise<Ledgers> {
  const size = Number((await (await fetch(`${bench.url}/log/checkpoint`)).text()).split('\n')[1]);
  const r = await fetch(`${bench.url}/api/v1/ledger/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ namespaces, treeSize: size }),
  });
  return (await r.json()) as Ledgers;
}

beforeAll(async () => {
  bench = await startBench('ledger');
  alice = await keygen(bench.dir, 'alice');
  widget = npmTarball(bench.dir, 'widget', '1.0.0');
  gizmo = npmTarball(bench.dir, 'gizmo', '1.0.0');
  for (const t of [widget, gizmo]) {
    const pub = await runCli(
      ['publish', t.path, '--server', bench.url, '--key', alice.privateKey],
      bench.config(),
    );
    expect(pub.code, pub.stderr).toBe(0);
  }
});
afterAll(async () => bench?.close());

describe('a fabricated self-signed add injected by a man in the middle', () => {
  it('is refused: not KEY_ROTATED, and --pin does not adopt the key', async () => {
    const env = bench.config();
    const lock = lockfile(bench.dir, 'inject', [widget]);
    expect((await verifyJson(lock, bench.mitm.url, env, ['--pin'])).code).toBe(0);

    // Mallory signs the same bytes and forges the namespace's history: one self-signed add of her key.
    const mallory = generateKey('ed25519');
    const record = (await (
      await fetch(`${bench.url}/api/v1/releases/${encodeURIComponent('pkg:npm/widget@1.0.0')}`)
    ).json()) as { digests: { sha256: string; sha512: string } };
    const bundle = signRelease({
      purl: 'pkg:npm/widget@1.0.0',
      digests: record.digests,
      key: mallory,
    });
    const forged = buildKeyEvent(
      { action: 'add', namespace: 'pkg:npm/widget', previous: null, keys: [mallory.publicKey] },
      [mallory],
    );
    bench.mitm.rewrite = (req, answer) => {
      if (req.path === '/api/v1/releases/lookup') {
        const a = answer as { records: Record<string, Record<string, unknown> | null> };
        const r = a.records['pkg:npm/widget@1.0.0']!;
        r['authorBundle'] = bundle;
        r['authorKey'] = {
          keyid: mallory.publicKey.keyId,
          algorithm: 'ed25519',
          pem: keyDescriptor(mallory.publicKey).publicKey,
        };
        return a;
      }
      if (req.path === '/api/v1/ledger/lookup') {
        const a = answer as Ledgers;
        const real = a.ledgers['pkg:npm/widget']!;
        // Same shape as a real answer: an index, the real head, a leaf and a path (of another entry).
        const first = real.events[0] as unknown as { entry: string; hashes: string[] };
        a.ledgers['pkg:npm/widget'] = {
          ...real,
          events: [
            {
              logIndex: 0,
              envelope: forged.envelope,
              entry: first.entry,
              hashes: first.hashes,
            } as unknown as { logIndex: number },
          ],
        };
        return a;
      }
      return answer;
    };
    try {
      const v = await verifyJson(lock, bench.mitm.url, env, ['--pin']);
      expect(v.code).toBe(1);
      const key = check(v.report, 'widget@1.0.0', 'key');
      expect(key?.code).not.toBe('KEY_ROTATED');
      expect(key?.status).toBe('fail');
      expect(check(v.report, 'widget@1.0.0', 'ledger')).toMatchObject({
        code: 'LEDGER_EVENT_UNPROVEN',
        status: 'fail',
      });
      const pins = JSON.parse(
        readFileSync(join(dirname(lock), '.sigil', 'trust.json'), 'utf8'),
      ).namespaces['pkg:npm/widget'].keys.map((k: { keyid: string }) => k.keyid);
      expect(pins).toEqual([alice.keyId]);
    } finally {
      bench.mitm.rewrite = undefined;
    }
  });
});

describe('a withheld revoke event', () => {
  it('is detected: dropped from the answer, with or without the signed head, or answered from an older tree', async () => {
    const env = bench.config();
    const lock = lockfile(bench.dir, 'withhold', [gizmo]);
    expect((await verifyJson(lock, bench.mitm.url, env)).code).toBe(0);
    const before = await provenLedgers(['pkg:npm/gizmo', 'pkg:npm/widget']); // what a MITM could have recorded before the revoke
    const added = bench.registry.ledger.history('pkg:npm/gizmo')[0]!.logIndex;
    const revoke = await runCli(
      [
        'key',
        'revoke',
        '--namespace',
        'pkg:npm/gizmo',
        '--key-id',
        alice.keyId,
        '--compromised-since',
        String(added),
        '--signer',
        alice.privateKey,
        '--server',
        bench.url,
      ],
      env,
    );
    expect(revoke.code, revoke.stderr).toBe(0);
    // Honest answers: the compromised key fails.
    const honest = await verifyJson(lock, bench.mitm.url, env);
    expect(honest.code).toBe(1);
    expect(check(honest.report, 'gizmo@1.0.0', 'key')?.code).toBe('KEY_NOT_AUTHORISED');

    const dropRevoke = (a: Ledgers) => {
      const l = a.ledgers['pkg:npm/gizmo']!;
      a.ledgers['pkg:npm/gizmo'] = { ...l, events: l.events.slice(0, -1) };
      return a;
    };
    const attacks: [string, (a: Ledgers) => Ledgers, string][] = [
      ['drop the revoke', dropRevoke, 'LEDGER_EVENTS_WITHHELD'],
      [
        'drop the revoke and the signed heads',
        (a) => ({ ledgers: dropRevoke(a).ledgers }),
        'LEDGER_HEAD_MISSING',
      ],
      ['replay the answer from before the revoke', () => before, 'LEDGER_HEAD_MISMATCH'],
    ];
    for (const [what, tamper, code] of attacks) {
      bench.mitm.rewrite = (req, answer) => {
        if (req.path !== '/api/v1/ledger/lookup') return answer;
        return tamper(answer as Ledgers);
      };
      try {
        const v = await verifyJson(lock, bench.mitm.url, env);
        expect(v.code, what).toBe(1);
        expect(codes(v.report, 'gizmo@1.0.0'), what).toContain(code);
        expect(check(v.report, 'gizmo@1.0.0', 'key')?.status, what).toBe('fail');
      } finally {
        bench.mitm.rewrite = undefined;
      }
    }
  });
});
