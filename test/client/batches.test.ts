import { describe, expect, it } from 'vitest';
import { inBatches } from '../../src/client/batches.js';

describe('inBatches', () => {
  it('answers in chunk order with at most `concurrency` in flight, whatever order they finish in', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 23 }, (_, i) => i);
    const out = await inBatches(items, 5, 3, async (chunk) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, (5 - chunk[0]! / 5) * 3));
      inFlight--;
      return chunk;
    });
    expect(out).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14],
      [15, 16, 17, 18, 19],
      [20, 21, 22],
    ]);
    expect(most).toBe(3);
  });

  it('rejects with the first error', async () => {
    await expect(
      inBatches([1, 2, 3, 4], 1, 2, async ([x]) => {
        if (x === 3) throw new Error('batch 3 failed');
        return x;
      }),
    ).rejects.toThrow('batch 3 failed');
  });

  it('no items: no calls', async () => {
    let calls = 0;
    expect(await inBatches([], 10, 4, async () => ++calls)).toEqual([]);
    expect(calls).toBe(0);
  });
});
