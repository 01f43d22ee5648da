// `sigil verify <lockfile>` and `sigil fetch-records` end to end over HTTP, and --offline without any socket.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeRegistry, serve, writeProject } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const reg = makeRegistry(['left-pad', '@scope/util', 'chalk', 'ms'], { unpublished: ['ms'] });
let server: Awaited<ReturnType<typeof serve>>;
let env: Record<string, string>;

beforeAll(async () => {
  server = await serve(reg.source);
});
afterAll(async () => {
  await server.app.close();
});
const freshEnv = () => ({ SIGIL_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'sigil-cfg-')) });

describe('sigil verify <lockfile>', () => {
  it('verifies a project: summary on stdout, exit 0; the lockfile scheme is chosen by file name', async () => {
    env = freshEnv();
    const lock = writeProject(reg.pkgs);
    const r = await runCli(['verify', lock, '--server', server.url], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /checked 4 packages from .*package-lock\.json against http:\/\/127\.0\.0\.1:\d+ \(checkpoint \d+/,
    );
    expect(r.stdout).toMatch(/\s3 verified\s+author signature/);
    expect(r.stdout).toMatch(/\s1 unsigned\s+allowed by policy \(warn\): ms@1\.0\.0/);
    expect(
      server.requests.filter((x) => x.startsWith('POST /api/v1/releases/lookup')).length,
    ).toBeGreaterThan(0);
  });

  it('a tampered lockfile fails with exit 1 and names the package; --json carries the same facts', async () => {
    const lock = writeProject(
      reg.pkgs,
      (l) =>
        (l.packages['node_modules/chalk'].integrity =
          `sha512-${Buffer.alloc(64, 9).toString('base64')}`),
    );
    const r = await runCli(['verify', lock, '--server', server.url], freshEnv());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /1 FAILED\n\s+chalk@1\.0\.0\s+lockfile sha512-CQkJ.* ≠ signed sha512-/,
    );
    expect(r.stderr).toMatch(/^sigil: error: 1 package fails policy \(default policy\)$/m);
    const j = await runCli(['verify', lock, '--server', server.url, '--json'], freshEnv());
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report).toMatchObject({
      scheme: 'lockfile',
      ok: false,
      counts: { verified: 2, unsigned: 1, failed: 1, skipped: 0 },
    });
    expect(j.stderr).toBe('');
    const s = await runCli(['verify', lock, '--server', server.url, '--sarif'], freshEnv());
    expect(
      JSON.parse(s.stdout).runs[0].results.some(
        (x: { ruleId: string }) => x.ruleId === 'DIGEST_MISMATCH',
      ),
    ).toBe(true);
  });

  it('--pin writes .sigil/trust.json; a policy file beside the lockfile is used', async () => {
    const lock = writeProject(reg.pkgs);
    const e = freshEnv();
    const r = await runCli(['verify', lock, '--server', server.url, '--pin'], e);
    expect(r.code).toBe(0);
    const trust = JSON.parse(readFileSync(join(dirname(lock), '.sigil', 'trust.json'), 'utf8'));
    expect(Object.keys(trust.namespaces).sort()).toEqual([
      'pkg:npm/%40scope/util',
      'pkg:npm/chalk',
      'pkg:npm/left-pad',
    ]);
    expect(r.stderr).toMatch(/pinned 3 namespace\(s\) \(3 new\)/);
    writeFileSync(join(dirname(lock), 'sigil.policy.yaml'), 'unsigned: fail\n');
    const strict = await runCli(['verify', lock, '--server', server.url], e);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/fails policy .*sigil\.policy\.yaml/);
    writeFileSync(join(dirname(lock), 'sigil.policy.yaml'), 'unsigned: sometimes\n');
    const bad = await runCli(['verify', lock, '--server', server.url], e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /sigil: error: .*sigil\.policy\.yaml: invalid policy:\n\s+unsigned: expected "fail" or "warn", got "sometimes"/,
    );
  });

  it('usage and input errors exit 2: server down (with offline hint), no server, bad lockfile, --json with --sarif', async () => {
    const lock = writeProject(reg.pkgs);
    const down = await runCli(['verify', lock, '--server', 'http://127.0.0.1:39'], freshEnv());
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(
      /sigil: error: cannot reach the Sigil server http:\/\/127\.0\.0\.1:39/,
    );
    expect(down.stderr).toMatch(/sigil: hint: .*sigil fetch-records/);
    const none = await runCli(['verify', lock], freshEnv());
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no Sigil server/);
    const dir = mkdtempSync(join(tmpdir(), 'sigil-bad-'));
    writeFileSync(join(dir, 'pnpm-lock.yaml'), "lockfileVersion: '4.0'\n");
    const badVersion = await runCli(
      ['verify', join(dir, 'pnpm-lock.yaml'), '--server', server.url],
      freshEnv(),
    );
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toMatch(/lockfileVersion: "4.0" is not a pnpm lockfile version/);
    const both = await runCli(
      ['verify', lock, '--json', '--sarif', '--server', server.url],
      freshEnv(),
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --sarif can't be used together/);
  });
});

describe('offline', () => {
  const tsxLoader = 'tsx';
  const runChild = (args: string[], extraEnv: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', tsxLoader, join(here, 'run-cli.ts'), ...args], {
      env: {
        ...process.env,
        ...extraEnv,
        NODE_OPTIONS: `--require ${join(here, 'no-network.cjs')}`,
      },
      encoding: 'utf8',
      cwd: join(here, '..', '..'),
    });

  it('--offline with an empty cache is a clear error', async () => {
    const lock = writeProject(reg.pkgs);
    const r = await runCli(['verify', lock, '--offline'], freshEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /sigil: error: --offline: there is no offline cache at .*\.sigil\/cache\/records\.json/,
    );
    expect(r.stderr).toMatch(
      /sigil: hint: fill it while online: `sigil fetch-records <lockfile> --server URL`/,
    );
  });

  it('fetch-records fills the cache; verify --offline then runs in a process where every socket throws', async () => {
    const lock = writeProject(reg.pkgs);
    const e = freshEnv();
    const f = await runCli(['fetch-records', lock, '--server', server.url], e);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(
      /cached 3 release records for 4 packages \(1 has none: unsigned or not on this server\)/,
    );
    expect(existsSync(join(dirname(lock), '.sigil', 'cache', 'records.json'))).toBe(true);
    const before = server.requests.length;

    const offline = runChild(['verify', lock, '--offline'], e);
    expect(offline.stderr).not.toMatch(/NETWORK-ATTEMPT/);
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(/3 verified/);
    expect(offline.stdout).toMatch(/against offline cache/);
    expect(server.requests.length).toBe(before);

    // Control: the same process setup really blocks the network.
    const online = runChild(['verify', lock, '--server', server.url], e);
    expect(online.status).toBe(2);
    expect(online.stderr).toMatch(/NETWORK-ATTEMPT: fetch/);
  });
});
