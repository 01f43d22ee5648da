// Issue 11, item 4 (client side) — downgrade to unsigned. A package that the client pinned, or that
// has (had) a key ledger, needs an author signature forever: a man in the middle answering
// `record: null`, stripping the author bundle, or the registry accepting an unsigned upload after
// the last key was revoked must all fail verification, never pass as UNSIGNED_ALLOWED.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
let widget: Tarball;
let plain: Tarball;

type Lookup = { records: Record<string, Record<string, unknown> | null> };

beforeAll(async () => {
  bench = await startBench('downgrade');
  alice = await keygen(bench.dir, 'alice');
  widget = npmTarball(bench.dir, 'widget', '1.0.0');
  plain = npmTarball(bench.dir, 'plain', '1.0.0');
  const pub = await runCli(
    ['publish', widget.path, '--server', bench.url, '--key', alice.privateKey],
    bench.config(),
  );
  expect(pub.code, pub.stderr).toBe(0);
});
afterAll(async () => bench?.close());

function answer(rewrite: (r: Lookup['records']) => void) {
  bench.mitm.rewrite = (req, a) => {
    if (req.path === '/api/v1/releases/lookup') rewrite((a as Lookup).records);
    return a;
  };
}

describe('a pinned or ledgered package needs an author signature forever', () => {
  it('a MITM answering record: null fails a pinned package, and a ledgered one without a pin', async () => {
    const env = bench.config();
    const lock = lockfile(bench.dir, 'null', [widget, plain]);
    const first = await verifyJson(lock, bench.mitm.url, env, ['--pin']);
    expect(first.code).toBe(0); // plain has no record and no ledger: unsigned, allowed by the default policy
    expect(check(first.report, 'plain@1.0.0', 'policy')?.code).toBe('UNSIGNED_ALLOWED');
    answer((records) => {
      records['pkg:npm/widget@1.0.0'] = null;
    });
    try {
      for (const [label, e, args] of [
        ['pinned', env, []],
        ['ledgered, not pinned', bench.config(), []],
      ] as const) {
        const l = label === 'pinned' ? lock : lockfile(bench.dir, 'null-unpinned', [widget]);
        const v = await verifyJson(l, bench.mitm.url, e, [...args]);
        expect(v.code, label).toBe(1);
        expect(check(v.report, 'widget@1.0.0', 'record'), label).toMatchObject({
          code: 'RECORD_REQUIRED',
          status: 'fail',
        });
        expect(codes(v.report, 'widget@1.0.0'), label).not.toContain('UNSIGNED_ALLOWED');
      }
    } finally {
      bench.mitm.rewrite = undefined;
    }
  });

  it('a MITM stripping the author bundle fails (the countersignature alone is not enough)', async () => {
    answer((records) => {
      const r = records['pkg:npm/widget@1.0.0']!;
      r['authorBundle'] = null;
      delete r['authorKey'];
      delete (r['log'] as Record<string, unknown>)['author'];
    });
    try {
      const v = await verifyJson(
        lockfile(bench.dir, 'strip', [widget]),
        bench.mitm.url,
        bench.config(),
      );
      expect(v.code).toBe(1);
      expect(check(v.report, 'widget@1.0.0', 'author')).toMatchObject({
        code: 'AUTHOR_SIGNATURE_REQUIRED',
        status: 'fail',
      });
    } finally {
      bench.mitm.rewrite = undefined;
    }
  });

  it('an unsigned release after the last key was revoked fails a pinned client (and an unpinned one)', async () => {
    const env = bench.config();
    const v1 = lockfile(bench.dir, 'revoked', [widget]);
    expect((await verifyJson(v1, bench.url, env, ['--pin'])).code).toBe(0);
    const revoke = await runCli(
      [
        'key',
        'revoke',
        '--namespace',
        'pkg:npm/widget',
        '--key-id',
        alice.keyId,
        '--signer',
        alice.privateKey,
        '--server',
        bench.url,
      ],
      env,
    );
    expect(revoke.code, revoke.stderr).toBe(0);
    const v2 = npmTarball(bench.dir, 'widget', '2.0.0');
    const upload = await runCli(['publish', v2.path, '--server', bench.url], env);
    console.info(
      `unsigned widget@2.0.0 after the revoke: ${upload.code === 0 ? 'accepted by this registry' : 'refused by the registry'}`,
    );
    if (upload.code === 0) {
      // This registry still accepts it (the server half of item 4 refuses it): the client must not.
      const pinnedLock = lockfile(bench.dir, 'revoked-v2', [v2]);
      mkdirSync(join(dirname(pinnedLock), '.sigil'), { recursive: true });
      writeFileSync(
        join(dirname(pinnedLock), '.sigil', 'trust.json'),
        readFileSync(join(dirname(v1), '.sigil', 'trust.json')),
      );
      for (const lock of [pinnedLock, lockfile(bench.dir, 'revoked-v2-unpinned', [v2])]) {
        const v = await verifyJson(lock, bench.url, bench.config());
        expect(v.code).toBe(1);
        expect(check(v.report, 'widget@2.0.0', 'author')).toMatchObject({
          code: 'AUTHOR_SIGNATURE_REQUIRED',
          status: 'fail',
        });
        expect(codes(v.report, 'widget@2.0.0')).not.toContain('UNSIGNED_ALLOWED');
      }
    } else {
      expect(upload.stderr).toMatch(
        /requires releases signed by its authors|AUTHOR_SIGNATURE_REQUIRED|never accepts unsigned releases/i,
      );
    }
  });
});
