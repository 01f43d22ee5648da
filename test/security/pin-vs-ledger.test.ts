// Issue 11, item 5 — a pin beats the ledger's compromise declaration. After `sigil key revoke
// --compromised-since`, a client that pinned the key must fail the release like an unpinned one:
// pins add requirements, they never remove the ledger's.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  type Bench,
  check,
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

beforeAll(async () => {
  bench = await startBench('pin');
  alice = await keygen(bench.dir, 'alice');
  widget = npmTarball(bench.dir, 'widget', '1.0.0');
  const pub = await runCli(
    ['publish', widget.path, '--server', bench.url, '--key', alice.privateKey],
    bench.config(),
  );
  expect(pub.code, pub.stderr).toBe(0);
});
afterAll(async () => bench?.close());

describe('pins never override a revocation or a compromise date', () => {
  it('a pinned client fails the release once the key is revoked as compromised since its add', async () => {
    const env = bench.config();
    const lock = lockfile(bench.dir, 'pinned', [widget]);
    const first = await verifyJson(lock, bench.url, env, ['--pin']);
    expect(first.code).toBe(0);
    expect(
      JSON.parse(readFileSync(join(dirname(lock), '.sigil', 'trust.json'), 'utf8')).namespaces[
        'pkg:npm/widget'
      ].keys[0].keyid,
    ).toBe(alice.keyId);
    expect(
      check((await verifyJson(lock, bench.url, env)).report, 'widget@1.0.0', 'key')?.code,
    ).toBe('KEY_PINNED');

    const added = bench.registry.ledger.history('pkg:npm/widget')[0]!.logIndex;
    const revoke = await runCli(
      [
        'key',
        'revoke',
        '--namespace',
        'pkg:npm/widget',
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

    const pinned = await verifyJson(lock, bench.url, env);
    expect(pinned.code).toBe(1);
    const key = check(pinned.report, 'widget@1.0.0', 'key')!;
    expect(key).toMatchObject({ code: 'KEY_NOT_AUTHORISED', status: 'fail' });
    expect(key.reason).toMatch(/compromised since log index/);
    expect(key.reason).toMatch(/does not override/);

    // The same verdict without a pin.
    const unpinned = await verifyJson(
      lockfile(bench.dir, 'unpinned', [widget]),
      bench.url,
      bench.config(),
    );
    expect(unpinned.code).toBe(1);
    expect(check(unpinned.report, 'widget@1.0.0', 'key')).toMatchObject({
      code: 'KEY_NOT_AUTHORISED',
      status: 'fail',
    });
  });
});
