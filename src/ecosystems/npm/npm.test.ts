import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferArtifact } from '../../../test/helpers/artifact.js';
import { npmPack } from '../../../test/helpers/npm-pack.js';
import { buildTgz } from '../../../test/helpers/tar-builder.js';
import { InputError } from '../../core/errors.js';
import { readFileSync } from 'node:fs';
import { npmAdapter } from './index.js';
import { checkNpmName } from './name.js';

const tgz = (items: Parameters<typeof buildTgz>[0]) => bufferArtifact('p.tgz', buildTgz(items));

describe('npm adapter', () => {
  it('identifies and digests a tarball made by npm pack exactly as npm reports it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-npm-'));
    for (const manifest of [
      { name: 'plain-pkg', version: '2.0.0-beta.1' },
      { name: '@scope/scoped', version: '0.0.1' },
    ]) {
      const packed = npmPack(dir, manifest);
      const art = bufferArtifact('x.tgz', readFileSync(packed.path));
      const id = await npmAdapter.identify(art);
      expect(id.purl).toBe(
        manifest.name.startsWith('@')
          ? 'pkg:npm/%40scope/scoped@0.0.1'
          : 'pkg:npm/plain-pkg@2.0.0-beta.1',
      );
      expect((await npmAdapter.digest(art)).value).toBe(packed.integrity);
    }
  });

  it('reads package.json from a top folder not named package/', async () => {
    const id = await npmAdapter.identify(
      tgz([{ name: 'node-foo/package.json', content: '{"name":"foo","version":"1.0.0"}' }]),
    );
    expect(id.purl).toBe('pkg:npm/foo@1.0.0');
  });

  it.each([
    [
      'no package.json',
      [{ name: 'package/index.js', content: 'x' }],
      /has no package.json in its top folder/,
    ],
    [
      'invalid JSON',
      [{ name: 'package/package.json', content: '{"name": ' }],
      /package\/package.json is not valid JSON/,
    ],
    ['a JSON array', [{ name: 'package/package.json', content: '[]' }], /must hold a JSON object/],
    [
      'no version',
      [{ name: 'package/package.json', content: '{"name":"x"}' }],
      /"version" is missing/,
    ],
    [
      'a bad name',
      [{ name: 'package/package.json', content: '{"name":"Bad Name","version":"1.0.0"}' }],
      /not a valid npm name/,
    ],
    [
      'package.json as a symlink',
      [{ name: 'package/package.json', type: 'symlink' as const, linkname: 'real.json' }],
      /is a symlink, not a regular file/,
    ],
    [
      '../ entries',
      [
        { name: 'package/../../x', content: 'x' },
        { name: 'package/package.json', content: '{}' },
      ],
      /climbs out of the archive/,
    ],
  ])('%s → a clear InputError', async (_what, items, message) => {
    await expect(npmAdapter.identify(tgz(items))).rejects.toThrow(message);
    await expect(npmAdapter.identify(tgz(items))).rejects.toBeInstanceOf(InputError);
  });

  it('detects tarballs by name and gzip magic', () => {
    expect(npmAdapter.detect('a.tgz', Buffer.from([0x1f, 0x8b]))).toBe('yes');
    expect(npmAdapter.detect('a.tgz', Buffer.from('xx'))).toBe('maybe');
    expect(npmAdapter.detect('a.zip', Buffer.from([0x1f, 0x8b]))).toBe('no');
  });

  it('name rules follow validate-npm-package-name', () => {
    expect(checkNpmName('left-pad')).toBeUndefined();
    expect(checkNpmName('@types/node')).toBeUndefined();
    expect(checkNpmName('.hidden')).toBeDefined();
    expect(checkNpmName('a/b/c')).toBeDefined();
    expect(checkNpmName('x'.repeat(215))).toBeDefined();
  });

  it('identify throws only InputErrors for any package.json content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (content) => {
        try {
          await npmAdapter.identify(tgz([{ name: 'package/package.json', content }]));
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 150 },
    );
  });
});
