/**
 * PACKAGES.rds: the PACKAGES fields as R's character matrix (one row per package, one
 * column per field, NA where a package lacks a field) in R's serialization format
 * (version 2, XDR big-endian), gzip-compressed as tools::write_PACKAGES writes it.
 * R's available.packages() reads it first. Only what that matrix needs is written:
 * a STRSXP with `dim` and `dimnames` (NULL row names, field names).
 */
import { gzipSync } from 'node:zlib';

const STRSXP = 16;
const INTSXP = 13;
const VECSXP = 19;
const LISTSXP = 2;
const SYMSXP = 1;
const CHARSXP = 9;
const NILVALUE = 254;
const HAS_ATTR = 1 << 9;
const HAS_TAG = 1 << 10;
const UTF8 = 1 << 3;
const ASCII = 1 << 6;

class Out {
  readonly parts: Buffer[] = [];
  int(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
  }
  chars(s: string | null): void {
    if (s === null) {
      this.int(CHARSXP);
      this.int(-1);
      return;
    }
    const bytes = Buffer.from(s, 'utf8');
    // eslint-disable-next-line no-control-regex
    this.int(CHARSXP | ((/^[\x00-\x7f]*$/.test(s) ? ASCII : UTF8) << 12));
    this.int(bytes.length);
    this.parts.push(bytes);
  }
  strings(values: readonly (string | null)[], flags = 0): void {
    this.int(STRSXP | flags);
    this.int(values.length);
    for (const v of values) this.chars(v);
  }
  symbol(name: string): void {
    this.int(SYMSXP);
    this.chars(name);
  }
}

/** packagesRds serializes rows of fields (in `columns` order) as R's PACKAGES matrix. */
export function packagesRds(
  columns: readonly string[],
  rows: readonly ReadonlyMap<string, string>[],
): Buffer {
  const o = new Out();
  o.parts.push(Buffer.from('X\n', 'latin1'));
  o.int(2); // format version
  o.int((4 << 16) | (2 << 8) | 2); // written as by R 4.2.2
  o.int((2 << 16) | (3 << 8) | 0); // readable by R >= 2.3.0
  const cells: (string | null)[] = [];
  for (const c of columns) for (const r of rows) cells.push(r.get(c) ?? null); // column-major
  o.strings(cells, HAS_ATTR);
  // attributes: pairlist dim = c(nrow, ncol), dimnames = list(NULL, columns)
  o.int(LISTSXP | HAS_TAG);
  o.symbol('dim');
  o.int(INTSXP);
  o.int(2);
  o.int(rows.length);
  o.int(columns.length);
  o.int(LISTSXP | HAS_TAG);
  o.symbol('dimnames');
  o.int(VECSXP);
  o.int(2);
  o.int(NILVALUE);
  o.strings(columns);
  o.int(NILVALUE);
  return gzipSync(Buffer.concat(o.parts));
}
