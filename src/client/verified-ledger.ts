/**
 * verifiedLedger: the key ledger of one package as the CLIENT establishes
 * it, from the server's answers for the namespaces the client derived from
 * the purl it asked about (the package and its scope), never from a
 * namespace the server named (issue 11, items 3 and 6; docs/ledger.md,
 * "What a client checks").
 *
 * For each namespace's history, against the checkpoint the client verified:
 *
 *  1. the registry's signed ledger head is for this namespace, this log and
 *     exactly this tree size (src/ledger/head.ts);
 *  2. every event is in that tree: its leaf is a dsse entry whose payload
 *     hash is the event's payload, and the leaf's inclusion proof verifies
 *     (a fabricated event, even self-signed, is not in the log);
 *  3. replayed together in log order, every event applies: the hash chain
 *     holds from the first event to the last (an event withheld in the
 *     middle breaks it), and each is signed as the ledger rules demand;
 *  4. the last event and the count are those the head names (withholding the
 *     newest events — a revoke, a compromise date — is detected).
 *
 * Any failure makes the whole package's ledger unusable: the answer is a
 * failure with a code, never a fallback to pins or first use.
 */
import { createHash } from 'node:crypto';
import { decodeBase64Strict } from '../core/dsse.js';
import type { PublicKey } from '../core/keys.js';
import { checkLedgerHead, type LedgerHeadPredicate } from '../ledger/head.js';
import { parseNamespace, scopeOf } from '../ledger/namespace.js';
import { type Ledger, replayLedger, type LogEntry } from '../ledger/replay.js';
import { recordHash } from '../log/hash.js';
import { checkInclusion } from '../log/proof.js';
import { parseDsseEntryBody } from '../log/rekor/dsse-entry.js';

/** ProvenEntry is one key event as a proven ledger answer carries it (untrusted). */
export interface ProvenEntry extends LogEntry {
  /** The log leaf (canonical dsse v0.0.2 entry), base64. */
  readonly entry?: string;
  /** Inclusion path against the history's tree size, base64 hashes. */
  readonly hashes?: readonly string[];
}

/** LedgerHistory is what the client keeps of one namespace's ledger answer (untrusted until verified). */
export interface LedgerHistory {
  /** Legacy: the ledger the server said governs the namespace. Never used for decisions. */
  readonly ledger?: string;
  /** The tree size the events are proven against. */
  readonly treeSize?: number;
  readonly events: readonly ProvenEntry[];
  /** The registry's signed ledger head (DSSE envelope). */
  readonly head?: unknown;
}

/** The checkpoint the client verified: the only tree the events may be proven in. */
export interface VerifiedTree {
  readonly origin: string;
  readonly size: number;
  readonly hash: Uint8Array;
}

/** LedgerFailureCode: why a package's ledger could not be established. Public API: keep stable. */
export type LedgerFailureCode =
  | 'LEDGER_UNPROVEN'
  | 'LEDGER_HEAD_MISSING'
  | 'LEDGER_HEAD_INVALID'
  | 'LEDGER_HEAD_UNSIGNED'
  | 'LEDGER_HEAD_MISMATCH'
  | 'LEDGER_EVENT_UNPROVEN'
  | 'LEDGER_EVENT_REJECTED'
  | 'LEDGER_EVENTS_WITHHELD';

/** VerifiedLedger is a package's ledger after the checks above: replayed, or a failure. */
export type VerifiedLedger =
  | {
      readonly ok: true;
      readonly ledger: Ledger;
      readonly namespaces: readonly string[];
      readonly since: number | undefined;
    }
  | { readonly ok: false; readonly code: LedgerFailureCode; readonly reason: string };

/** ledgerNamespacesOf lists the namespaces whose ledgers can govern a package: the package itself, then its scope. */
export function ledgerNamespacesOf(packageOrPurl: string): string[] {
  const ns = parseNamespace(packageOrPurl, { lenient: true });
  if (!ns.ok) return [];
  const scope = scopeOf(ns.value);
  return scope === undefined ? [ns.value.id] : [ns.value.id, scope];
}

type Failure = { readonly ok: false; readonly code: LedgerFailureCode; readonly reason: string };
const failure = (code: LedgerFailureCode, reason: string): Failure => ({ ok: false, code, reason });

// A scope's history is checked once, not once per package in the scope.
const checked = new WeakMap<
  LedgerHistory,
  {
    tree: VerifiedTree;
    keys: readonly PublicKey[];
    namespace: string;
    result: ReturnType<typeof checkHistoryNow>;
  }
>();

/** checkHistory runs steps 1 and 2 for one namespace's history (memoised per history, tree and keys). */
function checkHistory(
  namespace: string,
  h: LedgerHistory | null | undefined,
  tree: VerifiedTree,
  registryKeys: readonly PublicKey[],
): ReturnType<typeof checkHistoryNow> {
  if (!h) return checkHistoryNow(namespace, h, tree, registryKeys);
  const m = checked.get(h);
  if (m && m.tree === tree && m.keys === registryKeys && m.namespace === namespace) return m.result;
  const result = checkHistoryNow(namespace, h, tree, registryKeys);
  checked.set(h, { tree, keys: registryKeys, namespace, result });
  return result;
}

