/**
 * Ledger heads: the registry's signed statement of where a namespace's key
 * ledger stands in one tree of its log (docs/ledger.md, "Ledger heads").
 *
 * A client replays the key events a server sends; without more, the server
 * (or anyone between) could withhold the newest events — a revoke, a
 * compromise date — and an old key would still pass. The head statement
 * closes that: the registry signs, for each namespace asked about and for
 * the tree size the client verified, the log index and digest of the
 * namespace's last event and how many events it has (one statement per
 * lookup, naming every namespace asked). The client checks that
 * the events it was given (each proven in that tree) replay, unbroken, to
 * exactly that head. Publish statements carry the same head at publish time
 * (`ledgerHead` in the publish predicate), so the log itself holds the heads
 * a monitor can compare against a replay of the whole log.
 *
 * Format: a DSSE envelope (`application/vnd.in-toto+json`) over an in-toto
 * Statement v1 whose subject is `<origin>@<treeSize>` and whose predicate is
 * {@link LedgerHeadsPredicate}, signed by a registry key.
 *
 * Pure: no I/O; the caller hands in keys and sizes.
 */
import { createHash } from 'node:crypto';
import { type DsseEnvelope, signEnvelope, verifyEnvelope } from '../core/dsse.js';
import type { PrivateKey, PublicKey } from '../core/keys.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE } from '../core/statement.js';

/** LEDGER_HEAD_PREDICATE_TYPE names the predicate of a ledger-head statement. */
export const LEDGER_HEAD_PREDICATE_TYPE = 'https://sigil.dev/ledger-head/v1';

/** LedgerHead is a namespace's last event: its log index and eventDigest (null: the namespace has no event). */
export type LedgerHead = { readonly logIndex: number; readonly digest: string } | null;

/** LedgerHeadEntry is one namespace's state in a head statement: its number of events and its last one. */
export interface LedgerHeadEntry {
  readonly events: number;
  readonly head: LedgerHead;
}

/**
 * LedgerHeadsPredicate: "in the tree of size `treeSize` of log `origin`, each
 * namespace in `heads` has `events` events ending at `head`". One statement
 * answers a whole lookup (one signature for thousands of namespaces).
 */
export interface LedgerHeadsPredicate {
  readonly origin: string;
  readonly treeSize: number;
  readonly heads: Readonly<Record<string, LedgerHeadEntry>>;
}

/** LedgerHeadPredicate is what a client learns of one namespace from a verified statement. */
export interface LedgerHeadPredicate extends LedgerHeadEntry {
  readonly namespace: string;
  readonly origin: string;
  readonly treeSize: number;
}

/** buildLedgerHeads signs a ledger-heads statement with the registry key. */
export function buildLedgerHeads(p: LedgerHeadsPredicate, key: PrivateKey): DsseEnvelope {
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      {
        name: `${p.origin}@${p.treeSize}`,
        digest: {
          sha256: createHash('sha256').update(`${p.origin}\n${p.treeSize}\n`, 'utf8').digest('hex'),
        },
      },
    ],
    predicateType: LEDGER_HEAD_PREDICATE_TYPE,
    predicate: { origin: p.origin, treeSize: p.treeSize, heads: p.heads },
  };
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), key);
}

/** LedgerHeadCode: why a head statement was refused. Public API: keep stable. */
export type LedgerHeadCode =
  'LEDGER_HEAD_MISSING' | 'LEDGER_HEAD_INVALID' | 'LEDGER_HEAD_UNSIGNED' | 'LEDGER_HEAD_MISMATCH';

export type LedgerHeadResult =
  | { readonly ok: true; readonly value: LedgerHeadPredicate }
  | { readonly ok: false; readonly code: LedgerHeadCode; readonly reason: string };

