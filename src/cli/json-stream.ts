/**
 * writeJsonStreamed writes `JSON.stringify(value, null, 2)` followed by a newline,
 * byte for byte, in pieces of about 64 KiB: a report of 10,000 dependencies is
 * never one string of tens of megabytes (and its copy on the way to stdout).
 * Arrays directly under the top-level object are written one element at a time.
 */
const PIECE = 64 * 1024;

export function writeJsonStreamed(out: (text: string) => void, value: unknown): void {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    out(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  let buffer = '';
  const put = (s: string) => {
    buffer += s;
    if (buffer.length >= PIECE) {
      out(buffer);
      buffer = '';
    }
  };
  // Nested values: JSON.stringify's own text, moved right (a JSON string never holds a raw newline).
  const nested = (v: unknown, indent: string) =>
    JSON.stringify(v, null, 2).replaceAll('\n', `\n${indent}`);
  const fields = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  if (fields.length === 0) {
    out('{}\n');
    return;
  }
  put('{');
  fields.forEach(([k, v], i) => {
    put(`${i === 0 ? '' : ','}\n  ${JSON.stringify(k)}: `);
    if (Array.isArray(v) && v.length > 0) {
      put('[');
      v.forEach((item, j) => {
        const text =
          item === undefined || typeof item === 'function' || typeof item === 'symbol'
            ? 'null'
            : nested(item, '    ');
        put(`${j === 0 ? '' : ','}\n    ${text}`);
      });
      put('\n  ]');
    } else put(nested(v, '  '));
  });
  put('\n}\n');
  out(buffer);
}
