import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { readAr } from './ar.js';

const member = (name: string, data: string, size?: number) => {
  const d = Buffer.from(data, 'latin1');
  const h = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(size ?? d.length).padEnd(10)}\`\n`;
  return Buffer.concat([
    Buffer.from(h, 'latin1'),
    d,
    d.length % 2 ? Buffer.from('\n') : Buffer.alloc(0),
  ]);
};
const ar = (...m: Buffer[]) => Buffer.concat([Buffer.from('!<arch>\n'), ...m]);
async function* chunks(b: Buffer, n = 7) {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}
const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).code;
  }
  return 'none';
};

describe('readAr', () => {
  it('reads GNU and BSD names, odd sizes and padding, and keeps only selected members', async () => {
    const bsdName = 'a-long-member-name.txt';
    const bsd = Buffer.concat([
      Buffer.from(
        `#1/${bsdName.length}`.padEnd(16) +
          '0'.padEnd(12) +
          '0'.padEnd(6) +
          '0'.padEnd(6) +
          '100644'.padEnd(8) +
          String(bsdName.length + 3).padEnd(10) +
          '`\n',
        'latin1',
      ),
      Buffer.from(bsdName + 'xyz'),
      Buffer.from('\n'),
    ]);
    const r = await readAr(
      chunks(ar(member('debian-binary', '2.0\n'), member('odd/', 'abc'), bsd)),
      { file: 'x.ar', select: (e) => e.name !== 'debian-binary' },
    );
    expect(r.entries.map((e) => [e.name, e.size])).toEqual([
      ['debian-binary', 4],
      ['odd', 3],
      [bsdName, 3],
    ]);
    expect(r.files.get('odd')!.toString()).toBe('abc');
    expect(r.files.get(bsdName)!.toString()).toBe('xyz');
    expect(r.files.has('debian-binary')).toBe(false);
  });
  it('tolerates a missing final pad byte but not missing data', async () => {
    const full = ar(member('a', 'abc'));
    expect(
      (await readAr(chunks(full.subarray(0, full.length - 1)), { file: 'x' })).entries,
    ).toHaveLength(1);
    expect(await code(readAr(chunks(full.subarray(0, full.length - 2)), { file: 'x' }))).toBe(
      'ARCHIVE_TRUNCATED',
    );
    expect(await code(readAr(chunks(full.subarray(0, 30)), { file: 'x' }))).toBe(
      'ARCHIVE_TRUNCATED',
    );
  });
  it('refuses bad magic, bad headers, bombs, traversal and too many members', async () => {
    expect(await code(readAr(chunks(Buffer.from('!<arch>')), { file: 'x' }))).toBe(
      'ARCHIVE_CORRUPT',
    );
    const bad = ar(member('a', 'abc'));
    bad[8 + 58] = 0x41;
    expect(await code(readAr(chunks(bad), { file: 'x' }))).toBe('ARCHIVE_CORRUPT');
    expect(await code(readAr(chunks(ar(member('a', '', 9_999_999_999))), { file: 'x' }))).toBe(
      'ARCHIVE_TOO_LARGE',
    );
    expect(
      await code(
        readAr(chunks(ar(member('a', 'x'.repeat(100)))), {
          file: 'x',
          limits: { maxEntryBytes: 10 },
          select: () => true,
        }),
      ),
    ).toBe('ARCHIVE_ENTRY_TOO_LARGE');
    expect(await code(readAr(chunks(ar(member('../a', 'x'))), { file: 'x' }))).toBe(
      'ARCHIVE_PATH_TRAVERSAL',
    );
    expect(
      await code(
        readAr(chunks(ar(member('a', 'x'), member('b', 'y'))), {
          file: 'x',
          limits: { maxEntries: 1 },
        }),
      ),
    ).toBe('ARCHIVE_TOO_MANY_ENTRIES');
    expect(
      await code(
        readAr(chunks(ar(member('a', 'x'.repeat(100)))), {
          file: 'x',
          limits: { maxTotalBytes: 50 },
        }),
      ),
    ).toBe('ARCHIVE_TOO_LARGE');
  });
});
