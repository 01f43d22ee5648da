/**
 * ObjectStore: the contract for an S3-compatible object store as the
 * scale-out drivers use it (Sunlight's `Backend`, Tessera's object storage).
 *
 * 1. **Durable on return.** When `put` resolves the object is stored (the
 *    store acknowledged the PUT). Drivers retry transient errors themselves;
 *    an unreachable store rejects with {@link StorageUnavailableError}.
 * 2. **Immutable, content-addressed keys.** Callers write an object once,
 *    under `sha256/<hex of its bytes>` ({@link ContentStore}). Nothing relies
 *    on conditional writes (`If-None-Match`): some S3-compatible servers —
 *    s3rver among them — ignore them; two writers of one key write the same
 *    bytes, so the race is harmless.
 * 3. **Eventual visibility.** A `get` right after another process's `put`
 *    may answer "absent". {@link ContentStore.get} retries with backoff, and
 *    checks the bytes against their name, so a reader never serves a torn,
 *    stale or substituted object.
 * The one mutable key is the published `checkpoint` (for static readers);
 * what is authoritative is PostgreSQL's commit record, never that object.
 */
import { createHash } from 'node:crypto';
import { StorageError } from '../contract.js';
import { StorageUnavailableError } from './unavailable.js';

export interface ObjectStore {
  /** put stores bytes under key; durable on return. */
  put(key: string, data: Uint8Array, contentType?: string): Promise<void>;
  /** get returns the bytes under key, or undefined when absent (or not yet visible). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** delete removes a key (absent is fine). */
  delete(key: string): Promise<void>;
  /** describe names the store in messages ("s3://bucket/prefix at http://…"). */
  readonly description: string;
  close(): Promise<void>;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Visibility retries: 8 tries over about 2.5 s in all. */
const VISIBILITY_DELAYS_MS = [25, 50, 100, 200, 300, 400, 600, 800];

/**
 * ContentStore: content-addressed objects over an {@link ObjectStore}, with
 * a bounded in-process cache (objects never change, so a cached copy is
 * never stale: reads of cached data continue while the store is down).
 */
export class ContentStore {
  private readonly cache = new Map<string, Uint8Array>();
  private cachedBytes = 0;
  /** PUTs issued and GETs that reached the store (bench and capacity figures). */
  readonly counters = { puts: 0, putBytes: 0, gets: 0, cacheHits: 0 };

  constructor(
    readonly objects: ObjectStore,
    private readonly maxCacheBytes = 64 << 20,
  ) {}

  static keyOf(sha256: string): string {
    return `sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  /** put stores bytes under their sha256 and returns it; durable on return. Writing the same bytes twice is harmless. */
  async put(data: Uint8Array): Promise<string> {
    const hex = sha256Hex(data);
    this.counters.puts++;
    this.counters.putBytes += data.length;
    await this.objects.put(ContentStore.keyOf(hex), data);
    this.remember(hex, data);
    return hex;
  }

  /**
   * get returns the bytes named by `sha256`. The caller knows the object exists
   * (PostgreSQL says so), so "absent" is eventual visibility: retried with
   * backoff before it becomes an error. Bytes that do not hash to their name
   * are refused (a torn or substituted object is never served).
   */
  async get(sha256: string): Promise<Uint8Array> {
    const data = await this.find(sha256);
    if (data === undefined)
      throw new StorageUnavailableError(
        `object ${ContentStore.keyOf(sha256)} (recorded in PostgreSQL) in ${this.objects.description}`,
      );
    return data;
  }

  /** find is {@link ContentStore.get} for an object that may not exist: undefined once the retries are spent. */
  async find(sha256: string): Promise<Uint8Array | undefined> {
    const hit = this.cache.get(sha256);
    if (hit) {
      this.counters.cacheHits++;
      // Move to the back: the map's order is the LRU order.
      this.cache.delete(sha256);
      this.cache.set(sha256, hit);
      return hit;
    }
    for (let attempt = 0; ; attempt++) {
      this.counters.gets++;
      const data = await this.objects.get(ContentStore.keyOf(sha256));
      if (data !== undefined) {
        if (sha256Hex(data) !== sha256)
          throw new StorageError(
            `object ${ContentStore.keyOf(sha256)} in ${this.objects.description} does not hash to its name`,
            {
              hint: 'the object store returned other bytes than were stored; check the bucket for tampering or corruption',
            },
          );
        this.remember(sha256, data);
        return data;
      }
      const delay = VISIBILITY_DELAYS_MS[attempt];
      if (delay === undefined) return undefined;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private remember(hex: string, data: Uint8Array): void {
    if (data.length > this.maxCacheBytes / 16) return;
    if (this.cache.has(hex)) return;
    this.cache.set(hex, data);
    this.cachedBytes += data.length;
    for (const [k, v] of this.cache) {
      if (this.cachedBytes <= this.maxCacheBytes) break;
      this.cache.delete(k);
      this.cachedBytes -= v.length;
    }
  }
}
