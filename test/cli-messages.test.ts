// What a new user hits at the command line (issue 13, items 9, 10, 12, 13): each
// mistake gets a message that says what is wrong and what to do, with the right
// exit code, and `sigil fetch` speaks of downloads, not lockfiles.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/client/registry-client.js';
import { openRegistry, type Registry } from '../src/registry/server.js';
import { startTamperProxy } from './helpers/tamper-proxy.js';
import { runCli, type CliRun } from './helpers/cli.js';
import { npmPack, type Packed } from './helpers/npm-pack.js';
import { overwriteStoredBlob } from './helpers/stored-blob.js';

let dir: string;
let registry: Registry;
let url: string;
let env: Record<string, string>;
let keys: { privateKey: string; publicKey: string };
let pkg: Packed;
let pkg2: Packed;

function onlyDiagnostics(r: CliRun): void {
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected failure/);
  for (const line of r.stderr.trim().split('\n').filter(Boolean))
    expect(line).toMatch(/^sigil: (error|hint|warning): /);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-msg-'));
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'messages.test/log',
    batchIntervalMs: 2,
  });
  url = await registry.listen();
  env = { SIGIL_CONFIG_DIR: join(dir, 'config'), SIGIL_TOKEN: registry.adminToken! };
  keys = JSON.parse((await runCli(['keygen', '--out', join(dir, 'keys'), '--json'])).stdout);
  pkg = npmPack(dir, { name: 'gadget', version: '1.0.0' });
  pkg2 = npmPack(dir, { name: 'gadget', version: '1.1.0' });
  expect(
    (await runCli(['publish', pkg.path, '--server', url, '--key', keys.privateKey], env)).code,
  ).toBe(0);
  expect(
    (await runCli(['publish', pkg2.path, '--server', url, '--key', keys.privateKey], env)).code,
  ).toBe(0);
});

afterAll(async () => {
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sigil fetch', () => {
  it('-o naming a folder that does not exist creates it (only once the download verified); -o FILE writes that file', async () => {
    const out = join(dir, 'new', 'folder');
    const r = await runCli(['fetch', 'pkg:npm/gadget@1.0.0', '--server', url, '-o', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'gadget-1.0.0.tgz')).equals(readFileSync(pkg.path))).toBe(true);
    const file = join(dir, 'elsewhere', 'renamed.tgz');
    expect(
      (await runCli(['fetch', 'pkg:npm/gadget@1.0.0', '--server', url, '-o', file], env)).code,
    ).toBe(0);
    expect(readFileSync(file).equals(readFileSync(pkg.path))).toBe(true);
  });

  it('a purl without a version fetches the latest (npm), and says so', async () => {
    const out = join(dir, 'latest');
    const r = await runCli(['fetch', 'pkg:npm/gadget', '--server', url, '-o', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /sigil: hint: pkg:npm\/gadget names no version; fetching the latest, 1\.1\.0/,
    );
    expect(existsSync(join(out, 'gadget-1.1.0.tgz'))).toBe(true);
    const pypi = await runCli(['fetch', 'pkg:pypi/gadget', '--server', url], env);
    expect(pypi.code).toBe(2);
    expect(pypi.stderr).toMatch(/pkg:pypi\/gadget names no version: say which release to fetch/);
  });

  it('swapped bytes are reported as a download that differs from what was signed, without lockfile wording; nothing is created', async () => {
    // The registry never serves stored bytes that do not hash to their name, so the bytes are
    // swapped in transit: a man in the middle in front of it (test/helpers/tamper-proxy.ts).
    const mitm = await startTamperProxy(url, (path) => path.startsWith('/api/v1/blobs/'));
    try {
      const out = join(dir, 'never-made');
      const r = await runCli(
        ['fetch', 'pkg:npm/gadget@1.0.0', '--server', mitm.url, '-o', out],
        env,
      );
      expect(mitm.tampered.length).toBeGreaterThan(0);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /downloaded sha512 .* ≠ signed .*\(the registry served bytes other than the ones signed\)/,
      );
      expect(r.stdout + r.stderr).not.toMatch(/lockfile/);
      expect(existsSync(out)).toBe(false);
    } finally {
      await mitm.close();
    }
  });

  it('bytes swapped in the registry storage are refused by the registry itself: STORAGE_ERROR, nothing is created', async () => {
    const record = await new RegistryClient(url).release('pkg:npm/gadget@1.0.0');
    const sha = record.digests.sha256;
    const original = registry.store.readBlob(sha)!;
    const bytes = Buffer.from(original);
    bytes[bytes.length - 3]! ^= 0xff;
    overwriteStoredBlob(registry.store, sha, bytes);
    try {
      const out = join(dir, 'never-made-2');
      const r = await runCli(['fetch', 'pkg:npm/gadget@1.0.0', '--server', url, '-o', out], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /HTTP 500 STORAGE_ERROR: .*does not match its digest is never served/,
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      overwriteStoredBlob(registry.store, sha, original);
    }
  });

  it('a server that is down: no hint about --offline, which fetch does not take', async () => {
    const r = await runCli(
      ['fetch', 'pkg:npm/gadget@1.0.0', '--server', 'http://127.0.0.1:39'],
      env,
    );
    expect(r.code).toBe(2);
    onlyDiagnostics(r);
    expect(r.stderr).not.toMatch(/--offline/);
    expect(r.stderr).toMatch(
      /sigil: hint: .*(is the server up|is `sigil serve` running there).*--server/,
    );
  });
});

