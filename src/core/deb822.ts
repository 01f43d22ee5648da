/**
 * Debian control data, deb822 (Debian Policy §5.1): paragraphs of
 * `Field: value` lines separated by blank lines; a line starting with a space
 * or tab continues the previous field; `#` lines are comments. The one parser
 * for every Debian text Sigil reads: a .deb's ./control, apt's Release and
 * Packages indexes (src/ecosystems/deb, src/foreign/debian). It lives in core
 * because both of those layers need it and neither may import the other.
 *
 * Strict where a lenient reader would let two readers disagree: a field
 * repeated in one paragraph is an error (which value would apt use?), and
 * field names are Policy's printable ASCII without colon.
 */
import { InputError } from './errors.js';

/** Paragraph maps field names (case as written) to values; a multi-line value keeps its lines joined by "\n". */
export type Paragraph = ReadonlyMap<string, string>;

/** Policy §5.1: US-ASCII from "!" to "~" except ":", not starting with "#" or "-". */
const FIELD_LINE = /^([!"$-,.-9;-~][!-9;-~]*):(.*)$/;

/**
 * parseDeb822 splits text into paragraphs. Values are trimmed; a continuation
 * line loses its first (space or tab) character, as Policy says. Throws
 * InputError `DEB822_SYNTAX` with `field` "line N" for a line that is neither
 * field, continuation nor comment, or a field repeated within a paragraph.
 */
export function parseDeb822(text: string, file = 'control file'): Paragraph[] {
  const out: Paragraph[] = [];
  let cur = new Map<string, string>();
  let seen = new Set<string>();
  let last: string | undefined;
  const refuse = (line: number, why: string) =>
    new InputError('DEB822_SYNTAX', `${file}: line ${line} ${why}`, {
      file,
      field: `line ${line}`,
    });
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (cur.size) out.push(cur);
      cur = new Map();
      seen = new Set();
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) throw refuse(i + 1, 'continues no field');
      cur.set(last, `${cur.get(last)!}\n${line.slice(1)}`);
      continue;
    }
    const m = FIELD_LINE.exec(line);
    if (!m) throw refuse(i + 1, `is not "Field: value": ${JSON.stringify(line.slice(0, 60))}`);
    const name = m[1]!;
    if (seen.has(name.toLowerCase())) throw refuse(i + 1, `repeats the field "${name}"`);
    seen.add(name.toLowerCase());
    cur.set(name, m[2]!.trim());
    last = name;
  }
  if (cur.size) out.push(cur);
  return out;
}

/** field gets a field case-insensitively (field names are case-insensitive, Policy §5.1). */
export function field(p: Paragraph, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of p) if (k.toLowerCase() === wanted) return v;
  return undefined;
}
