// `npm run demo` (scripts/demo.sh) end to end, as a user runs it with its output
// piped: it succeeds, writes no terminal escapes into the pipe, and leaves no
// process behind (the registry it starts is stopped on exit).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'sigil-demo-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Processes whose command line mentions `marker` (Linux /proc). */
function processesMentioning(marker: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker)) out.push(`${pid}: ${cmd}`);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return out;
}

describe('npm run demo', () => {
  it('runs to the end, writes no ANSI escapes into a pipe, and no process outlives it', () => {
    const r = spawnSync('bash', [join(ROOT, 'scripts/demo.sh')], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verified\n/);
    expect(r.stdout).toMatch(/exit code: [12] \(not 0 = the swapped tarball was refused/);
    expect(r.stdout + r.stderr).not.toMatch(/\u001b\[/);
    expect(processesMentioning(tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]); // the work folder is removed too
  }, 150_000);
});
