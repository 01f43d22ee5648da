/**
 * IndexCache: an upstream's index documents (project pages, index files, info files), reused
 * for `ttlMs` — a client asks for the index and then for the file, and that is one upstream
 * fetch for both — and fetched once at a time per key (concurrent askers share the promise).
 * A failed fetch is forgotten at once, so the next asker tries again. At most `max` entries.
 */
export class IndexCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  get(key: string, fetch: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = fetch();
    this.entries.set(key, { at: this.now(), value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    if (this.entries.size > this.max)
      this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
