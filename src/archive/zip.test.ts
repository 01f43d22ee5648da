import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from './limits.js';
import { readZip } from './zip.js';

// A minimal zip writer (stored or deflated entries), so tests can make hostile zips.
function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

interface ZipItem {
  name: string;
  content?: Buffer | string;
  symlink?: boolean;
  declaredSize?: number;
}

export function buildZip(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const it of items) {
    const data = Buffer.from(it.content ?? '');
    const comp = deflateRawSync(data);
    const name = Buffer.from(it.name);
    const size = it.declaredSize ?? data.length;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(crc32(data), 14);
    lh.writeUInt32LE(comp.length, 18);
    lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(name.length, 26);
    locals.push(lh, name, comp);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x031e, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(crc32(data), 16);
    ch.writeUInt32LE(comp.length, 20);
    ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(((it.symlink ? 0o120777 : 0o100644) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name);
    offset += lh.length + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const read = (zip: Buffer, limits = {}) =>
  readZip(zip, { file: 'x.zip', limits, select: () => true });

describe('readZip', () => {
  it('reads entries', async () => {
    const r = await read(
      buildZip([
        { name: 'm@v1.0.0/go.mod', content: 'module m\n' },
        { name: 'm@v1.0.0/a.go', content: 'package m' },
      ]),
    );
    expect(r.entries.map((e) => e.path)).toEqual(['m@v1.0.0/go.mod', 'm@v1.0.0/a.go']);
    expect(r.files.get('m@v1.0.0/go.mod')!.toString()).toBe('module m\n');
  });

  it('refuses ../ names and escaping symlinks', async () => {
    await expect(read(buildZip([{ name: '../evil', content: 'x' }]))).rejects.toMatchObject({
      code: 'ARCHIVE_PATH_TRAVERSAL',
    });
    await expect(
      read(buildZip([{ name: 'a/link', content: '../../etc/passwd', symlink: true }])),
    ).rejects.toMatchObject({ code: 'ARCHIVE_LINK_ESCAPE' });
  });

  it('stops a zip bomb by declared size, and catches lies about size', async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    await expect(
      read(buildZip([{ name: 'z', content: zeros }]), { maxTotalBytes: 1024 * 1024 }),
    ).rejects.toMatchObject({ code: 'ARCHIVE_TOO_LARGE' });
    // declares 10 bytes but inflates to 8 MiB: yauzl's size validation stops it
    await expect(
      read(buildZip([{ name: 'z', content: zeros, declaredSize: 10 }])),
    ).rejects.toBeInstanceOf(ArchiveError);
  });

  it('limits entry count and reports truncation', async () => {
    const many = buildZip(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
    await expect(read(many, { maxEntries: 10 })).rejects.toMatchObject({
      code: 'ARCHIVE_TOO_MANY_ENTRIES',
    });
    await expect(read(many.subarray(0, many.length - 30))).rejects.toBeInstanceOf(ArchiveError);
    await expect(read(Buffer.from('not a zip'))).rejects.toBeInstanceOf(ArchiveError);
  });
});
