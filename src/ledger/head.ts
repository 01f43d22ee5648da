/**
 * Ledger heads: the registry's signed statement of where a namespace's key
 * ledger stands in one tree of its log (docs/ledger.md, "Ledger heads").
 *
 * A client replays the key events a server sends; without more, the server
 * (or anyone between) could withhold the newest events — a revoke, a
 * compromise date — and an old key would still pass. The head statement
 * closes that: the registry signs, for each namespace asked about and for
 * the tree size the client verified, the log index and digest of the
 * namespace's last event and how many events it has. The client checks that
 * the events it was given (each proven in that tree) replay, unbroken, to
 * exactly that head. Publish statements carry the same head at publish time
 * (`ledgerHead` in the publish predicate), so the log itself holds the heads
 * a monitor can compare against a replay of the whole log.
 *
 * Format: a DSSE envelope (`application/vnd.in-toto+json`) over an in-toto
 * Statement v1 whose subject is the namespace and whose predicate is
 * {@link LedgerHeadPredicate}, signed by a registry key.
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

/** LedgerHeadPredicate: "in the tree of size `treeSize` of log `origin`, `namespace` has `events` events ending at `head`". */
export interface LedgerHeadPredicate {
  readonly namespace: string;
  readonly origin: string;
  readonly treeSize: number;
  readonly events: number;
  readonly head: LedgerHead;
}

/** buildLedgerHead signs a ledger-head statement with the registry key. */
export function buildLedgerHead(p: LedgerHeadPredicate, key: PrivateKey): DsseEnvelope {
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: p.namespace, digest: { sha256: createHash('sha256').update(p.namespace, 'utf8').digest('hex') } }],
    predicateType: LEDGER_HEAD_PREDICATE_TYPE,
    predicate: { namespace: p.namespace, origin: p.origin, treeSize: p.treeSize, events: p.events, head: p.head },
  };
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), key);
}

/** LedgerHeadCode: why a head statement was refused. Public API: keep stable. */
export type LedgerHeadCode = 'LEDGER_HEAD_MISSING' | 'LEDGER_HEAD_INVALID' | 'LEDGER_HEAD_UNSIGNED' | 'LEDGER_HEAD_MISMATCH';

export type LedgerHeadResult = { readonly ok: true; readonly value: LedgerHeadPredicate } | { readonly ok: false; readonly code: LedgerHeadCode; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * checkLedgerHead verifies a head statement (attacker-controlled) against
 * what the client expects: signed by one of `registryKeys`, about exactly
 * `namespace`, for exactly the log `origin` and tree size the client
 * verified (an older statement replayed by a man in the middle names an
 * older tree). Never throws.
 */
export function checkLedgerHead(envelope: unknown, expect: { namespace: string; origin: string; treeSize: number; registryKeys: readonly PublicKey[] }): LedgerHeadResult {
  const bad = (code: LedgerHeadCode, reason: string): LedgerHeadResult => ({ ok: false, code, reason });
  if (envelope === undefined || envelope === null) return bad('LEDGER_HEAD_MISSING', `the server sent no signed ledger head for ${expect.namespace}, so withheld key events could not be detected`);
  if (!isObject(envelope) || typeof envelope['payload'] !== 'string' || typeof envelope['payloadType'] !== 'string' || !Array.isArray(envelope['signatures'])) {
    return bad('LEDGER_HEAD_INVALID', `the ledger head of ${expect.namespace} is not a DSSE envelope`);
  }
  let verified: number;
  let payload: Buffer;
  try {
    const r = verifyEnvelope(envelope as unknown as DsseEnvelope, expect.registryKeys);
    verified = r.verified.length;
    payload = r.payload;
  } catch (e) {
    return bad('LEDGER_HEAD_INVALID', `the ledger head of ${expect.namespace} is unreadable: ${(e as Error).message}`);
  }
  if (verified === 0) return bad('LEDGER_HEAD_UNSIGNED', `the ledger head of ${expect.namespace} is not signed by the registry's key`);
  let st: unknown;
  try {
    st = JSON.parse(payload.toString('utf8'));
  } catch {
    return bad('LEDGER_HEAD_INVALID', `the ledger head of ${expect.namespace} is not JSON`);
  }
  if (!isObject(st) || st['_type'] !== IN_TOTO_STATEMENT_TYPE || st['predicateType'] !== LEDGER_HEAD_PREDICATE_TYPE || !isObject(st['predicate'])) {
    return bad('LEDGER_HEAD_INVALID', `the ledger head of ${expect.namespace} is not an in-toto statement with predicate ${LEDGER_HEAD_PREDICATE_TYPE}`);
  }
  const p = st['predicate'];
  const head = p['head'];
  const headOk = head === null || (isObject(head) && Number.isSafeInteger(head['logIndex']) && typeof head['digest'] === 'string' && /^[0-9a-f]{64}$/.test(head['digest']));
  if (typeof p['namespace'] !== 'string' || typeof p['origin'] !== 'string' || !Number.isSafeInteger(p['treeSize']) || !Number.isSafeInteger(p['events']) || !headOk) {
    return bad('LEDGER_HEAD_INVALID', `the ledger head of ${expect.namespace} lacks namespace, origin, treeSize, events or head`);
  }
  const value = p as unknown as LedgerHeadPredicate;
  // Check for substitution: a genuine head of another namespace, log or tree must not pass.
  if (value.namespace !== expect.namespace) return bad('LEDGER_HEAD_MISMATCH', `the ledger head is for ${value.namespace}, not ${expect.namespace}`);
  if (value.origin !== expect.origin) return bad('LEDGER_HEAD_MISMATCH', `the ledger head of ${expect.namespace} is for log ${value.origin}, not ${expect.origin}`);
  if (value.treeSize !== expect.treeSize) {
    return bad('LEDGER_HEAD_MISMATCH', `the ledger head of ${expect.namespace} is for tree size ${value.treeSize}, not the verified checkpoint's ${expect.treeSize} (a stale or replayed answer)`);
  }
  return { ok: true, value };
}
