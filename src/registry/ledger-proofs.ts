/**
 * Proven ledger answers: a namespace's own key events as logged, each with
 * its log leaf and an inclusion proof against the tree of the size the
 * client asks for, plus ONE registry-signed statement of every asked
 * namespace's head in that tree (src/ledger/head.ts). The client replays the events itself and checks
 * that they are in the log, chained from the first to the head, and that
 * none was withheld (docs/ledger.md, "Ledger heads").
 *
 * Only events logged below `treeSize` are served: the answer describes
 * exactly the tree the client verified, not the registry's newer state.
 */
import type { DsseEnvelope } from '../core/dsse.js';
import type { PrivateKey } from '../core/keys.js';
import { parseNamespace } from '../ledger/namespace.js';
import { buildLedgerHeads, type LedgerHeadEntry } from '../ledger/head.js';
import { eventDigest } from '../ledger/event.js';
import { decodeBase64Strict } from '../core/dsse.js';
import type { TransparencyLog } from '../log/service.js';
import type { LedgerAuthority } from './ledger-authority.js';
import { RegistryError } from './errors.js';
import { checkpointSize } from './records.js';

/** ProvenEvent is one logged key event with its leaf (base64 canonical dsse entry) and inclusion path (base64 hashes). */
export interface ProvenEvent {
  readonly logIndex: number;
  readonly envelope: DsseEnvelope;
  readonly entry: string;
  readonly hashes: readonly string[];
}

/** ProvenLedger is one namespace's answer: its own events (not its scope's); the lookup's signed heads statement covers it. */
export interface ProvenLedger {
  readonly namespace: string;
  readonly treeSize: number;
  readonly events: readonly ProvenEvent[];
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

/**
 * provenLedgers answers many namespaces for one tree size. Throws
 * RegistryError 400 for a tree size the log does not have (yet).
 */
export async function provenLedgers(
  ledger: LedgerAuthority,
  log: TransparencyLog,
  registryKey: PrivateKey,
  namespaces: readonly string[],
  treeSize: number,
): Promise<{ ledgers: Record<string, ProvenLedger | { error: string }>; heads: DsseEnvelope }> {
  const size = checkpointSize(await log.latestCheckpoint());
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > size) {
    throw new RegistryError(
      400,
      'TREE_SIZE_INVALID',
      `treeSize must be an integer from 1 to the log's size ${size} (got ${String(treeSize)})`,
      'ask for the size of a checkpoint this log served',
    );
  }
  const out: Record<string, ProvenLedger | { error: string }> = {};
  const heads: Record<string, LedgerHeadEntry> = {};
  for (const asked of new Set(namespaces)) {
    const ns = parseNamespace(asked, { lenient: true });
    if (!ns.ok) {
      out[asked] = { error: ns.reason };
      continue;
    }
    const rows = (await ledger.loggedRows(ns.value.id)).filter((r) => r.logIndex < treeSize);
    const events = await Promise.all(
      rows.map(async (r) => ({
        logIndex: r.logIndex,
        envelope: r.envelope,
        entry: b64(r.entry),
        hashes: (await log.inclusionProof(r.logIndex, treeSize)).map(b64),
      })),
    );
    const last = rows[rows.length - 1];
    const head = last
      ? {
          logIndex: last.logIndex,
          digest: eventDigest(decodeBase64Strict(last.envelope.payload, 'envelope.payload')),
        }
      : null;
    out[asked] = { namespace: ns.value.id, treeSize, events };
    heads[ns.value.id] = { events: rows.length, head };
  }
  return {
    ledgers: out,
    heads: buildLedgerHeads({ origin: log.origin, treeSize, heads }, registryKey),
  };
}
