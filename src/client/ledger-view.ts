/**
 * A LedgerView over a registry: fetch a namespace's key events
 * (GET /api/v1/ledger/<namespace>) and replay them HERE with the pure ledger
 * (src/ledger), so authorisation is decided by the client from signed
 * events, not taken from the server's word. The server can withhold the
 * newest events (a log monitor catches that; the hash chain catches gaps in
 * the middle), but it cannot invent an event without a key that may sign it.
 */
import type { PublicKey } from '../core/keys.js';
import { replayLedger, type Ledger } from '../ledger/replay.js';
import type { LedgerAuthorisation, LedgerView } from '../verify-project/ledger-view.js';
import { RegistryClient, RegistryRequestError } from './registry-client.js';

interface LedgerResponse {
  readonly ledger: string;
  readonly events: readonly { readonly logIndex: number; readonly envelope: unknown }[];
}

export function httpLedgerView(server: string, registryKeys: readonly PublicKey[]): LedgerView {
  const client = new RegistryClient(server);
  const cache = new Map<string, Promise<Ledger | undefined>>();
  const ledgerOf = (namespace: string): Promise<Ledger | undefined> => {
    let hit = cache.get(namespace);
    if (!hit) {
      hit = (async () => {
        let view: LedgerResponse;
        try {
          view = (await client.ledger(namespace)) as unknown as LedgerResponse;
        } catch (e) {
          if (e instanceof RegistryRequestError && e.status === 404) return undefined; // a server without a key ledger
          throw e;
        }
        if (!Array.isArray(view.events) || view.events.length === 0) return undefined; // no history: pins and first use decide
        return replayLedger([...view.events].sort((a, b) => a.logIndex - b.logIndex), { registryKeys });
      })();
      cache.set(namespace, hit);
    }
    return hit;
  };
  return {
    async authorisedAt(namespace: string, keyId: string, logIndex: number): Promise<LedgerAuthorisation | undefined> {
      const ledger = await ledgerOf(namespace);
      if (!ledger) return undefined;
      const a = ledger.authorisedAt(namespace, keyId, logIndex);
      return { allowed: a.allowed, reason: a.reason, reset: a.reset };
    },
  };
}
