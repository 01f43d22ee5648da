// The streamed JSON report is byte for byte JSON.stringify(value, null, 2) + "\n", in pieces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeJsonStreamed } from '../../src/cli/json-stream.js';

const streamed = (v: unknown) => {
  const pieces: string[] = [];
  writeJsonStreamed((s) => void pieces.push(s), v);
  return pieces;
};

describe('writeJsonStreamed', () => {
  it('equals JSON.stringify(v, null, 2) for any JSON value, objects of arrays included', () => {
    const report = fc.dictionary(
      fc.string(),
      fc.oneof(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.jsonValue(), fc.constant(undefined)),
    );
    fc.assert(
      fc.property(fc.oneof(report, fc.jsonValue()), (v) => {
        expect(streamed(v).join('')).toBe(`${JSON.stringify(v, null, 2)}\n`);
      }),
      { numRuns: 500 },
    );
  });

  it('undefined array items become null and undefined fields are left out, as JSON.stringify does', () => {
    const v = { a: [1, undefined, 'x'], b: undefined, c: {}, d: [], e: new Date(0) };
    expect(streamed(v).join('')).toBe(`${JSON.stringify(v, null, 2)}\n`);
  });

  it('writes a large report in pieces of about 64 KiB, never as one string', () => {
    const v = {
      ok: true,
      dependencies: Array.from({ length: 5000 }, (_, i) => ({
        purl: `pkg:npm/p-${i}@1.0.0`,
        checks: [{ code: 'AUTHOR_SIGNATURE_VALID', reason: 'x'.repeat(80) }],
      })),
    };
    const pieces = streamed(v);
    expect(pieces.join('')).toBe(`${JSON.stringify(v, null, 2)}\n`);
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(80 * 1024);
  });
});