type Parsed =
  | { readonly ok: true; readonly value: LedgerHeadsPredicate }
  | { readonly ok: false; readonly code: LedgerHeadCode; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// One statement covers a whole lookup: its signature is checked once per object and key set.
const parsedStatements = new WeakMap<object, { keys: readonly PublicKey[]; parsed: Parsed }>();

function parseHeads(envelope: Record<string, unknown>, registryKeys: readonly PublicKey[]): Parsed {
  const memo = parsedStatements.get(envelope);
  if (memo && memo.keys === registryKeys) return memo.parsed;
  const parsed = parseHeadsNow(envelope, registryKeys);
  parsedStatements.set(envelope, { keys: registryKeys, parsed });
  return parsed;
}

function parseHeadsNow(
  envelope: Record<string, unknown>,
  registryKeys: readonly PublicKey[],
): Parsed {
  const bad = (code: LedgerHeadCode, reason: string): Parsed => ({ ok: false, code, reason });
  if (
    typeof envelope['payload'] !== 'string' ||
    typeof envelope['payloadType'] !== 'string' ||
    !Array.isArray(envelope['signatures'])
  )
    return bad('LEDGER_HEAD_INVALID', 'the ledger head statement is not a DSSE envelope');
  let verified: number;
  let payload: Buffer;
  try {
    const r = verifyEnvelope(envelope as unknown as DsseEnvelope, registryKeys);
    verified = r.verified.length;
    payload = r.payload;
  } catch (e) {
    return bad(
      'LEDGER_HEAD_INVALID',
      `the ledger head statement is unreadable: ${(e as Error).message}`,
    );
  }
  if (verified === 0)
    return bad(
      'LEDGER_HEAD_UNSIGNED',
      "the ledger head statement is not signed by the registry's key",
    );
  let st: unknown;
  try {
    st = JSON.parse(payload.toString('utf8'));
  } catch {
    return bad('LEDGER_HEAD_INVALID', 'the ledger head statement is not JSON');
  }
  if (
    !isObject(st) ||
    st['_type'] !== IN_TOTO_STATEMENT_TYPE ||
    st['predicateType'] !== LEDGER_HEAD_PREDICATE_TYPE ||
    !isObject(st['predicate'])
  ) {
    return bad(
      'LEDGER_HEAD_INVALID',
      `the ledger head statement is not an in-toto statement with predicate ${LEDGER_HEAD_PREDICATE_TYPE}`,
    );
  }
  const p = st['predicate'];
  if (
    typeof p['origin'] !== 'string' ||
    !Number.isSafeInteger(p['treeSize']) ||
    !isObject(p['heads'])
  )
    return bad('LEDGER_HEAD_INVALID', 'the ledger head statement lacks origin, treeSize or heads');
  return { ok: true, value: p as unknown as LedgerHeadsPredicate };
}

/**
 * checkLedgerHead verifies a head statement (attacker-controlled) and reads
 * one namespace out of it, against what the client expects: signed by one of
 * `registryKeys`, for exactly the log `origin` and tree size the client
 * verified (an older statement replayed by a man in the middle names an
 * older tree), naming `namespace`. Never throws.
 */
export function checkLedgerHead(
  envelope: unknown,
  expect: {
    namespace: string;
    origin: string;
    treeSize: number;
    registryKeys: readonly PublicKey[];
  },
): LedgerHeadResult {
  const bad = (code: LedgerHeadCode, reason: string): LedgerHeadResult => ({
    ok: false,
    code,
    reason,
  });
  if (envelope === undefined || envelope === null)
    return bad(
      'LEDGER_HEAD_MISSING',
      `the server sent no signed ledger head for ${expect.namespace}, so withheld key events could not be detected`,
    );
  if (!isObject(envelope))
    return bad(
      'LEDGER_HEAD_INVALID',
      `the ledger head of ${expect.namespace} is not a DSSE envelope`,
    );
  const parsed = parseHeads(envelope, expect.registryKeys);
  if (!parsed.ok) return bad(parsed.code, `${expect.namespace}: ${parsed.reason}`);
  const p = parsed.value;
  // Check for substitution: a genuine statement of another log or tree must not pass.
  if (p.origin !== expect.origin)
    return bad(
      'LEDGER_HEAD_MISMATCH',
      `the ledger head of ${expect.namespace} is for log ${p.origin}, not ${expect.origin}`,
    );
  if (p.treeSize !== expect.treeSize) {
    return bad(
      'LEDGER_HEAD_MISMATCH',
      `the ledger head of ${expect.namespace} is for tree size ${p.treeSize}, not the verified checkpoint's ${expect.treeSize} (a stale or replayed answer)`,
    );
  }
  const e = Object.hasOwn(p.heads, expect.namespace) ? p.heads[expect.namespace] : undefined;
  if (e === undefined)
    return bad(
      'LEDGER_HEAD_MISMATCH',
      `the registry's signed ledger heads do not name ${expect.namespace} (an answer for other namespaces)`,
    );
  const head = (e as { head?: unknown }).head;
  const headOk =
    head === null ||
    (isObject(head) &&
      Number.isSafeInteger(head['logIndex']) &&
      typeof head['digest'] === 'string' &&
      /^[0-9a-f]{64}$/.test(head['digest']));
  if (!isObject(e) || !Number.isSafeInteger(e['events']) || !headOk)
    return bad(
      'LEDGER_HEAD_INVALID',
      `the ledger head of ${expect.namespace} lacks events or head`,
    );
  return {
    ok: true,
    value: {
      namespace: expect.namespace,
      origin: p.origin,
      treeSize: p.treeSize,
      events: e['events'] as number,
      head: head as LedgerHead,
    },
  };
}
