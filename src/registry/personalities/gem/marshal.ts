/**
 * A minimal writer of Ruby's Marshal format 4.8 (ruby/doc/marshal.rdoc):
 * enough to write what `gem` reads from a repository — the Gem::Specification
 * of `quick/Marshal.4.8/<name>-<version>.gemspec.rz`. Pure.
 *
 * Values: null (nil), booleans, integers, UTF-8 strings, symbols, arrays,
 * hashes, `user` (class with marshal_dump/marshal_load: type 'U'),
 * `userDump` (class with _dump/_load: type 'u'), `object` (plain ivars: 'o').
 * No object links are written (every value is written in full); Ruby's
 * loader accepts that.
 */

export type RubyValue =
  | null
  | boolean
  | number
  | string
  | RubyValue[]
  | { readonly $symbol: string }
  | { readonly $hash: readonly (readonly [RubyValue, RubyValue])[] }
  | { readonly $user: string; readonly data: RubyValue }
  | { readonly $userDump: string; readonly bytes: Buffer }
  | { readonly $object: string; readonly ivars: readonly (readonly [string, RubyValue])[] };

export const sym = (name: string): RubyValue => ({ $symbol: name });

/** marshalInt writes Marshal's packed integer (-2^30 ≤ n < 2^30 here). */
function marshalInt(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n >= 2 ** 30 || n < -(2 ** 30))
    throw new RangeError('marshal: integer out of range'); // internal invariant
  if (n === 0) return Buffer.from([0]);
  if (n > 0 && n < 123) return Buffer.from([n + 5]);
  if (n < 0 && n > -124) return Buffer.from([(n - 5) & 0xff]);
  const bytes: number[] = [];
  let x = n;
  for (let i = 0; i < 4; i++) {
    bytes.push(x & 0xff);
    x >>= 8;
    if ((n >= 0 && x === 0) || (n < 0 && x === -1)) break;
  }
  return Buffer.from([n >= 0 ? bytes.length : 256 - bytes.length, ...bytes]);
}

function rawBytes(b: Buffer): Buffer {
  return Buffer.concat([marshalInt(b.length), b]);
}

function write(v: RubyValue, out: Buffer[]): void {
  if (v === null) out.push(Buffer.from('0'));
  else if (v === true) out.push(Buffer.from('T'));
  else if (v === false) out.push(Buffer.from('F'));
  else if (typeof v === 'number') out.push(Buffer.from('i'), marshalInt(v));
  else if (typeof v === 'string') {
    // A UTF-8 string: 'I' (has ivars) '"' bytes, one ivar :E => true.
    out.push(
      Buffer.from('I"'),
      rawBytes(Buffer.from(v, 'utf8')),
      marshalInt(1),
      Buffer.from(':'),
      rawBytes(Buffer.from('E')),
      Buffer.from('T'),
    );
  } else if (Array.isArray(v)) {
    out.push(Buffer.from('['), marshalInt(v.length));
    for (const e of v) write(e, out);
  } else if ('$symbol' in v) out.push(Buffer.from(':'), rawBytes(Buffer.from(v.$symbol, 'utf8')));
  else if ('$hash' in v) {
    out.push(Buffer.from('{'), marshalInt(v.$hash.length));
    for (const [k, val] of v.$hash) {
      write(k, out);
      write(val, out);
    }
  } else if ('$user' in v) {
    out.push(Buffer.from('U'));
    write(sym(v.$user), out);
    write(v.data, out);
  } else if ('$userDump' in v) {
    out.push(Buffer.from('u'));
    write(sym(v.$userDump), out);
    out.push(rawBytes(v.bytes));
  } else {
    out.push(Buffer.from('o'));
    write(sym(v.$object), out);
    out.push(marshalInt(v.ivars.length));
    for (const [name, val] of v.ivars) {
      write(sym(name), out);
      write(val, out);
    }
  }
}

/** marshalDump is Ruby's `Marshal.dump(v)`. */
export function marshalDump(v: RubyValue): Buffer {
  const out: Buffer[] = [Buffer.from([4, 8])];
  write(v, out);
  return Buffer.concat(out);
}
