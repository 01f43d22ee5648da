/**
 * Property lists, only as far as Info.plist needs: a top-level dictionary of
 * strings, numbers and booleans (nested values are skipped). Both the XML
 * form and the binary "bplist00" form (Apple's CFBinaryPList format, which
 * Xcode writes into built frameworks) are read, with bounds checks on every
 * offset so a hostile file fails cleanly.
 */
import { xmlLib } from '../support/lazy-libs.js';

export class PlistError extends Error {}

export type PlistScalar = string | number | boolean;

export function parsePlist(bytes: Buffer): Map<string, PlistScalar> {
  if (bytes.subarray(0, 8).toString('latin1') === 'bplist00') return parseBinary(bytes);
  return parseXml(bytes.toString('utf8'));
}

function parseXml(text: string): Map<string, PlistScalar> {
  let doc: unknown;
  try {
    doc = new (xmlLib().XMLParser)({
      ignoreAttributes: true,
      processEntities: false,
      parseTagValue: false,
      preserveOrder: true,
      trimValues: true,
    }).parse(text, true);
  } catch (e) {
    throw new PlistError(`not well-formed XML (${(e as Error).message.split('\n')[0]})`);
  }
  type Node = Record<string, Node[] | string>;
  const children = (n: Node | undefined, tag: string): Node[] | undefined => {
    const v = n?.[tag];
    return Array.isArray(v) ? v : undefined;
  };
  const plist = (doc as Node[]).find((n) => 'plist' in n);
  const dict = children(plist, 'plist')?.find((n) => 'dict' in n);
  const items = children(dict, 'dict');
  if (!items) throw new PlistError('no top-level <dict>');
  const out = new Map<string, PlistScalar>();
  const text1 = (n: Node, tag: string): string => {
    const c = children(n, tag);
    const t = c?.[0]?.['#text'];
    return typeof t === 'string' ? t : '';
  };
  for (let i = 0; i + 1 < items.length; i++) {
    const k = items[i]!;
    if (!('key' in k)) continue;
    const v = items[i + 1]!;
    const key = text1(k, 'key');
    if ('string' in v) out.set(key, text1(v, 'string'));
    else if ('integer' in v || 'real' in v)
      out.set(key, Number(text1(v, 'integer' in v ? 'integer' : 'real')));
    else if ('true' in v) out.set(key, true);
    else if ('false' in v) out.set(key, false);
    i++;
  }
  return out;
}

function parseBinary(b: Buffer): Map<string, PlistScalar> {
  if (b.length < 40) throw new PlistError('binary plist is truncated');
  const t = b.length - 32;
  const offSize = b[t + 6]!;
  const refSize = b[t + 7]!;
  const numObjects = Number(b.readBigUInt64BE(t + 8));
  const top = Number(b.readBigUInt64BE(t + 16));
  const tableOff = Number(b.readBigUInt64BE(t + 24));
  if (
    ![1, 2, 4, 8].includes(offSize) ||
    ![1, 2, 4, 8].includes(refSize) ||
    numObjects > 1_000_000 ||
    top >= numObjects ||
    tableOff + numObjects * offSize > t
  ) {
    throw new PlistError('binary plist trailer is corrupt');
  }
  const uint = (at: number, size: number): number => {
    if (at < 0 || at + size > b.length) throw new PlistError('binary plist offset out of range');
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + b[at + i]!;
    return v;
  };
  const offsetOf = (ref: number): number => {
    if (ref >= numObjects) throw new PlistError('binary plist object reference out of range');
    const o = uint(tableOff + ref * offSize, offSize);
    if (o >= t) throw new PlistError('binary plist object offset out of range');
    return o;
  };
  /** length of a variable-size object and where its data starts. */
  const lengthAt = (o: number): [number, number] => {
    const low = b[o]! & 0x0f;
    if (low !== 0x0f) return [low, o + 1];
    const marker = b[o + 1]!;
    if (marker >> 4 !== 0x1) throw new PlistError('binary plist length marker is corrupt');
    const size = 1 << (marker & 0x0f);
    return [uint(o + 2, size), o + 2 + size];
  };
  const scalar = (ref: number): PlistScalar | undefined => {
    const o = offsetOf(ref);
    const kind = b[o]! >> 4;
    if (b[o] === 0x08) return false;
    if (b[o] === 0x09) return true;
    if (kind === 0x1) return uint(o + 1, 1 << (b[o]! & 0x0f));
    if (kind === 0x5 || kind === 0x6) {
      const [len, start] = lengthAt(o);
      const bytes = kind === 0x5 ? len : len * 2;
      if (start + bytes > t) throw new PlistError('binary plist string runs past the end');
      if (kind === 0x5) return b.subarray(start, start + bytes).toString('latin1');
      return Buffer.from(b.subarray(start, start + bytes))
        .swap16()
        .toString('utf16le');
    }
    return undefined;
  };
  const o = offsetOf(top);
  if (b[o]! >> 4 !== 0xd) throw new PlistError('binary plist top object is not a dictionary');
  const [count, start] = lengthAt(o);
  if (start + count * 2 * refSize > t)
    throw new PlistError('binary plist dictionary runs past the end');
  const out = new Map<string, PlistScalar>();
  for (let i = 0; i < count; i++) {
    const key = scalar(uint(start + i * refSize, refSize));
    const value = scalar(uint(start + (count + i) * refSize, refSize));
    if (typeof key === 'string' && value !== undefined) out.set(key, value);
  }
  return out;
}
