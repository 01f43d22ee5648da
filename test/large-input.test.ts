// A 4 GiB input is streamed: signing and verifying it keeps memory bounded.
// The file is sparse (made with truncate), so it costs no disk, but every byte is read and hashed.
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sigil-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built CLI in a child process and reports its exit code and peak RSS. */
function runMeasured(args: string[]): {
  code: number;
  maxRssMiB: number;
  stdout: string;
  stderr: string;
} {
  const script = `const { main } = await import(${JSON.stringify(MAIN)});
const code = await main(${JSON.stringify(args)});
process.stderr.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n');
process.exitCode = code;`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, SIGIL_PASSPHRASE: 'pw' },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const m = /MAXRSS (\d+)/.exec(r.stderr);
  return {
    code: r.status ?? -1,
    maxRssMiB: m ? Number(m[1]) / 1024 : Infinity,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

describe('a 4 GiB artifact', () => {
  it('signs and verifies in bounded memory', { timeout: 180_000 }, () => {
    const big = join(dir, 'disk.img');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 4 * 1024 ** 3 + 1); // just past 2^32 bytes
    closeSync(fd);
    const kg = runMeasured(['keygen', '--out', join(dir, 'k'), '--json']);
    expect(kg.code).toBe(0);
    const { privateKey, publicKey } = JSON.parse(kg.stdout);

    const sign = runMeasured([
      'sign',
      big,
      '--key',
      privateKey,
      '--name',
      'disk',
      '--version',
      '1',
      '--json',
    ]);
    expect(sign.code, sign.stderr).toBe(0);
    expect(JSON.parse(sign.stdout).digests.sha256).toMatch(/^[0-9a-f]{64}$/);
    const verify = runMeasured([
      'verify',
      big,
      '--key',
      publicKey,
      '--name',
      'disk',
      '--version',
      '1',
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    // Node itself takes ~50 MiB; reading 4 GiB into memory would take 4096 MiB.
    expect(sign.maxRssMiB).toBeLessThan(150);
    expect(verify.maxRssMiB).toBeLessThan(150);
  });
});
