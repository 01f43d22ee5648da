/**
 * A minimal, bounded reader for the outer tar of a `.gem` file.
 *
 * RubyGems writes gems with `Gem::Package::TarWriter`: POSIX ustar headers,
 * regular files only, names split into `prefix/name` when long. This reader
 * accepts exactly that (plus old-style v7 headers) and nothing clever: no
 * links, no pax or GNU extensions are followed. Every length is bounded, the
 * header checksum is verified, and bad input becomes an {@link InputError},
 * never a RangeError. (POSIX.1-1988 ustar, IEEE Std 1003.1 "pax" §ustar.)
 *
 * It lives here rather than in src/archive because the gem format needs
 * byte-exact member data (signatures are over the raw member bytes) and no
 * extraction; when src/archive/tar.ts lands, this can delegate to it.
 */
import { InputError } from '../../core/errors.js';

/** TarMember is one regular file of a tar archive, with its bytes. */
export interface TarMember {
  readonly name: string;
  readonly data: Uint8Array;
}

/** TarLimits bounds what {@link parseTar} accepts. */
export interface TarLimits {
  /** Maximum number of members. */
  readonly maxMembers: number;
  /** Maximum size of one member, in bytes. */
  readonly maxMemberBytes: number;
}

/** DEFAULT_GEM_TAR_LIMITS: a gem has a handful of members; data.tar.gz may be large. */
export const DEFAULT_GEM_TAR_LIMITS: TarLimits = {
  maxMembers: 64,
  maxMemberBytes: 512 * 1024 * 1024,
};

const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return Buffer.from(nul === -1 ? raw : raw.subarray(0, nul)).toString('utf8');
}

function octal(header: Uint8Array, offset: number, length: number, what: string): number {
  // attacker-controlled: parse strictly so "1e9", "-1" or binary base-256 sizes are refused.
  const text = field(header, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new InputError(
      'TAR_MALFORMED',
      `tar header field ${what} is not an octal number: ${JSON.stringify(text)}`,
    );
  const n = parseInt(text, 8);
  if (!Number.isSafeInteger(n))
    throw new InputError('TAR_MALFORMED', `tar header field ${what} is too large`);
  return n;
}

function checksumOk(header: Uint8Array): boolean {
  const stored = octal(header, 148, 8, 'chksum');
  let unsigned = 0;
  for (let i = 0; i < BLOCK; i++) unsigned += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return stored === unsigned;
}

/**
 * parseTar reads every regular file of an uncompressed tar archive.
 *
 * Throws {@link InputError} with code `TAR_MALFORMED` (bad header, bad
 * checksum, truncated member, unsupported entry type) or `TAR_TOO_LARGE`
 * (a limit was exceeded).
 */
export function parseTar(
  bytes: Uint8Array,
  limits: TarLimits = DEFAULT_GEM_TAR_LIMITS,
): TarMember[] {
  const members: TarMember[] = [];
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > bytes.length) {
      // A tar ends with two zero blocks, but RubyGems' reader (and GNU tar) accept EOF after the last member.
      if (offset === bytes.length && members.length > 0) return members;
      throw new InputError(
        'TAR_MALFORMED',
        members.length === 0
          ? 'not a tar archive (shorter than one header block)'
          : `tar archive truncated at byte ${offset}`,
      );
    }
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) {
      if (members.length === 0) throw new InputError('TAR_MALFORMED', 'tar archive has no members');
      return members;
    }
    if (!checksumOk(header))
      throw new InputError(
        'TAR_MALFORMED',
        `not a tar archive (header checksum mismatch at byte ${offset})`,
      );
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156]!);
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(header, 345, 155) : '';
    const base = field(header, 0, 100);
    const name = prefix === '' ? base : `${prefix}/${base}`;
    if (size > limits.maxMemberBytes)
      throw new InputError(
        'TAR_TOO_LARGE',
        `tar member ${JSON.stringify(name)} is ${size} bytes, over the limit of ${limits.maxMemberBytes}`,
      );
    const start = offset + BLOCK;
    const end = start + size;
    if (end > bytes.length)
      throw new InputError(
        'TAR_MALFORMED',
        `tar member ${JSON.stringify(name)} is truncated (needs ${size} bytes, ${bytes.length - start} left)`,
      );
    if (type === '0' || type === '\0') {
      if (members.length >= limits.maxMembers)
        throw new InputError(
          'TAR_TOO_LARGE',
          `tar archive has more than ${limits.maxMembers} members`,
        );
      members.push({ name, data: bytes.subarray(start, end) });
    } else if (type !== '5') {
      // Links and extension headers could smuggle names past the checks below; gems never contain them.
      throw new InputError(
        'TAR_MALFORMED',
        `tar member ${JSON.stringify(name)} has unsupported type ${JSON.stringify(type)}`,
      );
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
