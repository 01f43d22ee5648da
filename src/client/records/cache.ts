/**
 * The offline cache: everything `sigil verify --offline` needs, fetched
 * beforehand by `sigil fetch-records` — keys.json, the release records with
 * their proofs and checkpoint, and the consistency proofs that link the
 * checkpoints. One JSON file, `<project>/.sigil/cache/records.json`:
 *
 *   { "version": 1, "server": "<url>", "fetchedAt": "<ISO time>",
 *     "keys": <keys.json>, "checkpoint": "<signed note>",
 *     "records": { "<purl>": <record> | null },
 *     "proofs": { "<size1>:<size2>": ["<base64 hash>", …] },
 *     "ledgers": { "<namespace>": {"treeSize": n, "head": <signed ledger head>,
 *                                  "events": [{logIndex, envelope, entry, hashes}, …]} | null },
 *     "ledgerHeads": [<signed heads statement>, …] }   (a history's "head" is {"$ref": i} into it)
 *
 * `ledgers` holds the proven key history of every dependency's package and
 * scope (the server's /api/v1/ledger/lookup answers for the cached
 * checkpoint), so --offline verifies and replays the ledger and checks key
 * authorisation exactly as online. A cache written before it existed has
 * none: --offline then authorises keys by pins and policy only, and says so.
 *
 * The cache is not trusted: every record, checkpoint and proof in it is
 * verified exactly as if it had come from the server. Reading it opens no
 * socket.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../io/durable-file.js';
import { dirname, join } from 'node:path';
import { historyOf, type LedgerHistories } from '../ledger-view.js';
import {
  parseLookupResponse,
  parseServerKeys,
  type RecordLookup,
  type RecordSource,
  RecordSourceError,
  type ServerKeys,
  type AnswerRecord,
} from './source.js';

export const CACHE_VERSION = 1;

export interface RecordCache {
  readonly version: 1;
  readonly server: string;
  readonly fetchedAt: string;
  readonly keys: ServerKeys;
  readonly checkpoint: string;
  readonly records: Record<string, AnswerRecord>;
  readonly proofs: Record<string, string[]>;
  /** Key histories by namespace (absent in caches written before ledgers were cached). */
  readonly ledgers?: LedgerHistories;
}

/** cachePath is `<project dir>/.sigil/cache/records.json`. */
export function cachePath(projectDir: string): string {
  return join(projectDir, '.sigil', 'cache', 'records.json');
}

/** readRecordCache reads and shape-checks a cache file; OFFLINE_CACHE_EMPTY when there is none. */
export async function readRecordCache(path: string): Promise<RecordCache> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RecordSourceError(
        'OFFLINE_CACHE_EMPTY',
        `--offline: there is no offline cache at ${path}`,
        {
          hint: 'fill it while online: `sigil fetch-records <lockfile> --server URL`',
        },
      );
    }
    throw e;
  }
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new RecordSourceError('RECORDS_RESPONSE_INVALID', `${path} is not JSON`, {
      hint: 'delete it and run `sigil fetch-records` again',
    });
  }
  if (v['version'] !== CACHE_VERSION)
    throw new RecordSourceError(
      'RECORDS_RESPONSE_INVALID',
      `${path}: version ${JSON.stringify(v['version'])} is not a cache version sigil reads (${CACHE_VERSION})`,
      { hint: 'run `sigil fetch-records` again' },
    );
  const lookup = parseLookupResponse({ checkpoint: v['checkpoint'], records: v['records'] }, path);
  const keys = parseServerKeys(v['keys'], `${path}: keys`);
  const proofs =
    typeof v['proofs'] === 'object' && v['proofs'] !== null
      ? (v['proofs'] as Record<string, string[]>)
      : {};
  // Ledger events are untrusted like everything here: replay judges each one.
  let ledgers: LedgerHistories | undefined;
  if (typeof v['ledgers'] === 'object' && v['ledgers'] !== null && !Array.isArray(v['ledgers'])) {
    ledgers = {};
    const heads = Array.isArray(v['ledgerHeads']) ? (v['ledgerHeads'] as unknown[]) : [];
    for (const [ns, h] of Object.entries(v['ledgers'] as Record<string, unknown>)) {
      if (h === null) ledgers[ns] = null;
      else if (typeof h === 'object' && Array.isArray((h as { events?: unknown }).events)) {
        const ref = (h as { head?: { $ref?: unknown } }).head?.$ref;
        ledgers[ns] = historyOf(
          Number.isSafeInteger(ref) ? { ...h, head: heads[ref as number] ?? null } : h,
          ns,
        );
      } // anything else is left out: asking for it is then OFFLINE_CACHE_MISS
    }
  }
  return {
    version: 1,
    server: typeof v['server'] === 'string' ? v['server'] : '(unknown)',
    fetchedAt: typeof v['fetchedAt'] === 'string' ? v['fetchedAt'] : '(unknown)',
    keys,
    checkpoint: lookup.checkpoint,
    records: { ...lookup.records },
    proofs,
    ...(ledgers ? { ledgers } : {}),
  };
}

