/**
 * LedgerViews over a registry's key ledger: fetch each namespace's key events
 * (GET /api/v1/ledger/<namespace>) and replay them HERE with the pure ledger
 * (src/ledger), so authorisation is decided by the client from signed
 * events, not taken from the server's word. The server can withhold the
 * newest events (a log monitor catches that; the hash chain catches gaps in
 * the middle), but it cannot invent an event without a key that may sign it.
 *
 * The fetched histories ({@link LedgerHistories}) are plain JSON: `sigil
 * fetch-records` keeps them in the offline cache, and `--offline` replays
 * them with {@link historyLedgerView} exactly as online.
 */
import { inBatches } from './batches.js';
import type { PublicKey } from '../core/keys.js';
import { replayLedger, type Ledger, type LogEntry } from '../ledger/replay.js';
import type { LedgerAuthorisation, LedgerView } from '../verify-project/ledger-view.js';
import { RecordSourceError } from './records/source.js';
import { RegistryClient, RegistryRequestError } from './registry-client.js';

/** LedgerHistory is what the client keeps of one namespace's ledger response: its events (untrusted until replayed). */
export interface LedgerHistory {
  /** The ledger the server says governs the namespace (a package, or a scope `…/*`). */
  readonly ledger?: string;
  readonly events: readonly LogEntry[];
}

/** LedgerHistories by namespace as asked; null: the server keeps no ledger for it (404), pins and the policy decide. */
export type LedgerHistories = Record<string, LedgerHistory | null>;

/** A LedgerView whose histories can be fetched ahead, in parallel, and read back (to cache them). */
export interface FetchingLedgerView extends LedgerView {
  prepare(namespaces: readonly string[]): Promise<void>;
  histories(): Promise<LedgerHistories>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** historyOf keeps the parts of a ledger response replay needs (attacker-controlled: malformed events are judged by replay). */
function historyOf(v: unknown, namespace: string): LedgerHistory {
  if (!isObject(v) || !Array.isArray(v['events'])) throw new RecordSourceError('RECORDS_RESPONSE_INVALID', `the ledger of ${namespace} is not a ledger response ({events: [...]})`);
  const events = (v['events'] as unknown[])
    .filter((e): e is Record<string, unknown> => isObject(e) && Number.isSafeInteger(e['logIndex']))
    .map((e) => ({ logIndex: e['logIndex'] as number, envelope: e['envelope'] }));
  return { ...(typeof v['ledger'] === 'string' ? { ledger: v['ledger'] } : {}), events };
}

/**
 * fetchLedgerHistories fetches the ledgers of `namespaces`, `concurrency` at a
 * time (the requests are independent; one at a time, a 10,000-package project
 * would pay 10,000 round trips in a row).
 */
export async function fetchLedgerHistories(server: string, namespaces: readonly string[], options: { concurrency?: number } = {}): Promise<LedgerHistories> {
  const client = new RegistryClient(server);
  const todo = [...new Set(namespaces)];
  const out: LedgerHistories = {};
  // One request per 1,000 namespaces where the server has the batch endpoint; one per namespace otherwise.
  if (todo.length > 1) {
    try {
      const answers = await inBatches(todo, 1000, 4, async (chunk) => ({ chunk, ledgers: (await client.ledgers(chunk)).ledgers }));
      for (const { chunk, ledgers } of answers) for (const ns of chunk) out[ns] = ledgers[ns] === undefined ? null : historyOf(ledgers[ns], ns);
      return out;
    } catch (e) {
      if (!(e instanceof RegistryRequestError && (e.status === 404 || e.status === 405))) throw e;
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const ns = todo[next++]!;
      try {
        out[ns] = historyOf(await client.ledger(ns), ns);
      } catch (e) {
        if (e instanceof RegistryRequestError && e.status === 404) out[ns] = null; // a server without a key ledger
        else throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, todo.length) }, worker));
  return out;
}

/**
 * historyLedgerView replays histories on demand (each namespace once).
 * `missing` is called for a namespace the histories do not hold: online it
 * fetches, offline it throws OFFLINE_CACHE_MISS.
 */
export function historyLedgerView(histories: LedgerHistories, registryKeys: readonly PublicKey[], missing: (namespace: string) => Promise<LedgerHistory | null>): LedgerView {
  const replayed = new Map<string, Ledger | undefined>();
  const ledgerOf = (namespace: string, h: LedgerHistory | null): Ledger | undefined => {
    if (replayed.has(namespace)) return replayed.get(namespace);
    // No history: pins and first use decide.
    const l = h && h.events.length > 0 ? replayLedger([...h.events].sort((a, b) => a.logIndex - b.logIndex), { registryKeys }) : undefined;
    replayed.set(namespace, l);
    return l;
  };
  const answer = (ledger: Ledger | undefined, namespace: string, keyId: string, logIndex: number): LedgerAuthorisation | undefined => {
    if (!ledger) return undefined;
    const a = ledger.authorisedAt(namespace, keyId, logIndex);
    return { allowed: a.allowed, reason: a.reason, reset: a.reset };
  };
  return {
    authorisedAt(namespace, keyId, logIndex) {
      // Synchronous when the history is at hand (the common case after prepare): no promise per dependency.
      if (namespace in histories) return answer(ledgerOf(namespace, histories[namespace]!), namespace, keyId, logIndex);
      return missing(namespace).then((h) => {
        histories[namespace] = h;
        return answer(ledgerOf(namespace, h), namespace, keyId, logIndex);
      });
    },
  };
}

/** httpLedgerView is a LedgerView over a registry: histories fetched ahead by `prepare`, or one by one when asked. */
export function httpLedgerView(server: string, registryKeys: readonly PublicKey[], options: { concurrency?: number } = {}): FetchingLedgerView {
  const histories: LedgerHistories = {};
  const view = historyLedgerView(histories, registryKeys, async (ns) => (await fetchLedgerHistories(server, [ns]))[ns] ?? null);
  return {
    authorisedAt: view.authorisedAt,
    async prepare(namespaces) {
      Object.assign(histories, await fetchLedgerHistories(server, namespaces.filter((n) => !(n in histories)), options));
    },
    async histories() {
      return histories;
    },
  };
}

/** cachedLedgerView replays the histories of the offline cache; a namespace it lacks is OFFLINE_CACHE_MISS. */
export function cachedLedgerView(histories: LedgerHistories, registryKeys: readonly PublicKey[]): LedgerView {
  return historyLedgerView({ ...histories }, registryKeys, async (ns) => {
    throw new RecordSourceError('OFFLINE_CACHE_MISS', `the offline cache has no key ledger for ${ns}`, { hint: 'run `sigil fetch-records <lockfile> --server URL` again while online' });
  });
}
