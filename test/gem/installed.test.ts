// `sigil verify Gemfile.lock --installed DIR` without bundler: where installed .gem files are
// found (GEM_HOME, BUNDLE_PATH, vendor/cache), what a lockfile without CHECKSUMS tells the user,
// and the usage errors. The real bundler run is in test/interop/gem-cli.test.ts.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withInstalledGems } from '../../src/cli/verify/installed-gems.js';
import { gemCacheFolders, installedGemFileName } from '../../src/ecosystems/gem/installed.js';
import { NO_CHECKSUMS_HINT, readGemfileLock } from '../../src/ecosystems/gem/lockfile.js';
import { runCli } from '../helpers/cli.js';

const LOCK = `GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.0-x86_64-linux)
    nokogiri (1.15.0-arm64-darwin)
    rack (3.0.8)

PLATFORMS
  arm64-darwin
  x86_64-linux

DEPENDENCIES
  nokogiri
  rack

BUNDLED WITH
   2.3.26
`;

const root = mkdtempSync(join(tmpdir(), 'sigil-gem-installed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Gemfile.lock without CHECKSUMS', () => {
  it('every spec carries the next step: --installed', () => {
    const entries = readGemfileLock('Gemfile.lock', Buffer.from(LOCK));
    expect(entries.map((e) => [e.purl, e.missingDigestHint])).toEqual([
      ['pkg:gem/nokogiri@1.15.0?platform=x86_64-linux', NO_CHECKSUMS_HINT],
      ['pkg:gem/nokogiri@1.15.0?platform=arm64-darwin', NO_CHECKSUMS_HINT],
      ['pkg:gem/rack@3.0.8', NO_CHECKSUMS_HINT],
    ]);
    expect(NO_CHECKSUMS_HINT).toContain('sigil verify Gemfile.lock --installed DIR');
  });

  it('with CHECKSUMS: a pinned spec has no hint; an unpinned one says the section lacks it', () => {
    const withSums = LOCK.replace(
      '\nBUNDLED WITH',
      `\nCHECKSUMS\n  rack (3.0.8) sha256=${'a'.repeat(64)}\n\nBUNDLED WITH`,
    );
    const entries = readGemfileLock('Gemfile.lock', Buffer.from(withSums));
    expect(entries.find((e) => e.purl === 'pkg:gem/rack@3.0.8')?.missingDigestHint).toBeUndefined();
    expect(entries[0]!.missingDigestHint).toBe('the CHECKSUMS section has no line for it');
  });
});

describe('installed gem files', () => {
  it('file names follow bundler: name-version[-platform].gem (ruby is no platform)', () => {
    expect(installedGemFileName('pkg:gem/rack@3.0.8')).toBe('rack-3.0.8.gem');
    expect(installedGemFileName('pkg:gem/nokogiri@1.15.0?platform=x86_64-linux')).toBe(
      'nokogiri-1.15.0-x86_64-linux.gem',
    );
    expect(installedGemFileName('pkg:gem/rack@3.0.8?platform=ruby')).toBe('rack-3.0.8.gem');
    expect(installedGemFileName('pkg:gem/rack')).toBeUndefined();
    expect(installedGemFileName('pkg:npm/rack@1.0.0')).toBeUndefined();
  });

  const layouts: [string, string[]][] = [
    ['GEM_HOME', ['cache']],
    ['BUNDLE_PATH', ['ruby/3.1.0/cache']],
    ['vendor/cache', ['.']],
  ];
  it.each(layouts)('%s: the installed gems are found and hashed', (what, sub) => {
    const dir = join(root, what.replace(/\W/g, '_'));
    const rack = Buffer.from(`rack bytes for ${what}`);
    for (const s of sub) {
      mkdirSync(join(dir, s), { recursive: true });
      writeFileSync(join(dir, s, 'rack-3.0.8.gem'), rack);
      writeFileSync(join(dir, s, 'nokogiri-1.15.0-x86_64-linux.gem'), 'nokogiri linux');
    }
    const list = (d: string) => {
      try {
        return readdirSync(d);
      } catch {
        return undefined;
      }
    };
    expect(gemCacheFolders(dir, list)).toHaveLength(1);
    const entries = withInstalledGems(readGemfileLock('Gemfile.lock', Buffer.from(LOCK)), dir);
    const rackEntry = entries.find((e) => e.purl === 'pkg:gem/rack@3.0.8')!;
    expect(rackEntry.digests).toEqual([
      {
        algorithm: 'sha256',
        value: sha(rack),
        from: expect.stringMatching(/^installed .*rack-3\.0\.8\.gem$/),
      },
    ]);
    expect(rackEntry.missingDigestHint).toBeUndefined();
    // Another platform's gem, listed by the lockfile but never installed here: named, not hashed.
    const darwin = entries.find((e) => e.purl.includes('arm64-darwin'))!;
    expect(darwin.digests).toEqual([]);
    expect(darwin.missingDigestHint).toMatch(
      /^nokogiri-1\.15\.0-arm64-darwin\.gem is not installed under .* \(looked in .*\)$/,
    );
  });

  it('a folder that does not exist, or holds no gems: a usage error saying which folder to give', () => {
    const entries = readGemfileLock('Gemfile.lock', Buffer.from(LOCK));
    expect(() => withInstalledGems(entries, join(root, 'nope'))).toThrow(/no such folder/);
    mkdirSync(join(root, 'empty'));
    expect(() => withInstalledGems(entries, join(root, 'empty'))).toThrow(
      /no installed gems there \(no \*\.gem, cache\/ or ruby\/\*\/cache\/\)/,
    );
  });
});

describe('sigil verify --installed: usage', () => {
  it('refused for a lockfile other than Gemfile.lock, and for a target that is no lockfile', async () => {
    const lock = join(root, 'package-lock.json');
    writeFileSync(lock, JSON.stringify({ name: 'x', lockfileVersion: 3, packages: { '': {} } }));
    const r = await runCli(['verify', lock, '--server', 'http://127.0.0.1:9', '--installed', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--installed applies to Gemfile\.lock .* is a package-lock\.json/);
    const art = join(root, 'thing.txt');
    writeFileSync(art, 'x');
    const r2 = await runCli(['verify', art, '--scheme', 'openpgp', '--installed', root]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--installed applies to lockfiles only/);
  });
});
