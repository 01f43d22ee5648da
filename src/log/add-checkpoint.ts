/**
 * The witness's add-checkpoint decision (c2sp.org/tlog-witness v1.0.0,
 * "add-checkpoint"), pure: request format and parser, and the checks in the
 * spec's order with its status codes. Storage (the atomic check-and-persist)
 * and HTTP live in src/witness.
 *
 * Request body:
 *
 *   old <size>\n
 *   <base64 consistency proof hash>\n   (0 to 63 lines)
 *   \n
 *   <signed checkpoint note>
 *
 * Status codes, in the order the checks run:
 *   400 malformed request (not in the spec's list, but a request that is not one)
 *   404 unknown origin
 *   403 no signature from a trusted key of that origin, or a bad one
 *   400 old size greater than the checkpoint size
 *   409 old size is not the latest cosigned size (body: that size), or the same
 *       size with another root hash (v1.0.0; HEAD of the spec says 422 here)
 *   422 bad consistency proof (also: non-empty proof from 0, wrong empty root)
 *   200 cosign
 */
import { InputError } from '../core/errors.js';
import { type Checkpoint, parseCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { emptyTreeHash, HASH_SIZE, type Hash, hashEqual } from './hash.js';
import { isCanonicalBase64, type NoteVerifier } from './note-key.js';
import { parseNote } from './note.js';
import { checkConsistency } from './proof.js';

/** MAX_PROOF_LINES is the most consistency-proof lines a client may send (tlog-witness). */
export const MAX_PROOF_LINES = 63;
/** MAX_ADD_CHECKPOINT_BYTES bounds a request body (proof + a checkpoint with many signatures). */
export const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024;

/** AddCheckpointRequest is a parsed request body. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Hash[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

/** formatAddCheckpointRequest renders a request body. */
export function formatAddCheckpointRequest(r: AddCheckpointRequest): string {
  return `old ${r.oldSize}\n${r.proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${r.checkpoint}`;
}

const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

/** parseAddCheckpointRequest parses a request body. Throws InputError ADD_CHECKPOINT_MALFORMED (attacker-controlled bytes). */
export function parseAddCheckpointRequest(body: Uint8Array | string): AddCheckpointRequest {
  const bad = (why: string): never => {
    throw new InputError('ADD_CHECKPOINT_MALFORMED', `malformed add-checkpoint request: ${why}`);
  };
  if (body.length > MAX_ADD_CHECKPOINT_BYTES) bad(`over ${MAX_ADD_CHECKPOINT_BYTES} bytes`);
  let s: string;
  try {
    s = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return bad('not UTF-8');
  }
  const nl = s.indexOf('\n');
  if (nl < 0) return bad('no old size line');
  const first = s.slice(0, nl);
  if (!first.startsWith('old ') || !SIZE_RE.test(first.slice(4)))
    return bad('the first line must be "old <size>" in decimal without leading zeros');
  const oldSize = Number(first.slice(4));
  if (!Number.isSafeInteger(oldSize)) return bad('old size too large');
  const proof: Hash[] = [];
  let pos = nl + 1;
  for (;;) {
    const end = s.indexOf('\n', pos);
    if (end < 0) return bad('no empty line before the checkpoint');
    const line = s.slice(pos, end);
    pos = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES)
      return bad(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    if (!isCanonicalBase64(line)) return bad(`proof line ${proof.length + 1} is not base64`);
    const h = new Uint8Array(Buffer.from(line, 'base64'));
    if (h.length !== HASH_SIZE)
      return bad(`proof line ${proof.length + 1} is not a ${HASH_SIZE}-byte hash`);
    proof.push(h);
  }
  const checkpoint = s.slice(pos);
  if (checkpoint === '') return bad('no checkpoint');
  return { oldSize, proof, checkpoint };
}

/** WitnessState is what a witness remembers of one log: its latest cosigned tree. */
export interface WitnessState {
  readonly size: number;
  readonly hash: Hash;
}

/** AddCheckpointOutcome is the decision: accept (and persist `next`) or refuse with a status. */
export type AddCheckpointOutcome =
  | {
      readonly ok: true;
      readonly status: 200;
      readonly checkpoint: Checkpoint;
      readonly next: WitnessState;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 403 | 404 | 409 | 422;
      readonly code: string;
      readonly message: string;
      readonly latestSize?: number;
    };

/**
 * decideAddCheckpoint runs the add-checkpoint checks in the spec's order.
 * `logKeys(origin)` gives the trusted keys of a known log (undefined: unknown
 * origin); `latest` is the witness's state for that origin (undefined: never
 * cosigned, i.e. size 0). Never throws. Persisting `next` atomically with
 * re-checking `latest` is the caller's job (see src/witness/store.ts).
 */
export function decideAddCheckpoint(
  request: AddCheckpointRequest,
  logKeys: (origin: string) => readonly NoteVerifier[] | undefined,
  latest: (origin: string) => WitnessState | undefined,
): AddCheckpointOutcome {
  const refuse = (
    status: 400 | 403 | 404 | 409 | 422,
    code: string,
    message: string,
    latestSize?: number,
  ): AddCheckpointOutcome =>
    latestSize === undefined
      ? { ok: false, status, code, message }
      : { ok: false, status, code, message, latestSize };
  let unverified: Checkpoint;
  try {
    // The body up to the signatures: the origin decides 404 before any signature is looked at.
    unverified = parseCheckpoint(
      request.checkpoint.slice(0, request.checkpoint.lastIndexOf('\n\n') + 1),
    );
  } catch (e) {
    return refuse(400, 'ADD_CHECKPOINT_MALFORMED', `malformed checkpoint: ${(e as Error).message}`);
  }
  const keys = logKeys(unverified.origin);
  if (keys === undefined || keys.length === 0)
    return refuse(404, 'UNKNOWN_LOG', `unknown log ${JSON.stringify(unverified.origin)}`);
  try {
    parseNote(request.checkpoint);
  } catch (e) {
    // A bad signature line is a malformed note (signed-note): 403, as for a signature that does not verify.
    return refuse(
      403,
      'CHECKPOINT_NOT_TRUSTED',
      `invalid signature: the checkpoint note is malformed: ${(e as Error).message}`,
    );
  }
  const v = verifyCheckpoint(request.checkpoint, keys, { origin: unverified.origin });
  if (!v.ok) {
    const why =
      v.check.code === 'NOTE_INVALID_SIGNATURE'
        ? 'invalid signature'
        : 'no signature from a trusted key';
    return refuse(
      403,
      'CHECKPOINT_NOT_TRUSTED',
      `${why} on the checkpoint of ${unverified.origin}: ${v.check.reason}`,
    );
  }
  const cp = v.checkpoint;
  if (request.oldSize > cp.size)
    return refuse(
      400,
      'OLD_SIZE_TOO_LARGE',
      `old size ${request.oldSize} is greater than the checkpoint size ${cp.size}`,
    );
  const prev = latest(cp.origin) ?? { size: 0, hash: emptyTreeHash() };
  // check for rollback and for a racing writer: the client must build on what we cosigned last.
  if (request.oldSize !== prev.size) {
    return refuse(
      409,
      'OLD_SIZE_CONFLICT',
      `old size ${request.oldSize} is not the latest cosigned size ${prev.size}`,
      prev.size,
    );
  }
  if (cp.size === 0 && !hashEqual(cp.hash, emptyTreeHash()))
    return refuse(
      422,
      'BAD_EMPTY_ROOT',
      'a checkpoint of size 0 must have the root hash of the empty tree',
    );
  if (request.oldSize === 0) {
    if (request.proof.length !== 0)
      return refuse(
        422,
        'BAD_CONSISTENCY_PROOF',
        'the consistency proof from size 0 must be empty',
      );
  } else if (request.oldSize === cp.size) {
    // check for a fork: two trees of one size.
    if (!hashEqual(prev.hash, cp.hash)) {
      return refuse(
        409,
        'ROOT_CONFLICT',
        `the checkpoint of size ${cp.size} has another root hash than the one cosigned (log fork)`,
        prev.size,
      );
    }
    if (request.proof.length !== 0)
      return refuse(
        422,
        'BAD_CONSISTENCY_PROOF',
        'the consistency proof between equal sizes must be empty',
      );
  } else {
    const c = checkConsistency(request.proof, prev.size, cp.size, prev.hash, cp.hash);
    if (c.status !== 'pass')
      return refuse(422, 'BAD_CONSISTENCY_PROOF', `invalid consistency proof: ${c.reason}`);
  }
  return { ok: true, status: 200, checkpoint: cp, next: { size: cp.size, hash: cp.hash } };
}
