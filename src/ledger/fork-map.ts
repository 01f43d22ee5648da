/**
 * ForkMap: a Map that reads through to a base map it never writes — the
 * copy-on-write layer under Ledger.fork, so trying an upload's key events
 * costs what the events touch, not a copy of every namespace of the registry.
 * Entries are only ever set (the ledger never deletes); the base must not
 * change while the fork is in use.
 */
export class ForkMap<K, V> extends Map<K, V> {
  constructor(private readonly base: ReadonlyMap<K, V>) {
    super();
  }

  override get(key: K): V | undefined {
    return super.has(key) ? super.get(key) : this.base.get(key);
  }

  override has(key: K): boolean {
    return super.has(key) || this.base.has(key);
  }

  override get size(): number {
    let n = this.base.size;
    for (const k of super.keys()) if (!this.base.has(k)) n++;
    return n;
  }

  override *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) if (!super.has(k)) yield [k, v];
    yield* super.entries();
  }

  override *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  override *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}
