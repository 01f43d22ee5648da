/**
 * The checksum lines of apt's Release files (SHA256 / Checksums-Sha256
 * fields). The deb822 syntax itself is parsed by src/core/deb822.ts, the one
 * parser for every Debian text Sigil reads.
 */
import { InputError } from '../../core/errors.js';
export { parseDeb822, field, type Paragraph } from '../../core/deb822.js';

/** ChecksumLine is one "<hex> <size> <path>" line of a Checksums-Sha256 / SHA256 field. */
export interface ChecksumLine {
  readonly sha256: string;
  readonly size: number;
  readonly path: string;
}

/** checksumLines parses the lines of a SHA256 / Checksums-Sha256 field. Malformed lines throw InputError `DEB822_CHECKSUM`. */
export function checksumLines(value: string | undefined, file: string): ChecksumLine[] {
  if (!value) return [];
  return value
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^([0-9a-fA-F]{64})\s+(\d+)\s+(\S+)$/.exec(l);
      if (!m)
        throw new InputError(
          'DEB822_CHECKSUM',
          `${file}: bad SHA256 line ${JSON.stringify(l.slice(0, 120))}`,
          { file },
        );
      return { sha256: m[1]!.toLowerCase(), size: Number(m[2]), path: m[3]! };
    });
}
