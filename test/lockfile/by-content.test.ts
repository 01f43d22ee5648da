// Lockfiles are recognised by what they contain, whatever they are called, and a
// project folder is verified through the lockfiles it holds.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lockfileReaderFor } from '../../src/ecosystems/index.js';
import { lockfileNameByContent } from '../../src/ecosystems/lockfile-by-content.js';
import { runCli } from '../helpers/cli.js';

const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'sigil-lock-content-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Every lockfile in the fixtures, and the format its content says it is.
const CASES: [file: string, format: string][] = [
  ['lockfiles/package-lock-v1.json', 'package-lock.json'],
  ['lockfiles/package-lock-v3.json', 'package-lock.json'],
  ['lockfiles/pnpm-v5.yaml', 'pnpm-lock.yaml'],
  ['lockfiles/pnpm-v9.yaml', 'pnpm-lock.yaml'],
  ['lockfiles/yarn-classic.lock', 'yarn.lock'],
  ['lockfiles/yarn-berry.lock', 'yarn.lock'],
  ['ecosystems/cargo/Cargo.lock', 'Cargo.lock'],
  ['ecosystems/cargo/Cargo.v1.lock', 'Cargo.lock'],
  ['ecosystems/composer/composer.lock', 'composer.lock'],
  ['ecosystems/cpan/cpanfile.snapshot', 'cpanfile.snapshot'],
  ['ecosystems/cran/renv.lock', 'renv.lock'],
  ['ecosystems/gem/Gemfile.lock', 'Gemfile.lock'],
  ['ecosystems/golang/go.sum', 'go.sum'],
  ['ecosystems/hackage/cabal.project.freeze', 'cabal.project.freeze'],
  ['ecosystems/hex/mix.lock', 'mix.lock'],
  ['ecosystems/hex/rebar.lock', 'rebar.lock'],
  ['ecosystems/julia/Manifest.toml', 'Manifest.toml'],
  ['ecosystems/julia/Manifest-v1.toml', 'Manifest.toml'],
  ['ecosystems/maven/verification-metadata.xml', 'verification-metadata.xml'],
  ['ecosystems/nuget/packages.lock.json', 'packages.lock.json'],
  ['ecosystems/pypi/Pipfile.lock', 'Pipfile.lock'],
  ['ecosystems/pypi/poetry.lock', 'poetry.lock'],
  ['ecosystems/pypi/pylock.toml', 'pylock.toml'],
  ['ecosystems/pypi/requirements.txt', 'requirements.txt'],
  ['ecosystems/pypi/uv.lock', 'uv.lock'],
  ['ecosystems/carthage/Cartfile.resolved', 'Cartfile.resolved'],
  ['ecosystems/puppet/Puppetfile', 'Puppetfile'],
];

describe('lockfiles by content', () => {
  it.each(CASES)('%s is %s, and its reader reads it under any name', (file, format) => {
    const text = readFileSync(join(FIX, file), 'utf8');
    expect(lockfileNameByContent(text)).toBe(format);
    const entries = lockfileReaderFor(format)!.reader.read('renamed.lock', Buffer.from(text));
    expect(entries.length).toBeGreaterThan(0);
  });

  it('files that are no lockfile are not taken for one', () => {
    for (const text of [
      '{"name":"x","version":"1.0.0"}',
      'hello world\n',
      '',
      'requests>=2\n',
      '[package]\nname = "x"\nversion = "1.0.0"\n',
    ])
      expect(lockfileNameByContent(text)).toBeUndefined();
  });

  it('`sigil verify` takes a renamed lockfile as a lockfile (by content, and with --scheme lockfile)', async () => {
    const renamed = join(tmp, 'deps-prod.lock');
    copyFileSync(join(FIX, 'lockfiles/package-lock-v3.json'), renamed);
    const env = { SIGIL_CONFIG_DIR: join(tmp, 'config') };
    for (const extra of [[], ['--scheme', 'lockfile']]) {
      const r = await runCli(['verify', renamed, '--offline', ...extra], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--offline: there is no offline cache/); // it went down the lockfile path
    }
  });

  it('`sigil verify <project folder>` finds its lockfiles; --json with several asks for one', async () => {
    const project = join(tmp, 'project');
    mkdirSync(project);
    copyFileSync(join(FIX, 'lockfiles/package-lock-v3.json'), join(project, 'package-lock.json'));
    writeFileSync(join(project, 'README.md'), '# app\n');
    const one = await runCli(['verify', project, '--offline'], {
      SIGIL_CONFIG_DIR: join(tmp, 'config'),
    });
    expect(one.stderr).toMatch(/--offline: there is no offline cache at .*project/);
    copyFileSync(join(FIX, 'lockfiles/yarn-classic.lock'), join(project, 'yarn.lock'));
    const json = await runCli(['verify', project, '--json', '--offline'], {
      SIGIL_CONFIG_DIR: join(tmp, 'config'),
    });
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(
      /holds 2 lockfiles \(package-lock\.json, yarn\.lock\); --json\/--sarif report one at a time/,
    );
  });
});