describe('server address mistakes', () => {
  it('no scheme: says so and suggests http://', async () => {
    const r = await runCli(['fetch', 'pkg:npm/gadget@1.0.0', '--server', '127.0.0.1:8080'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /sigil: error: --server "127\.0\.0\.1:8080" has no scheme \(http:\/\/ or https:\/\/\)\nsigil: hint: did you mean http:\/\/127\.0\.0\.1:8080\?/,
    );
  });

  it('a port HTTP clients refuse (fetch\'s "bad port") is named as such', async () => {
    const r = await runCli(
      ['publish', pkg.path, '--server', 'http://127.0.0.1:1', '--key', keys.privateKey],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/port 1 is one the Fetch standard blocks/);
    const big = await runCli(
      ['fetch', 'pkg:npm/gadget@1.0.0', '--server', 'http://127.0.0.1:99999'],
      env,
    );
    expect(big.stderr).toMatch(/port 99999 is above 65535/);
  });

  it('publishing without a token names --token and SIGIL_TOKEN', async () => {
    const r = await runCli(['publish', pkg.path, '--server', url, '--key', keys.privateKey], {
      SIGIL_CONFIG_DIR: env['SIGIL_CONFIG_DIR']!,
    });
    expect(r.code).toBe(2);
    onlyDiagnostics(r);
    expect(r.stderr).toMatch(/sigil: hint: give --token TOKEN or set SIGIL_TOKEN/);
  });
});

describe('flags and inputs', () => {
  it('a binary file passed as -b: "not a JSON Sigstore bundle", no raw bytes, exit 2', async () => {
    const r = await runCli(['verify', pkg.path, '-b', pkg.path, '-k', keys.publicKey]);
    expect(r.code).toBe(2);
    onlyDiagnostics(r);
    expect(r.stderr).toMatch(/is not a JSON Sigstore bundle: it holds binary data/);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000e-\u001f\ufffd]/);
  });

  it('sigil log serve takes -p like sigil serve; a bad -p is named as -p', async () => {
    const bad = await runCli(['log', 'serve', '-p', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /sigil: error: -p\/--port must be a port number from 0 to 65535, not "abc"/,
    );
    const serveBad = await runCli(['serve', '-p', 'abc', '-d', join(dir, 'unused')]);
    expect(serveBad.stderr).toMatch(/-p\/--port must be a port number/);
    const both = await runCli(['log', 'serve', '-p', '1', '-l', '127.0.0.1:2']);
    expect(both.stderr).toMatch(/-l\/--listen and -p\/--port can't be used together/);
  });

  it('a whole packument: one summary line first, each failure once, one error line; stripped signatures are explained', async () => {
    const packument = JSON.parse(
      readFileSync('test/fixtures/npm-registry/venv.packument.json', 'utf8'),
    ) as { versions: Record<string, { dist: Record<string, unknown> }> };
    for (const v of Object.values(packument.versions)) delete v.dist['signatures'];
    const stripped = join(dir, 'stripped.packument.json');
    writeFileSync(stripped, JSON.stringify(packument));
    const r = await runCli([
      'verify',
      stripped,
      '--npm-keys',
      'test/fixtures/npm-registry/npmjs-keys.json',
    ]);
    expect(r.code).toBe(1);
    const n = Object.keys(packument.versions).length;
    expect(r.stdout.split('\n')[0]).toMatch(
      new RegExp(`^${n} checked: 0 verified, ${n} NOT verified \\(\\d+ NPM_SIGNATURE_MISSING`),
    );
    expect(r.stdout).toMatch(/a mirror or proxy that rewrites packuments may have stripped them/);
    expect(r.stderr.trim().split('\n')).toEqual([
      `sigil: error: ${n} of ${n} versions in ${stripped} do not verify (see above)`,
    ]);
    const blocks = r.stdout.split('\n').filter((l) => /^venv@/.test(l));
    expect(new Set(blocks).size).toBe(blocks.length);
  });

  it('a folder where a file is expected: "expected an artifact"', async () => {
    const r = await runCli(['sign', dir, '--key', keys.privateKey]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a directory, expected an artifact/);
  });
});
