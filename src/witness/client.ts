/**
 * The client side of c2sp.org/tlog-witness: what a log (and a gossiping
 * client or monitor) sends to a witness.
 *
 *   postAddCheckpoint   POST <url>/add-checkpoint, bounded by a timeout
 *   fetchWitnessCheckpoint  GET <url>/<hex sha256(origin)>/checkpoint
 *
 * Witness answers are attacker-controlled input: sizes are parsed strictly,
 * bodies are capped, and cosignatures are kept only when they verify with
 * the witness key the caller trusts.
 */
import { createHash } from 'node:crypto';
import { SigilError } from '../core/errors.js';
import { type AddCheckpointRequest, formatAddCheckpointRequest } from '../log/add-checkpoint.js';
import {
  addCosignatures,
  parseCosignatureLines,
  verifiedCosignatures,
} from '../log/cosignature.js';
import type { NoteVerifier } from '../log/note-key.js';
import type { NoteSignature } from '../log/note.js';

/** MAX_WITNESS_RESPONSE_BYTES caps what is read from a witness. */
export const MAX_WITNESS_RESPONSE_BYTES = 64 * 1024;

/** WitnessEndpoint is a witness a client talks to: its policy name, key and submission URL. */
export interface WitnessEndpoint {
  readonly name: string;
  readonly verifier: NoteVerifier;
  readonly url: string;
}

/** WitnessCallError: transport failure, timeout or a refusal; `status` is the HTTP status when there was one. */
export class WitnessCallError extends SigilError {
  constructor(
    code: 'WITNESS_UNREACHABLE' | 'WITNESS_REFUSED' | 'WITNESS_CONFLICT' | 'WITNESS_BAD_RESPONSE',
    message: string,
    readonly status?: number,
    readonly latestSize?: number,
  ) {
    super(code, message);
  }
}

async function readCapped(res: Response): Promise<string> {
  const buf = new Uint8Array(await res.arrayBuffer());
  if (buf.length > MAX_WITNESS_RESPONSE_BYTES)
    throw new WitnessCallError(
      'WITNESS_BAD_RESPONSE',
      `witness response over ${MAX_WITNESS_RESPONSE_BYTES} bytes`,
      res.status,
    );
  return Buffer.from(buf).toString('utf8');
}

function join(url: string, path: string): string {
  return `${url.replace(/\/+$/, '')}/${path}`;
}

/**
 * postAddCheckpoint submits a checkpoint and returns the witness's signature
 * lines that verify with `w.verifier` (others are dropped). Throws
 * WitnessCallError: WITNESS_CONFLICT with `latestSize` for a 409,
 * WITNESS_REFUSED with the status for 400/403/404/422, WITNESS_UNREACHABLE
 * for transport errors and timeouts, WITNESS_BAD_RESPONSE for a 200 without
 * a valid cosignature.
 */
export async function postAddCheckpoint(
  w: WitnessEndpoint,
  request: AddCheckpointRequest,
  options: { timeoutMs?: number } = {},
): Promise<NoteSignature[]> {
  let res: Response;
  try {
    res = await fetch(join(w.url, 'add-checkpoint'), {
      method: 'POST',
      body: formatAddCheckpointRequest(request),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 1000),
    });
  } catch (e) {
    throw new WitnessCallError(
      'WITNESS_UNREACHABLE',
      `witness ${w.name} at ${w.url}: ${(e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message}`,
    );
  }
  let body: string;
  try {
    body = await readCapped(res);
  } catch (e) {
    if (e instanceof WitnessCallError) throw e;
    throw new WitnessCallError(
      'WITNESS_UNREACHABLE',
      `witness ${w.name}: ${(e as Error).message}`,
      res.status,
    );
  }
  if (res.status === 409) {
    const m = /^(0|[1-9][0-9]{0,15})\n$/.exec(body);
    if (!m)
      throw new WitnessCallError(
        'WITNESS_BAD_RESPONSE',
        `witness ${w.name} answered 409 without a tree size`,
        409,
      );
    return Promise.reject(
      new WitnessCallError(
        'WITNESS_CONFLICT',
        `witness ${w.name} has cosigned size ${m[1]}`,
        409,
        Number(m[1]),
      ),
    );
  }
  if (res.status !== 200)
    throw new WitnessCallError(
      'WITNESS_REFUSED',
      `witness ${w.name} refused the checkpoint (${res.status}): ${body.trim().slice(0, 200)}`,
      res.status,
    );
  let lines: NoteSignature[];
  try {
    lines = parseCosignatureLines(body);
  } catch (e) {
    throw new WitnessCallError(
      'WITNESS_BAD_RESPONSE',
      `witness ${w.name}: ${(e as Error).message}`,
      200,
    );
  }
  const mine = lines.filter((s) => s.name === w.verifier.name && s.keyId === w.verifier.keyId);
  const check = verifiedCosignatures(addCosignatures(request.checkpoint, mine), [w.verifier]);
  if (check.valid.length === 0 || check.invalid.length > 0)
    throw new WitnessCallError(
      'WITNESS_BAD_RESPONSE',
      `witness ${w.name} returned no valid cosignature`,
      200,
    );
  return mine;
}

/** fetchWitnessCheckpoint reads a witness's latest cosigned checkpoint of `origin`; undefined on 404. Throws WitnessCallError. */
export async function fetchWitnessCheckpoint(
  url: string,
  origin: string,
  options: { timeoutMs?: number } = {},
): Promise<string | undefined> {
  const hash = createHash('sha256').update(origin, 'utf8').digest('hex');
  let res: Response;
  try {
    res = await fetch(join(url, `${hash}/checkpoint`), {
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (e) {
    throw new WitnessCallError('WITNESS_UNREACHABLE', `witness at ${url}: ${(e as Error).message}`);
  }
  const body = await readCapped(res);
  if (res.status === 404) return undefined;
  if (res.status !== 200)
    throw new WitnessCallError(
      'WITNESS_REFUSED',
      `witness at ${url} answered ${res.status}`,
      res.status,
    );
  return body;
}
