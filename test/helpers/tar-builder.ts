// Builds tar archives byte by byte, including the hostile ones tar tools refuse to make
// (../ names, absolute paths, escaping symlinks), for tests.
import { gzipSync } from 'node:zlib';

export interface TarItem {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  content?: string | Buffer;
  linkname?: string;
}

function header(item: TarItem, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(item.name.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  const flag = { file: '0', dir: '5', symlink: '2', hardlink: '1' }[item.type ?? 'file'];
  h.write(flag, 156);
  if (item.linkname) h.write(item.linkname, 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

export function buildTar(items: TarItem[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    const body =
      item.type === undefined || item.type === 'file'
        ? Buffer.from(item.content ?? '')
        : Buffer.alloc(0);
    parts.push(header(item, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function buildTgz(items: TarItem[]): Buffer {
  return gzipSync(buildTar(items));
}
