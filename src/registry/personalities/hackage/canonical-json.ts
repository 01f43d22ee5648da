/**
 * Canonical JSON as hackage-security writes and checks it (its Text.JSON.Canonical):
 * object keys sorted by their UTF-16 code units, no insignificant whitespace,
 * integers only, strings escaping only `"` and `\`.
 */
export type CanonicalValue =
  string | number | boolean | null | CanonicalValue[] | { [k: string]: CanonicalValue };

export function canonicalJson(v: CanonicalValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`canonical JSON has integers only, not ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(v[k]!)}`).join(',')}}`;
}
