// npm-world lockfile readers against hand-made fixtures that follow real files' structure
// (npm 6/7/9 package-lock, yarn 1 and yarn 4 yarn.lock, pnpm 7/8/9 pnpm-lock.yaml).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, lockfileReaderFor } from '../../src/ecosystems/index.js';
import type { LockfileEntry } from '../../src/ecosystems/adapter.js';

const FIX = new URL('../fixtures/lockfiles/', import.meta.url);
function read(fixture: string, as: string): LockfileEntry[] {
  const r = lockfileReaderFor(as);
  if (!r) throw new Error(`no reader for ${as}`);
  return r.reader.read(as, readFileSync(new URL(fixture, FIX)));
}
const bySource = (es: LockfileEntry[]) =>
  Object.fromEntries(es.map((e) => [e.purl, e.source ?? 'registry']));
const readError = (as: string, text: string) => {
  try {
    lockfileReaderFor(as)!.reader.read(as, Buffer.from(text));
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('no error');
};

describe('package-lock.json', () => {
  it('v1: nested dependencies, alias, git, file and bundled deps', () => {
    const es = read('package-lock-v1.json', 'package-lock.json');
    expect(bySource(es)).toEqual({
      'pkg:npm/%40babel/code-frame@7.12.13': 'registry',
      'pkg:npm/debug@2.6.9': 'registry',
      'pkg:npm/ms@2.0.0': 'registry',
      'pkg:npm/ms@2.1.3': 'registry',
      'pkg:npm/lodash@4.17.21': 'registry',
      'pkg:npm/left-pad@5ea5d3a56e3c2f07bcaa4dd3e1d3e81ce0ad1c4e': 'git',
      'pkg:npm/local-utils@file:..%2Flocal-utils': 'file',
      'pkg:npm/node-pre-gyp@0.14.0': 'registry',
      'pkg:npm/abbrev@1.1.1': 'bundled',
    });
    expect(es.find((e) => e.purl === 'pkg:npm/ms@2.0.0')!.digests).toEqual([
      { algorithm: 'sri-sha1', value: 'sha1-VgiurfwAvmwpAd9fmGF4jeDVl8g=' },
    ]);
    expect(es.find((e) => e.purl === 'pkg:npm/lodash@4.17.21')!.digests[0]!.algorithm).toBe(
      'sri-sha512',
    );
  });

  it('v3 (and v2, which carries both trees): packages by path, nested copies, alias by `name`, link, git, inBundle', () => {
    for (const f of ['package-lock-v3.json', 'package-lock-v2.json']) {
      const es = read(f, 'package-lock.json');
      expect(bySource(es)).toEqual({
        'pkg:npm/%40demo/web@0.0.0-link': 'link',
        'pkg:npm/debug@4.3.4': 'registry',
        'pkg:npm/ms@2.1.2': 'registry',
        'pkg:npm/ms@2.1.3': 'registry',
        'pkg:npm/lodash@4.17.21': 'registry',
        'pkg:npm/left-pad@1.3.0': 'git',
        'pkg:npm/sharp@0.32.6': 'registry',
        'pkg:npm/tar-fs@3.0.4': 'bundled',
      });
      expect(es.find((e) => e.purl === 'pkg:npm/ms@2.1.2')!.location).toBe(
        'node_modules/debug/node_modules/ms',
      );
    }
  });

  it('npm-shrinkwrap.json is read the same way', () => {
    expect(read('package-lock-v3.json', 'npm-shrinkwrap.json').length).toBe(8);
  });

  it('unknown lockfileVersion, missing fields and broken JSON are clear errors', () => {
    expect(
      readError('package-lock.json', '{"lockfileVersion": 4, "packages": {}}').message,
    ).toMatch(/lockfileVersion: 4 is not a package-lock version sigil reads \(1, 2 or 3\)/);
    expect(readError('package-lock.json', '{"lockfileVersion": 3}').message).toMatch(
      /packages: is missing/,
    );
    expect(
      readError(
        'package-lock.json',
        '{"lockfileVersion": 3, "packages": {"node_modules/a": {"integrity": "sha512-AA=="}}}',
      ).message,
    ).toMatch(/node_modules\/a.*version: is missing/);
    expect(
      readError(
        'package-lock.json',
        '{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0", "integrity": "md5-xyz"}}}',
      ).message,
    ).toMatch(/not a Subresource Integrity hash/);
    expect(readError('package-lock.json', '{"lockfileVersion": ').code).toBe('LOCKFILE_INVALID');
  });
});

describe('yarn.lock', () => {
  it('classic v1: multi-descriptor keys, scoped names, npm: alias, git, sha1-only entries', () => {
    const es = read('yarn-classic.lock', 'yarn.lock');
    expect(bySource(es)).toEqual({
      'pkg:npm/%40babel/code-frame@7.12.13': 'registry',
      'pkg:npm/debug@4.3.4': 'registry',
      'pkg:npm/left-pad@1.3.0': 'git',
      'pkg:npm/ms@2.1.2': 'registry',
      'pkg:npm/lodash@4.17.21': 'registry',
      'pkg:npm/old-pkg@1.0.0': 'registry',
    });
    expect(es.find((e) => e.purl === 'pkg:npm/old-pkg@1.0.0')!.digests).toEqual([
      {
        algorithm: 'sri-sha1',
        value: `sha1-${Buffer.from('5e2a3b9ef7c0a1b54f9d57e6e8f6a0a58a5b3e9c', 'hex').toString('base64')}`,
      },
    ]);
    expect(es.find((e) => e.purl === 'pkg:npm/ms@2.1.2')!.location).toBe('yarn.lock:23');
  });

  it('berry: npm resolutions, workspace (link), git; checksum kept as yarn-berry-cache', () => {
    const es = read('yarn-berry.lock', 'yarn.lock');
    expect(bySource(es)).toEqual({
      'pkg:npm/debug@4.3.4': 'registry',
      'pkg:npm/demo-app@0.0.0-use.local': 'link',
      'pkg:npm/left-pad@1.3.0': 'git',
      'pkg:npm/ms@2.1.2': 'registry',
    });
    expect(es.find((e) => e.purl === 'pkg:npm/ms@2.1.2')!.digests[0]!.algorithm).toBe(
      'yarn-berry-cache',
    );
  });

  it('malformed and unknown yarn lockfiles are clear errors', () => {
    expect(readError('yarn.lock', '# yarn lockfile v2\n').message).toMatch(
      /yarn lockfile v2 is not a version sigil reads/,
    );
    expect(readError('yarn.lock', 'hello\n').message).toMatch(/neither a yarn classic lockfile/);
    expect(
      readError('yarn.lock', '# yarn lockfile v1\n\nfoo@^1:\n  resolved "x"\n').message,
    ).toMatch(/version: is missing/);
    expect(readError('yarn.lock', '# yarn lockfile v1\n\nfoo@^1\n').message).toMatch(
      /line 3: expected a package descriptor/,
    );
    expect(readError('yarn.lock', '__metadata:\n  version: 99\n').message).toMatch(
      /__metadata.version: 99 is not a yarn berry lockfile version/,
    );
    expect(readError('yarn.lock', '__metadata:\n  version: 8\n"a@npm:1": [\n').code).toBe(
      'LOCKFILE_INVALID',
    );
  });
});

describe('pnpm-lock.yaml', () => {
  it('v5 keys with peer suffixes, v6 keys with parentheses, v9 keys without slash; tarball from GitHub is git', () => {
    const v5 = read('pnpm-v5.yaml', 'pnpm-lock.yaml');
    expect(v5.map((e) => e.purl).sort()).toEqual([
      'pkg:npm/%40babel/code-frame@7.12.13',
      'pkg:npm/debug@4.3.4',
      'pkg:npm/ms@2.1.2',
      'pkg:npm/react-dom@17.0.2',
    ]);
    const v6 = read('pnpm-v6.yaml', 'pnpm-lock.yaml');
    expect(v6.map((e) => e.purl).sort()).toEqual([
      'pkg:npm/%40babel/code-frame@7.12.13',
      'pkg:npm/debug@4.3.4',
      'pkg:npm/ms@2.1.2',
    ]);
    const v9 = read('pnpm-v9.yaml', 'pnpm-lock.yaml');
    expect(bySource(v9)).toEqual({
      'pkg:npm/%40babel/code-frame@7.12.13': 'registry',
      'pkg:npm/debug@4.3.4': 'registry',
      'pkg:npm/left-pad@1.3.0': 'git',
      'pkg:npm/ms@2.1.2': 'registry',
    });
  });

  it('unknown versions and malformed files are clear errors', () => {
    expect(readError('pnpm-lock.yaml', "lockfileVersion: '7.0'\n").message).toMatch(
      /lockfileVersion: "7.0" is not a pnpm lockfile version sigil reads/,
    );
    expect(
      readError('pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n").message,
    ).toMatch(/resolution: is not a table/);
    expect(readError('pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages: [\n").code).toBe(
      'LOCKFILE_INVALID',
    );
  });
});

describe('detection by file name', () => {
  it("finds the npm readers and the other ecosystems' lockfiles", () => {
    for (const f of [
      'package-lock.json',
      'npm-shrinkwrap.json',
      'yarn.lock',
      'pnpm-lock.yaml',
      'go.sum',
      'Cargo.lock',
    ])
      expect(lockfileReaderFor(f), f).toBeDefined();
    expect(lockfileReaderFor('package.json')).toBeUndefined();
  });

  it('formats told by their exact name match those names and no near miss', () => {
    const byName: Record<string, string> = {
      'Cargo.lock': 'Cargo.lock',
      'Gemfile.lock': 'Gemfile.lock',
      'gems.locked': 'Gemfile.lock',
      'go.work.sum': 'go.sum',
      'npm-shrinkwrap.json': 'package-lock.json',
      versions: '.meteor/versions',
      'verification-metadata.xml': 'Gradle verification-metadata.xml',
      'cpanfile.snapshot': 'cpanfile.snapshot (Carton)',
      'mix.lock': 'mix.lock',
      'rebar.lock': 'rebar.lock',
      Puppetfile: 'Puppetfile',
    };
    for (const [name, format] of Object.entries(byName))
      expect(lockfileReaderFor(name)?.reader.format, name).toBe(format);
    for (const miss of ['cargo.lock', 'Cargo.lock.bak', 'Gemfile', '.meteor/versions', 'mix.lock '])
      expect(lockfileReaderFor(miss), miss).toBeUndefined();
  });
});

describe('bytes that are not UTF-8', () => {
  // Every reader decodes through one helper (ecosystems/support/lockfile.ts decodeLockText).
  const readers = ADAPTERS.flatMap((a) => a.lockfiles ?? []);
  it.each(readers.map((r) => [r.format, r] as const))(
    '%s: LOCKFILE_INVALID naming the file',
    (format, r) => {
      let err: { code?: string; message?: string } | undefined;
      try {
        r.read(format, Uint8Array.from([0x7b, 0xff, 0xfe, 0x0a]));
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.code).toBe('LOCKFILE_INVALID');
      expect(err?.message).toContain(format);
    },
  );
});
