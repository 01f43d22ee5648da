/**
 * Debian control-file syntax (deb822, Debian Policy §5.1): paragraphs of
 * `Field: value` lines, continuation lines start with a space or tab.
 */
import { InputError } from '../../core/errors.js';

/** Paragraph maps field names (case as written) to values; multi-line values keep their lines joined by "\n". */
export type Paragraph = ReadonlyMap<string, string>;

/** parseDeb822 splits text into paragraphs. Throws InputError `DEB822_SYNTAX` on a line that is neither field nor continuation. */
export function parseDeb822(text: string, file = 'control file'): Paragraph[] {
  const out: Paragraph[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (cur.size) out.push(cur);
      cur = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (/^[ \t]/.test(line)) {
      if (last === undefined)
        throw new InputError('DEB822_SYNTAX', `${file}: line ${i + 1} continues no field`, {
          file,
        });
      cur.set(last, `${cur.get(last)}\n${line.trim()}`);
      continue;
    }
    const m = /^([^\s:]+):[ \t]*(.*)$/.exec(line);
    if (!m)
      throw new InputError('DEB822_SYNTAX', `${file}: line ${i + 1} is not "Field: value"`, {
        file,
      });
    last = m[1]!;
    cur.set(last, m[2]!);
  }
  if (cur.size) out.push(cur);
  return out;
}

/** field gets a field case-insensitively (field names are case-insensitive, Policy §5.1). */
export function field(p: Paragraph, name: string): string | undefined {
  for (const [k, v] of p) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

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
