/**
 * canonicalJson serializes a JSON value per RFC 8785 (JSON Canonicalization
 * Scheme), the form rekor-tiles gives an entry before it becomes a leaf
 * (`jsoncanonicalizer.Transform(protojson.Marshal(entry))`).
 *
 * Only the values Rekor entries contain are supported: strings, booleans,
 * null, safe integers, arrays and plain objects. Object members are sorted by
 * their UTF-16 code units (RFC 8785 §3.2.3); strings use ECMAScript
 * JSON.stringify escaping, which is what RFC 8785 §3.2.2.2 prescribes.
 * Throws InputError JSON_NOT_CANONICALIZABLE for anything else.
 */
import { InputError } from '../../core/errors.js';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    // Non-integers would need the ES number serialization of RFC 8785 §3.2.2.3; entries have none.
    if (!Number.isSafeInteger(value))
      throw new InputError('JSON_NOT_CANONICALIZABLE', `cannot canonicalize the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    // Default sort compares UTF-16 code units, as RFC 8785 requires.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new InputError(
    'JSON_NOT_CANONICALIZABLE',
    `cannot canonicalize a value of type ${typeof value}`,
  );
}
