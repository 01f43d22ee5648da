// CLI start-up (issue 14): a command loads only what it runs. `sigil --version` and
// `sigil --help` load nothing outside src/cli and commander; verifying one artifact
// does not load the OpenPGP, Sigstore, registry or lockfile machinery. Checked by
// tracing every module the real process loads (scripts/trace-imports.mjs); the
// times themselves are measured in bench/startup.mjs, not asserted here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { COMMAND_INDEX } from '../src/cli/command-index.js';
import { runCli, SIGIL_BIN } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRACE = join(ROOT, 'scripts/trace-imports.mjs');
let dir: string;

/** modulesLoaded runs the built CLI and returns every module it loaded (node: built-ins left out), relative to the repository. */
function modulesLoaded(args: string[]): { code: number; stdout: string; modules: string[] } {
  const out = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(out, '');
  const r = spawnSync(process.execPath, ['--import', TRACE, SIGIL_BIN, ...args], {
    env: { ...process.env, SIGIL_TRACE_IMPORTS: out, SIGIL_CONFIG_DIR: join(dir, 'config') },
    encoding: 'utf8',
    cwd: dir,
  });
  const modules = [...new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean))]
    .filter((u) => !/^(cjs:)?node:/.test(u))
    .map((u) =>
      u
        .replace(/^cjs:/, '')
        .replace(/^file:\/\//, '')
        .replace(ROOT, ''),
    );
  return { code: r.status ?? -1, stdout: r.stdout, modules };
}

const outsideCli = (m: string) =>
  !/^(bin\/sigil\.js|dist\/cli\/[^/]+\.js|node_modules\/commander\/)/.test(m);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-startup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sigil start-up loads only the command it runs', () => {
  it('--version loads nothing outside src/cli and commander', () => {
    const r = modulesLoaded(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
    expect(r.modules).toContain('dist/cli/main.js');
    expect(r.modules.filter(outsideCli)).toEqual([]);
  });

  it('--help loads nothing outside src/cli and commander, and lists every command', () => {
    const r = modulesLoaded(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMAND_INDEX)) expect(r.stdout).toContain(`  ${name}`);
    expect(r.modules.filter(outsideCli)).toEqual([]);
  });

  it("--help shows exactly what the commands' own modules register (the index has not drifted)", async () => {
    const ctx = {
      io: { out: () => {}, err: () => {}, stderrIsTTY: false, env: {} },
      setExitCode: () => {},
    };
    const quick = await buildProgram(ctx, ['--help']);
    const full = await buildProgram(ctx, [], { all: true });
    expect(quick.helpInformation()).toBe(full.helpInformation());
    expect(full.commands.map((c) => c.name())).toEqual(Object.keys(COMMAND_INDEX));
  });

  it('a typo still gets a suggestion without loading the commands', async () => {
    const r = await runCli(['verfy', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'verfy'[\s\S]*Did you mean verify\?/);
  });

  it('verify of one signed artifact loads neither OpenPGP, Sigstore, the registry, SQLite nor the lockfile machinery', async () => {
    const kg = await runCli(['keygen', '--out', join(dir, 'keys'), '--json']);
    expect(kg.code).toBe(0);
    const { privateKey, publicKey } = JSON.parse(kg.stdout) as {
      privateKey: string;
      publicKey: string;
    };
    const file = join(dir, 'tool.bin');
    writeFileSync(file, 'release bytes\n');
    expect(
      (await runCli(['sign', file, '--key', privateKey, '--name', 'tool', '--version', '1.0.0']))
        .code,
    ).toBe(0);
    const r = modulesLoaded(['verify', file, '--key', publicKey]);
    expect(r.code).toBe(0);
    expect(r.modules).toContain('dist/core/verify.js');
    const heavy = r.modules.filter((m) =>
      /^node_modules\/(openpgp|@sigstore|fastify|better-sqlite3|yaml|fast-xml-parser|smol-toml)\/|^dist\/(foreign|registry|store|verify-project|client)\//.test(
        m,
      ),
    );
    expect(heavy).toEqual([]);
  });
});
