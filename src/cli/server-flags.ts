/**
 * Flags that `sigil log serve` and `sigil serve` read the same way: whole
 * numbers with a floor, and the reverse proxies whose X-Forwarded-For is believed.
 */
import { InputError } from '../core/errors.js';
import { TrustedProxies } from '../registry/http-limits.js';

/** intFlag reads a decimal whole number ≥ min (undefined when the flag is absent); anything else is a USAGE error. */
export function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw new InputError('USAGE', `${name} must be an integer ≥ ${min}, not ${JSON.stringify(v)}`);
  return n;
}

/** trustedProxiesFlag reads --trust-proxy: comma-separated IP addresses or CIDR blocks (USAGE error for anything else). */
export function trustedProxiesFlag(v: string | undefined): TrustedProxies | undefined {
  if (v === undefined || v === '') return undefined;
  return new TrustedProxies(
    v
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  );
}
