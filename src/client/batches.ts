/**
 * inBatches splits `items` into chunks of `size` and runs `fn` on them with at
 * most `concurrency` requests in flight, returning the answers in chunk order.
 * A lockfile's lookups and ledger fetches are independent requests: one at a
 * time, the client waits out every server turn in a row; a few in flight, it
 * checks one answer while the server builds the next. An error rejects the
 * whole (the first error; chunks in flight are left to finish).
 */
export async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  concurrency: number,
  fn: (chunk: T[]) => Promise<R>,
): Promise<R[]> {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  const out: R[] = new Array<R>(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++;
      out[i] = await fn(chunks[i]!);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, chunks.length)) }, worker),
  );
  return out;
}