/** writeRecordCache writes the cache atomically (temp file + rename). */
export async function writeRecordCache(path: string, cache: RecordCache): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // One signed heads statement covers a thousand namespaces: store it once and refer to it.
  let out: unknown = cache;
  if (cache.ledgers) {
    const heads: unknown[] = [];
    const index = new Map<unknown, number>();
    const ledgers: Record<string, unknown> = {};
    for (const [ns, h] of Object.entries(cache.ledgers)) {
      if (!h || h.head === undefined) {
        ledgers[ns] = h;
        continue;
      }
      let i = index.get(h.head);
      if (i === undefined) index.set(h.head, (i = heads.push(h.head) - 1));
      ledgers[ns] = { ...h, head: { $ref: i } };
    }
    out = { ...cache, ledgers, ledgerHeads: heads };
  }
  await writeFileAtomic(path, `${JSON.stringify(out)}\n`);
}

/** cachedRecordSource answers only from a cache; anything missing is OFFLINE_CACHE_MISS. */
export function cachedRecordSource(cache: RecordCache, path: string): RecordSource {
  const refetch = 'run `sigil fetch-records <lockfile> --server URL` again while online';
  return {
    name: `offline cache ${path} (from ${cache.server}, fetched ${cache.fetchedAt})`,
    snapshot: true,
    async keys() {
      return cache.keys;
    },
    async lookup(purls): Promise<RecordLookup> {
      const missing = purls.filter((p) => !(p in cache.records));
      if (missing.length > 0) {
        throw new RecordSourceError(
          'OFFLINE_CACHE_MISS',
          `the offline cache has no answer for ${missing.length} package(s) of the lockfile, e.g. ${missing.slice(0, 3).join(', ')}`,
          { hint: `the lockfile changed since the cache was filled: ${refetch}` },
        );
      }
      const records: Record<string, AnswerRecord> = {};
      for (const p of purls) records[p] = cache.records[p] ?? null;
      return { checkpoint: cache.checkpoint, records };
    },
    async consistencyProof(size1, size2) {
      const proof = cache.proofs[`${size1}:${size2}`];
      if (!proof) {
        throw new RecordSourceError(
          'OFFLINE_CACHE_MISS',
          `the offline cache has no consistency proof from tree size ${size1} to ${size2}`,
          {
            hint: `this machine saw a checkpoint the cache cannot be linked to: ${refetch}`,
          },
        );
      }
      return proof;
    },
  };
}

/** recordingSource wraps a source and keeps every consistency proof it hands out (to store them in the cache). */
export function recordingSource(
  inner: RecordSource,
): RecordSource & { readonly proofs: Record<string, string[]> } {
  const proofs: Record<string, string[]> = {};
  return {
    name: inner.name,
    proofs,
    keys: () => inner.keys(),
    lookup: (purls) => inner.lookup(purls),
    async consistencyProof(size1, size2) {
      const p = await inner.consistencyProof(size1, size2);
      proofs[`${size1}:${size2}`] = p;
      return p;
    },
  };
}
