/**
 * createEntry: the Rekor v2 `POST /api/v2/log/entries` operation without
 * HTTP. Request bytes in, {status, headers, body} out; the fastify handler
 * only writes it (sunlight's addChain / tessera's ErrPushback pattern).
 *
 * 201 + TransparencyLogEntry  new entry (rekor-tiles answers 201)
 * 200 + TransparencyLogEntry  the same entry was already logged: its existing
 *                             index, proved against the current checkpoint
 *                             (rekor-tiles answers 409 instead; Sigil's logs
 *                             deduplicate, see TransparencyLog.append)
 * 400 / 413                   RekorEntryError: code, message, fields, limit
 * 503 + Retry-After           PushbackError: the log's pool is full
 */
import { parseCheckpoint } from '../../../log/checkpoint.js';
import { parseNote } from '../../../log/note.js';
import { parseVerifierKey } from '../../../log/note-key.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  DSSE_API_VERSION,
  DSSE_KIND,
  type DsseEntryJson,
  makeTransparencyLogEntry,
  prepareDsseEntry,
  RekorEntryError,
  rekorLogId,
} from '../../../log/rekor/index.js';
import type { PreparePool } from './prepare-pool.js';
import { PushbackError, type TransparencyLog } from '../../../log/service.js';

/** HttpAnswer is what a handler writes. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface CreateEntryOptions {
  /** Largest request body accepted, in bytes (default 4 MiB, as rekor-tiles). */
  readonly maxBodyBytes?: number;
  /** Admission by the entry's (verified) signers: a refusal is answered as is, nothing is appended. */
  readonly admit?: (
    entry: DsseEntryJson,
  ) => { status: number; code: string; message: string } | undefined;
  /** Worker threads to parse and verify on (the same answers as in-process, off the event loop). */
  readonly pool?: PreparePool;
}

/** RekorErrorBody is the JSON body of a refused request. */
export interface RekorErrorBody {
  readonly code: string;
  readonly message: string;
  readonly fields?: readonly string[];
  readonly limit?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** errorAnswer renders a refused request. */
export function errorAnswer(
  status: number,
  body: RekorErrorBody,
  headers: Record<string, string> = {},
): HttpAnswer {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body };
}

const logIds = new WeakMap<TransparencyLog, Uint8Array>();

function logIdOf(log: TransparencyLog): Uint8Array {
  let id = logIds.get(log);
  if (!id) {
    id = rekorLogId(parseVerifierKey(log.verifierKey));
    logIds.set(log, id);
  }
  return id;
}

/**
 * createEntry validates a CreateEntryRequest (DSSE signatures checked with
 * the given verifiers before admission), appends its canonicalized body to
 * the log and answers the TransparencyLogEntry. Never throws for bad input
 * or pushback; other failures of the log propagate (500).
 */
export async function createEntry(
  log: TransparencyLog,
  body: Uint8Array | string,
  options: CreateEntryOptions = {},
): Promise<HttpAnswer> {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  let prepared;
  try {
    prepared = options.pool
      ? await options.pool.prepare(typeof body === 'string' ? Buffer.from(body) : body, maxBytes)
      : prepareDsseEntry(body, { maxBytes });
  } catch (e) {
    if (e instanceof RekorEntryError) {
      return errorAnswer(e.status, {
        code: e.code,
        message: e.message,
        ...(e.fields.length > 0 ? { fields: e.fields } : {}),
        ...(e.limit !== undefined ? { limit: e.limit } : {}),
      });
    }
    throw e;
  }
  const refused = options.admit?.(prepared.entry);
  if (refused) return errorAnswer(refused.status, { code: refused.code, message: refused.message });
  let added;
  try {
    added = await log.append(prepared.body);
  } catch (e) {
    if (e instanceof PushbackError) {
      return errorAnswer(
        503,
        { code: e.code, message: e.message },
        { 'retry-after': String(Math.max(1, Math.ceil(e.retryAfterSeconds))) },
      );
    }
    throw e;
  }
  const cp = parseCheckpoint(parseNote(added.checkpoint).text);
  const proof = await log.inclusionProof(added.index, cp.size);
  const tle = makeTransparencyLogEntry({
    index: added.index,
    logId: logIdOf(log),
    kind: DSSE_KIND,
    version: DSSE_API_VERSION,
    body: prepared.body,
    treeSize: cp.size,
    rootHash: cp.hash,
    proof,
    checkpoint: added.checkpoint,
  });
  return { status: added.duplicate ? 200 : 201, headers: JSON_HEADERS, body: tle };
}
