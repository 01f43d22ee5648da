// The numeric and --trust-proxy flags that `sigil log serve` and `sigil serve` share (src/cli/server-flags.ts).
import { describe, expect, it } from 'vitest';
import { intFlag, trustedProxiesFlag } from '../src/cli/server-flags.js';

const usage = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('no error');
};

describe('intFlag', () => {
  it('reads decimal whole numbers at or above the floor; absent stays undefined', () => {
    expect(intFlag('--rate-limit', undefined, 1)).toBeUndefined();
    expect(intFlag('--rate-limit', '1', 1)).toBe(1);
    expect(intFlag('--batch-interval', '0', 0)).toBe(0);
    expect(intFlag('--max-upload-bytes', '1048576', 1)).toBe(1048576);
  });
  it.each(['0', '-1', '1.5', '1e6', ' 5', '0x10', '', '99999999999999999999'])(
    'refuses %j with a USAGE error naming the flag',
    (v) => {
      const e = usage(() => intFlag('--max-upload-bytes', v, 1));
      expect(e.code).toBe('USAGE');
      expect(e.message).toBe(`--max-upload-bytes must be an integer ≥ 1, not ${JSON.stringify(v)}`);
    },
  );
});

describe('trustedProxiesFlag', () => {
  it('splits and trims addresses and CIDR blocks; absent or empty is no proxy', () => {
    expect(trustedProxiesFlag(undefined)).toBeUndefined();
    expect(trustedProxiesFlag('')).toBeUndefined();
    expect(trustedProxiesFlag(' 10.0.0.5 , 192.168.0.0/16,,::1 ')!.entries).toEqual([
      '10.0.0.5',
      '192.168.0.0/16',
      '::1',
    ]);
  });
  it('refuses what is not an address or block', () => {
    const e = usage(() => trustedProxiesFlag('10.0.0.5,example.org'));
    expect(e.code).toBe('USAGE');
    expect(e.message).toContain('"example.org" is not an IP address or CIDR block');
  });
});
