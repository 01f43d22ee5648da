/**
 * The SSH wire encoding (RFC 4251 §5): uint32, string, mpint. Used by public
 * keys, SSHSIG signatures and the agent protocol. Reads never run past the end:
 * a truncated blob is an InputError naming what was being read.
 */
import { InputError } from '../../core/errors.js';

export class WireReader {
  private offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  uint32(field: string): number {
    if (this.remaining < 4) throw this.truncated(field);
    const v = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, 4).readUInt32BE(
      0,
    );
    this.offset += 4;
    return v;
  }

  byte(field: string): number {
    if (this.remaining < 1) throw this.truncated(field);
    return this.bytes[this.offset++]!;
  }

  raw(n: number, field: string): Buffer {
    if (this.remaining < n) throw this.truncated(field);
    const out = Buffer.from(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  /** string: uint32 length then that many bytes. */
  string(field: string): Buffer {
    const n = this.uint32(field);
    return this.raw(n, field);
  }

  text(field: string): string {
    return this.string(field).toString('utf8');
  }

  /** mpint as unsigned big-endian bytes without leading zeros. */
  mpint(field: string): Buffer {
    const b = this.string(field);
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    return b.subarray(i);
  }

  private truncated(field: string): InputError {
    return new InputError('SSH_WIRE_TRUNCATED', `${this.what}: truncated while reading ${field}`, {
      field,
    });
  }
}

export function wireString(value: Uint8Array | string): Buffer {
  const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length, 0);
  return Buffer.concat([len, b]);
}

export function wireUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** mpint encoding of an unsigned big-endian integer (a 0x00 prefix when the top bit is set). */
export function wireMpint(unsigned: Uint8Array): Buffer {
  let i = 0;
  while (i < unsigned.length && unsigned[i] === 0) i++;
  let b = Buffer.from(unsigned.subarray(i));
  if (b.length > 0 && (b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return wireString(b);
}
