// Colour only on a terminal and never with NO_COLOR; help that leads with examples;
// every environment variable sigil reads is listed in `sigil --help` and the README.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { Io } from '../src/cli/output.js';
import { runCli } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ESC = /\u001b\[/;
let dir: string;
let pub: string;
let file: string;

/** run with a fake terminal on stdout/stderr (or not), capturing what is written. */
async function runTty(
  args: string[],
  tty: boolean,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    stderrIsTTY: tty,
    stdoutIsTTY: tty,
    env: { SIGIL_PASSPHRASE: 'pw', ...env },
  };
  const code = await main(args, io);
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-colour-'));
  const kg = JSON.parse(
    (await runCli(['keygen', '--out', join(dir, 'k'), '--json'], { SIGIL_PASSPHRASE: 'pw' }))
      .stdout,
  ) as { privateKey: string; publicKey: string };
  pub = kg.publicKey;
  file = join(dir, 'app.bin');
  writeFileSync(file, 'app');
  expect(
    (
      await runCli(['sign', file, '--name', 'app', '--version', '1.0.0', '--key', kg.privateKey], {
        SIGIL_PASSPHRASE: 'pw',
      })
    ).code,
  ).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('colour', () => {
  it('a terminal gets coloured marks and verdicts', async () => {
    const r = await runTty(
      ['verify', file, '-k', pub, '--name', 'app', '--version', '1.0.0'],
      true,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\u001b\[32m✔\u001b\[0m/);
    expect(r.out).toMatch(/\u001b\[32mverified\u001b\[0m/);
    const bad = await runTty(['verify', join(dir, 'nope'), '-k', pub], true);
    expect(bad.err).toMatch(/^sigil: \u001b\[31merror:\u001b\[0m /);
  });

  it('NO_COLOR, TERM=dumb, or output that is not a terminal: plain text', async () => {
    for (const [tty, env] of [
      [true, { NO_COLOR: '1' }],
      [true, { TERM: 'dumb' }],
      [false, {}],
    ] as const) {
      const r = await runTty(
        ['verify', file, '-k', pub, '--name', 'app', '--version', '1.0.0'],
        tty,
        env,
      );
      expect(r.out + r.err).not.toMatch(ESC);
      expect(r.out).toMatch(/✔ signature/);
    }
  });
});

describe('help', () => {
  it.each(['verify', 'sign', 'keygen', 'publish', 'serve', 'fetch', 'fetch-records'])(
    '`sigil %s --help` shows examples before the flags',
    async (cmd) => {
      const r = await runCli([cmd, '--help']);
      expect(r.code).toBe(0);
      const examples = r.stdout.indexOf('Examples:\n  $ sigil');
      expect(examples).toBeGreaterThan(0);
      expect(examples).toBeLessThan(r.stdout.indexOf('Options:'));
      // Each example is one unwrapped shell line.
      const block = r.stdout.slice(examples + 'Examples:\n'.length).split('\n\n')[0]!;
      for (const line of block.split('\n')) expect(line).toMatch(/^  \$ sigil /);
    },
  );

  it('the command list stays one line per command', async () => {
    const r = await runCli(['--help']);
    const list = r.stdout.slice(r.stdout.indexOf('Commands:'), r.stdout.indexOf('\nExamples:'));
    expect(list).not.toMatch(/\$ sigil/);
  });

  it('every environment variable sigil reads is listed in `sigil --help` and in the README', async () => {
    const src = execFileSync('grep', [
      '-rhoE',
      'env\\[[\'"][A-Z_]+[\'"]\\]',
      join(ROOT, 'src'),
    ]).toString();
    const vars = [...new Set([...src.matchAll(/\[['"]([A-Z_]+)['"]\]/g)].map((m) => m[1]!))].filter(
      (v) => v !== 'CI' && v !== 'XDG_CONFIG_HOME' && v !== 'TERM',
    );
    expect(vars.length).toBeGreaterThanOrEqual(7);
    const help = (await runCli(['--help'])).stdout;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const v of [...vars, 'NO_COLOR']) {
      expect(help, v).toMatch(new RegExp(`^  ${v} `, 'm'));
      expect(readme, v).toContain(v);
    }
  });
});