function checkHistoryNow(
  namespace: string,
  h: LedgerHistory | null | undefined,
  tree: VerifiedTree,
  registryKeys: readonly PublicKey[],
): { ok: true; head: LedgerHeadPredicate } | Failure {
  if (!h || h.head === undefined)
    return failure(
      'LEDGER_HEAD_MISSING',
      `the server sent no signed ledger head for ${namespace} (tree ${tree.size}), so withheld key events could not be detected`,
    );
  const head = checkLedgerHead(h.head, {
    namespace,
    origin: tree.origin,
    treeSize: tree.size,
    registryKeys,
  });
  if (!head.ok) return failure(head.code, head.reason);
  for (const e of h.events) {
    const where = `key event at log index ${String(e.logIndex)} of ${namespace}`;
    if (
      typeof e.entry !== 'string' ||
      !Array.isArray(e.hashes) ||
      !e.hashes.every((x) => typeof x === 'string')
    )
      return failure(
        'LEDGER_EVENT_UNPROVEN',
        `${where} comes without its log leaf and inclusion proof`,
      );
    let leaf: Buffer;
    let payload: Buffer;
    try {
      leaf = decodeBase64Strict(e.entry, 'entry');
      payload = decodeBase64Strict(
        String((e.envelope as { payload?: unknown } | null)?.payload ?? ''),
        'envelope.payload',
      );
    } catch (err) {
      return failure('LEDGER_EVENT_UNPROVEN', `${where}: ${(err as Error).message}`);
    }
    let payloadHash: Buffer;
    try {
      payloadHash = parseDsseEntryBody(leaf).payloadHash;
    } catch (err) {
      return failure('LEDGER_EVENT_UNPROVEN', `${where}: ${(err as Error).message}`);
    }
    // The leaf must be this event: its payload hash binds namespace, action, keys and chain link.
    if (!payloadHash.equals(createHash('sha256').update(payload).digest()))
      return failure(
        'LEDGER_EVENT_UNPROVEN',
        `${where}: the log leaf is not this event (payload hash differs)`,
      );
    const proof = e.hashes.map((x) => new Uint8Array(Buffer.from(x, 'base64')));
    const c = checkInclusion(proof, e.logIndex, tree.size, recordHash(leaf), tree.hash);
    if (c.status !== 'pass')
      return failure(
        'LEDGER_EVENT_UNPROVEN',
        `${where} is not in the log at checkpoint ${tree.size} (${c.reason}): a fabricated or altered event`,
      );
  }
  return { ok: true, head: head.value };
}

/**
 * verifyPackageLedger establishes the ledger of `packageNamespace` from the
 * histories of the namespaces {@link ledgerNamespacesOf} names. Never throws.
 */
export function verifyPackageLedger(
  packageNamespace: string,
  histories:
    | ReadonlyMap<string, LedgerHistory | null | undefined>
    | Readonly<Record<string, LedgerHistory | null | undefined>>,
  tree: VerifiedTree,
  registryKeys: readonly PublicKey[],
): VerifiedLedger {
  const historyOf = (ns: string) =>
    histories instanceof Map
      ? histories.get(ns)
      : Object.hasOwn(histories, ns)
        ? (histories as Record<string, LedgerHistory | null | undefined>)[ns]
        : undefined;
  const namespaces = ledgerNamespacesOf(packageNamespace);
  if (namespaces.length === 0)
    return failure('LEDGER_UNPROVEN', `${packageNamespace} is not a package namespace`);
  const heads = new Map<string, LedgerHeadPredicate>();
  const all: ProvenEntry[] = [];
  for (const ns of namespaces) {
    const h = historyOf(ns);
    const checked = checkHistory(ns, h, tree, registryKeys);
    if (!checked.ok) return checked;
    heads.set(ns, checked.head);
    all.push(...h!.events);
  }
  const ledger = replayLedger(
    [...all].sort((a, b) => a.logIndex - b.logIndex),
    { registryKeys },
  );
  // The registry logs only events that apply: one that does not (broken chain, bad signature, other namespace) was not the registry's.
  const bad = ledger
    .entries()
    .find(
      (x) =>
        x.status !== 'applied' || x.namespace === undefined || !namespaces.includes(x.namespace),
    );
  if (bad) {
    const why =
      bad.status !== 'applied'
        ? `${bad.code}: ${bad.reason}`
        : `it belongs to ${bad.namespace ?? 'no readable namespace'}`;
    return failure(
      'LEDGER_EVENT_REJECTED',
      `key event at log index ${bad.logIndex} for ${packageNamespace} does not apply (${why})`,
    );
  }
  let since: number | undefined;
  for (const ns of namespaces) {
    const head = heads.get(ns)!;
    const history = ledger.history(ns);
    const last = history[history.length - 1];
    const got = last ? { logIndex: last.logIndex, digest: last.digest } : null;
    if (history.length !== head.events || JSON.stringify(got) !== JSON.stringify(head.head)) {
      const want = head.head
        ? `${head.events} event(s) ending at log index ${head.head.logIndex}`
        : 'no event';
      const have = got
        ? `${history.length} event(s) ending at log index ${got.logIndex}`
        : 'no event';
      return failure(
        'LEDGER_EVENTS_WITHHELD',
        `the registry's signed head of ${ns} at tree ${tree.size} names ${want}, but the events sent replay to ${have}: key events were withheld or added`,
      );
    }
    if (history.length > 0 && (since === undefined || history[0]!.logIndex < since))
      since = history[0]!.logIndex;
  }
  return { ok: true, ledger, namespaces, since };
}
