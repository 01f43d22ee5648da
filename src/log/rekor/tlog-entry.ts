/**
 * TransparencyLogEntry (sigstore/protobuf-specs rekor/v1 sigstore_rekor.proto),
 * in protobuf JSON, as a Rekor v2 log answers CreateEntry and as Sigstore
 * bundles carry it in `verificationMaterial.tlogEntries`:
 *
 *   {"logIndex": "<int64>", "logId": {"keyId": b64(32-byte log id)},
 *    "kindVersion": {"kind": "dsse", "version": "0.0.2"},
 *    "inclusionProof": {"logIndex": "<int64>", "rootHash": b64, "treeSize": "<int64>",
 *                       "hashes": [b64, …], "checkpoint": {"envelope": "<signed note>"}},
 *    "canonicalizedBody": b64(leaf bytes)}
 *
 * Rekor v2 has no `integratedTime` (proto3 omits the zero) and no
 * `inclusionPromise`. `rootHash` is written as the 32 raw root bytes (the
 * proto's meaning, and what v1 bundles carry); rekor-tiles writes the bytes of
 * the lowercase hex string instead (pkg/tessera buildProof), so parsing
 * accepts both. int64 fields are decimal strings (protobuf JSON); parsing also
 * accepts JSON numbers, but only canonical ones.
 */
import { InputError } from '../../core/errors.js';
import { HASH_SIZE, type Hash } from '../hash.js';

/** TransparencyLogEntryJson is the protobuf JSON of a Rekor v2 TransparencyLogEntry. */
export interface TransparencyLogEntryJson {
  readonly logIndex: string;
  readonly logId: { readonly keyId: string };
  readonly kindVersion: { readonly kind: string; readonly version: string };
  readonly inclusionProof: {
    readonly logIndex: string;
    readonly rootHash: string;
    readonly treeSize: string;
    readonly hashes: readonly string[];
    readonly checkpoint: { readonly envelope: string };
  };
  readonly canonicalizedBody: string;
}

/** TlogEntryInput is what {@link makeTransparencyLogEntry} needs. */
export interface TlogEntryInput {
  readonly index: number;
  readonly logId: Uint8Array;
  readonly kind: string;
  readonly version: string;
  readonly body: Uint8Array;
  readonly treeSize: number;
  readonly rootHash: Hash;
  readonly proof: readonly Hash[];
  /** The signed checkpoint (note text) for treeSize. */
  readonly checkpoint: string;
}

const b64 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** makeTransparencyLogEntry builds the TransparencyLogEntry JSON for an entry and its inclusion proof. */
export function makeTransparencyLogEntry(e: TlogEntryInput): TransparencyLogEntryJson {
  return {
    logIndex: String(e.index),
    logId: { keyId: b64(e.logId) },
    kindVersion: { kind: e.kind, version: e.version },
    inclusionProof: {
      logIndex: String(e.index),
      rootHash: b64(e.rootHash),
      treeSize: String(e.treeSize),
      hashes: e.proof.map(b64),
      checkpoint: { envelope: e.checkpoint },
    },
    canonicalizedBody: b64(e.body),
  };
}

/** ParsedTlogEntry is a shape-checked TransparencyLogEntry with its bytes decoded (nothing verified yet). */
export interface ParsedTlogEntry {
  readonly logIndex: number;
  readonly logId: Uint8Array;
  readonly kind: string;
  readonly version: string;
  readonly proof: {
    readonly logIndex: number;
    readonly treeSize: number;
    /** 32 bytes, whichever form the entry used. */
    readonly rootHash: Hash;
    readonly hashes: readonly Hash[];
    readonly checkpoint: string;
  };
  readonly body: Uint8Array;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const STD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_PROOF_HASHES = 64;

/**
 * parseTransparencyLogEntry shape-checks a TransparencyLogEntry (attacker
 * controlled: it comes from a bundle) and decodes it. Throws InputError
 * TLOG_ENTRY_MALFORMED naming the field; never anything else.
 */
export function parseTransparencyLogEntry(json: unknown, field = 'tlogEntry'): ParsedTlogEntry {
  const bad = (f: string, why: string): never => {
    throw new InputError('TLOG_ENTRY_MALFORMED', `${field}.${f} ${why}`, {
      field: `${field}.${f}`,
    });
  };
  const int = (v: unknown, f: string): number => {
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || !/^(?:0|[1-9][0-9]{0,15})$/.test(s))
      return bad(f, 'must be a non-negative decimal integer without leading zeros');
    const n = Number(s);
    if (!Number.isSafeInteger(n)) return bad(f, 'is too large');
    return n;
  };
  const bytes = (v: unknown, f: string): Uint8Array => {
    if (typeof v !== 'string' || !STD_B64.test(v)) return bad(f, 'must be standard base64');
    return new Uint8Array(Buffer.from(v, 'base64'));
  };
  if (!isRecord(json)) return bad('', 'must be an object');
  const kv = json['kindVersion'];
  if (!isRecord(kv) || typeof kv['kind'] !== 'string' || typeof kv['version'] !== 'string')
    return bad('kindVersion', 'must have string kind and version');
  const logId = isRecord(json['logId'])
    ? bytes(json['logId']['keyId'], 'logId.keyId')
    : bad('logId', 'must be an object with keyId');
  const ip = json['inclusionProof'];
  if (!isRecord(ip))
    return bad('inclusionProof', 'is missing (this log entry has no inclusion proof)');
  const cp = ip['checkpoint'];
  if (!isRecord(cp) || typeof cp['envelope'] !== 'string')
    return bad('inclusionProof.checkpoint.envelope', 'must be a string');
  const hashesJson = ip['hashes'] ?? [];
  if (!Array.isArray(hashesJson) || hashesJson.length > MAX_PROOF_HASHES)
    return bad('inclusionProof.hashes', `must be an array of at most ${MAX_PROOF_HASHES} hashes`);
  const hashes = hashesJson.map((h, i) => {
    const b = bytes(h, `inclusionProof.hashes[${i}]`);
    return b.length === HASH_SIZE
      ? b
      : bad(`inclusionProof.hashes[${i}]`, `must be ${HASH_SIZE} bytes`);
  });
  let rootHash = bytes(ip['rootHash'], 'inclusionProof.rootHash');
  if (rootHash.length === 2 * HASH_SIZE) {
    // rekor-tiles form: the bytes of the lowercase hex string.
    const hex = Buffer.from(rootHash).toString('latin1');
    if (!/^[0-9a-f]{64}$/.test(hex))
      return bad('inclusionProof.rootHash', 'is neither 32 bytes nor 64 hex digits');
    rootHash = new Uint8Array(Buffer.from(hex, 'hex'));
  }
  if (rootHash.length !== HASH_SIZE)
    return bad('inclusionProof.rootHash', `must be ${HASH_SIZE} bytes`);
  const body = bytes(json['canonicalizedBody'], 'canonicalizedBody');
  if (body.length === 0) return bad('canonicalizedBody', 'is empty');
  return {
    logIndex: int(json['logIndex'] ?? '0', 'logIndex'),
    logId,
    kind: kv['kind'],
    version: kv['version'],
    proof: {
      logIndex: int(ip['logIndex'] ?? '0', 'inclusionProof.logIndex'),
      treeSize: int(ip['treeSize'], 'inclusionProof.treeSize'),
      rootHash,
      hashes,
      checkpoint: cp['envelope'],
    },
    body,
  };
}
