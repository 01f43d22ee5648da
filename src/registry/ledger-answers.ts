/**
 * The ledger's read answers (GET /api/v1/ledger/<namespace> and the
 * tree-size-free POST /api/v1/ledger/lookup): a namespace's key history with
 * inclusion proofs against one checkpoint, and many namespaces' governing
 * ledgers as one bounded JSON text. The proven, tree-sized lookup is
 * ledger-proofs.ts.
 */
import type { TransparencyLog } from '../log/service.js';
import { responseTooLarge } from './batch-lookup.js';
import type { LedgerAuthority } from './ledger-authority.js';
import { checkpointSize } from './records.js';

/** ledgerReport is one namespace's keys, history and events, each event with its inclusion proof against the latest checkpoint. */
export async function ledgerReport(
  ledger: LedgerAuthority,
  log: TransparencyLog,
  namespace: string,
): Promise<Record<string, unknown>> {
  const checkpoint = await log.latestCheckpoint();
  const size = checkpointSize(checkpoint);
  const keys = await ledger.keysFor(
    namespace.endsWith('/*') ? namespace : namespace.replace(/@[^/]*$/, ''),
  );
  const events = await ledger.loggedEvents(keys.namespace);
  const proofs = await Promise.all(
    events.map(async (e) => ({
      ...e,
      hashes: (await log.inclusionProof(e.logIndex, size)).map((h) =>
        Buffer.from(h).toString('base64'),
      ),
    })),
  );
  return {
    namespace,
    ledger: keys.namespace,
    keys: keys.keys.map((k) => ({
      keyId: k.keyId,
      algorithm: k.algorithm,
      pem: String(k.key.export({ type: 'spki', format: 'pem' })),
    })),
    resetInHistory: keys.resetInHistory,
    head: ledger.ledger.head(keys.namespace),
    history: ledger.history(keys.namespace).map((h) => ({
      logIndex: h.logIndex,
      status: h.status,
      code: h.code,
      reason: h.reason,
      action: h.action,
      firstUse: h.firstUse,
      reset: h.reset,
      signers: h.signers,
    })),
    events: proofs,
    checkpoint,
  };
}

/**
 * governingLedgersJson answers `{"ledgers": {<namespace>: {ledger, events}}}`
 * as JSON text: each governing ledger's events serialized once however many
 * namespaces (or spellings) share it, the answer bounded by maxResponseBytes
 * (413 RESPONSE_TOO_LARGE), and no namespace string can act as an object key
 * like "__proto__".
 */
export async function governingLedgersJson(
  ledger: LedgerAuthority,
  log: TransparencyLog,
  namespaces: readonly string[],
  maxResponseBytes: number,
): Promise<string> {
  await ledger.refresh(); // replicas: ledgerFor below answers from a ledger that has caught up
  const size = checkpointSize(await log.latestCheckpoint());
  const eventsJson = new Map<string, string>();
  const parts: string[] = [];
  let bytes = 16;
  for (const ns of new Set(namespaces)) {
    const governing = ledger.ledger.ledgerFor(ns, size) ?? ns;
    let events = eventsJson.get(governing);
    if (events === undefined)
      eventsJson.set(governing, (events = JSON.stringify(await ledger.loggedEvents(governing))));
    const item = `${JSON.stringify(ns)}:{"ledger":${JSON.stringify(governing)},"events":${events}}`;
    if ((bytes += item.length + 1) > maxResponseBytes) throw responseTooLarge(maxResponseBytes);
    parts.push(item);
  }
  return `{"ledgers":{${parts.join(',')}}}`;
}
