import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTar, buildTgz } from '../../test/helpers/tar-builder.js';
import { bufferArtifact } from '../../test/helpers/artifact.js';
import { InputError } from '../core/errors.js';
import { ArchiveError } from './limits.js';
import { readTar } from './tar.js';

const read = (data: Buffer, limits = {}, select = (p: string) => p.endsWith('package.json')) =>
  readTar(bufferArtifact('x.tgz', data).open(), {
    file: 'x.tgz',
    limits,
    select: (e) => select(e.path),
  });

describe('readTar', () => {
  it('reads selected files from tar and tar.gz', async () => {
    const items = [
      { name: 'package/package.json', content: '{"a":1}' },
      { name: 'package/index.js', content: 'x' },
    ];
    for (const data of [buildTar(items), buildTgz(items)]) {
      const r = await read(data);
      expect(r.entries.map((e) => e.path)).toEqual(['package/package.json', 'package/index.js']);
      expect([...r.files.keys()]).toEqual(['package/package.json']);
      expect(r.files.get('package/package.json')!.toString()).toBe('{"a":1}');
    }
  });

  it.each([
    ['../ entries', [{ name: 'package/../../etc/passwd', content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL'],
    ['absolute paths', [{ name: '/etc/passwd', content: 'x' }], 'ARCHIVE_PATH_TRAVERSAL'],
    [
      'symlinks out of the tree',
      [{ name: 'package/evil', type: 'symlink' as const, linkname: '../../../etc/shadow' }],
      'ARCHIVE_LINK_ESCAPE',
    ],
    [
      'absolute symlinks',
      [{ name: 'package/evil', type: 'symlink' as const, linkname: '/etc/shadow' }],
      'ARCHIVE_LINK_ESCAPE',
    ],
    [
      'hardlinks out of the tree',
      [{ name: 'package/evil', type: 'hardlink' as const, linkname: '../outside' }],
      'ARCHIVE_LINK_ESCAPE',
    ],
  ])('refuses %s', async (_what, items, code) => {
    await expect(read(buildTgz(items))).rejects.toMatchObject({ code });
  });

  it('allows symlinks that stay inside the tree', async () => {
    const r = await read(buildTgz([{ name: 'package/a/link', type: 'symlink', linkname: '../b' }]));
    expect(r.entries[0]).toMatchObject({ type: 'symlink', linkTarget: '../b' });
  });

  it('stops a gzip bomb at the decompressed-byte limit', async () => {
    // 64 MiB of zeros compresses to ~64 KiB; the limit is 1 MiB.
    const bomb = gzipSync(
      buildTar([{ name: 'package/zeros', content: Buffer.alloc(64 * 1024 * 1024) }]),
    );
    expect(bomb.length).toBeLessThan(200_000);
    await expect(read(bomb, { maxTotalBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: 'ARCHIVE_TOO_LARGE',
    });
  });

  it('limits the number of entries', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ name: `package/f${i}`, content: 'x' }));
    await expect(read(buildTgz(items), { maxEntries: 10 })).rejects.toMatchObject({
      code: 'ARCHIVE_TOO_MANY_ENTRIES',
    });
  });

  it('limits the size of a selected entry', async () => {
    const data = buildTgz([{ name: 'package/package.json', content: 'x'.repeat(5000) }]);
    await expect(read(data, { maxEntryBytes: 1000 })).rejects.toMatchObject({
      code: 'ARCHIVE_ENTRY_TOO_LARGE',
    });
  });

  it('reports truncated and corrupt archives', async () => {
    const good = buildTgz([{ name: 'package/package.json', content: '{}' }]);
    await expect(read(good.subarray(0, good.length - 20))).rejects.toMatchObject({
      code: 'ARCHIVE_TRUNCATED',
    });
    const bad = Buffer.from(good);
    bad[20]! ^= 0xff;
    await expect(read(bad)).rejects.toBeInstanceOf(ArchiveError);
    await expect(
      read(Buffer.from('just some text, not a tar at all'.repeat(40))),
    ).rejects.toBeInstanceOf(ArchiveError);
  });

  it('throws only InputErrors on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), async (bytes, gz) => {
        const data = gz ? gzipSync(Buffer.from(bytes)) : Buffer.from(bytes);
        try {
          await read(data);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('throws only InputErrors on mutated real archives', async () => {
    const good = buildTar([
      { name: 'package/package.json', content: '{"name":"x","version":"1.0.0"}' },
      { name: 'package/a.js', content: 'x'.repeat(700) },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (edits) => {
          const data = Buffer.from(good);
          for (const [i, v] of edits) data[i] = v;
          try {
            await read(data);
          } catch (e) {
            expect(e).toBeInstanceOf(InputError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
