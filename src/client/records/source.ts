/**
 * RecordSource: where lockfile verification gets release records, the
 * registry's keys and consistency proofs. Implementations: HTTP (a Sigil
 * server), the offline cache (`.sigil/cache/`), and an in-memory source that
 * builds real, verifiable records (tests).
 *
 * The HTTP shapes a Sigil server serves (docs/verify-lockfile.md):
 *
 *   GET  <server>/.well-known/sigil/keys.json   → {@link ServerKeys}
 *   POST <server>/api/v1/releases/lookup        {purls: [...]} → BatchLookupResponse
 *   GET  <server>/api/v1/releases/<purl, percent-encoded as one segment> → ReleaseRecord (404: none)
 *   GET  <log url>/tile/…                       C2SP tlog-tiles (consistency proofs)
 */
import { InputError, SigilError } from '../../core/errors.js';
import {
  algorithmOf,
  type KeyAlgorithm,
  type PublicKey,
  publicKeyFromSpkiPem,
} from '../../core/keys.js';
import type {
  BatchLookupResponse,
  ReleaseFileSet,
  ReleaseRecord,
} from '../../core/release-record.js';
import { isReleaseFileSet } from '../../core/release-record.js';

/** ServerKey is one key in keys.json. `keyid` is the hex SHA-256 of the DER SPKI (Sigil key id). */
export interface ServerKey {
  readonly keyid: string;
  readonly algorithm: KeyAlgorithm;
  /** SPKI public key, PEM. */
  readonly pem: string;
  /** "registry": signs publish statements and npm registry signatures; "log": informational (the log key is `log.vkey`). */
  readonly use: 'registry' | 'log';
}

/** ServerKeys is `/.well-known/sigil/keys.json`. */
export interface ServerKeys {
  readonly keys: readonly ServerKey[];
  readonly log: {
    /** Checkpoint origin line. */
    readonly origin: string;
    /** Note verifier key of the log ("name+hash+base64"). */
    readonly vkey: string;
    /** tlog-tiles base URL (default `<server>/log`). */
    readonly url?: string;
  };
  /** Ecosystems (purl types) the server looks up upstream on demand: a missing record there means "never seen", not "not hosted". */
  readonly observes?: readonly string[];
  /** Present when the server keeps a key ledger (`sigil serve`): ledger lookups must then answer. */
  readonly ledger?: { readonly url: string };
}

/** AuthorKeyJson is the author's public key, as a record extension (see {@link SigilRecord}). */
export interface AuthorKeyJson {
  readonly keyid: string;
  readonly algorithm: KeyAlgorithm;
  readonly pem: string;
}

/**
 * SigilRecord is a ReleaseRecord plus `authorKey`: the public key named by the
 * author bundle's hint. A Sigstore bundle carries only the key's id, so a
 * verifier that has not pinned the key needs its bytes from somewhere; the
 * registry knows it (the ledger's `add` event carries it). The key is only
 * material: whether it may sign for the namespace is decided by the policy,
 * the pins and the ledger, never by its presence here.
 */
export type SigilRecord = ReleaseRecord & { readonly authorKey?: AuthorKeyJson };

/** SigilFileSet is a ReleaseFileSet of SigilRecords: every file of a PyPI version. */
export interface SigilFileSet extends ReleaseFileSet {
  readonly files: readonly SigilRecord[];
}

/** AnswerRecord is one answer of a lookup: a record, a file set, or null (no record). */
export type AnswerRecord = SigilRecord | SigilFileSet | null;

/** recordsOf lists the records in one answer: the record, every file of a file set, or none. */
export function recordsOf(answer: AnswerRecord | undefined): SigilRecord[] {
  if (!answer) return [];
  if (isReleaseFileSet(answer))
    return answer.files.filter((f) => typeof f === 'object' && f !== null);
  return [answer as SigilRecord];
}

/** RecordLookup is the batch answer with the extensions (a version of a file-set ecosystem answers a SigilFileSet). */
export interface RecordLookup extends Omit<BatchLookupResponse, 'records'> {
  readonly records: Readonly<Record<string, AnswerRecord>>;
}

/**
 * RecordSource contract: `keys` answers keys.json; `lookup` answers every
 * asked purl (null = no record); `consistencyProof` returns the RFC 9162
 * consistency proof (base64 hashes) between two sizes of the log — untrusted,
 * the caller checks it against signed roots. Failures reject with
 * {@link RecordSourceError}.
 */
export interface RecordSource {
  /** Where the records come from, for messages ("https://sigil.example.org", "offline cache .sigil/cache"). */
  readonly name: string;
  /**
   * True when answers come from a snapshot taken earlier (the offline cache):
   * its checkpoint may be older than one this machine has seen since, which
   * is then no rollback (it must still be consistent).
   */
  readonly snapshot?: boolean;
  keys(): Promise<ServerKeys>;
  lookup(purls: readonly string[]): Promise<RecordLookup>;
  consistencyProof(size1: number, size2: number): Promise<string[]>;
}

/**
 * RecordSourceErrorCode (public API):
 * - RECORDS_UNAVAILABLE: the server could not be reached or answered an error.
 * - RECORDS_RESPONSE_INVALID: the server answered something that is not the documented shape.
 * - OFFLINE_CACHE_EMPTY: --offline without a cache (run `sigil fetch-records` first).
 * - OFFLINE_CACHE_MISS: the cache has no answer for something asked (a purl, a proof).
 */
export type RecordSourceErrorCode =
  'RECORDS_UNAVAILABLE' | 'RECORDS_RESPONSE_INVALID' | 'OFFLINE_CACHE_EMPTY' | 'OFFLINE_CACHE_MISS';

export class RecordSourceError extends SigilError {
  override readonly code: RecordSourceErrorCode;
  constructor(
    code: RecordSourceErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.code = code;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** parseServerKeys checks keys.json (attacker-controlled) and gathers every problem before it throws RECORDS_RESPONSE_INVALID. */
export function parseServerKeys(v: unknown, what = 'keys.json'): ServerKeys {
  const problems: string[] = [];
  const keys: ServerKey[] = [];
  if (!isRecord(v))
    throw new RecordSourceError('RECORDS_RESPONSE_INVALID', `${what} is not a JSON object`);
  if (!Array.isArray(v['keys'])) problems.push('keys: expected an array');
  else
    v['keys'].forEach((k, i) => {
      if (!isRecord(k)) return void problems.push(`keys[${i}]: expected an object`);
      const { keyid, algorithm, pem, use } = k;
      if (typeof keyid !== 'string' || !/^[0-9a-f]{64}$/.test(keyid))
        problems.push(`keys[${i}].keyid: expected 64 lowercase hex digits`);
      if (algorithm !== 'ed25519' && algorithm !== 'ecdsa-p256')
        problems.push(`keys[${i}].algorithm: expected "ed25519" or "ecdsa-p256"`);
      if (typeof pem !== 'string' || !pem.includes('BEGIN PUBLIC KEY'))
        problems.push(`keys[${i}].pem: expected an SPKI PEM public key`);
      if (use !== 'registry' && use !== 'log')
        problems.push(`keys[${i}].use: expected "registry" or "log"`);
      if (
        typeof keyid === 'string' &&
        typeof pem === 'string' &&
        (algorithm === 'ed25519' || algorithm === 'ecdsa-p256') &&
        (use === 'registry' || use === 'log')
      ) {
        keys.push({ keyid, algorithm, pem, use });
      }
    });
  const log = v['log'];
  if (!isRecord(log)) problems.push('log: expected {origin, vkey}');
  else {
    if (typeof log['origin'] !== 'string' || log['origin'] === '')
      problems.push('log.origin: expected the checkpoint origin line');
    if (typeof log['vkey'] !== 'string' || log['vkey'] === '')
      problems.push('log.vkey: expected a note verifier key');
    if (log['url'] !== undefined && typeof log['url'] !== 'string')
      problems.push('log.url: expected a URL');
  }
  if (problems.length > 0)
    throw new RecordSourceError(
      'RECORDS_RESPONSE_INVALID',
      `${what} is not a Sigil keys document: ${problems.join('; ')}`,
    );
  const l = log as Record<string, unknown>;
  const observes = Array.isArray(v['observes'])
    ? (v['observes'] as unknown[]).filter((x): x is string => typeof x === 'string')
    : undefined;
  const ledger = v['ledger'];
  return {
    keys,
    log: {
      origin: l['origin'] as string,
      vkey: l['vkey'] as string,
      ...(typeof l['url'] === 'string' ? { url: l['url'] } : {}),
    },
    ...(observes ? { observes } : {}),
    ...(isRecord(ledger) && typeof ledger['url'] === 'string'
      ? { ledger: { url: ledger['url'] } }
      : {}),
  };
}

/** publicKeyFromPem turns a PEM into a PublicKey and checks its id and algorithm; throws InputError KEY_INVALID. */
export function publicKeyFromPem(
  pem: string,
  expected: { keyid?: string; algorithm?: string } = {},
  what = 'key',
): PublicKey {
  let key: PublicKey;
  try {
    key = publicKeyFromSpkiPem(pem);
    algorithmOf(key.key);
  } catch (cause) {
    throw new InputError(
      'KEY_INVALID',
      `${what} is not a usable public key: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (expected.keyid !== undefined && key.keyId !== expected.keyid) {
    throw new InputError(
      'KEY_INVALID',
      `${what} has key id ${key.keyId.slice(0, 16)}…, not the ${expected.keyid.slice(0, 16)}… it claims`,
    );
  }
  if (expected.algorithm !== undefined && key.algorithm !== expected.algorithm) {
    throw new InputError(
      'KEY_INVALID',
      `${what} is ${key.algorithm}, not the ${expected.algorithm} it claims`,
    );
  }
  return key;
}

/** parseLookupResponse checks the top-level shape of a batch answer (records are checked one by one by the verifier). */
export function parseLookupResponse(v: unknown, what: string): RecordLookup {
  if (!isRecord(v) || typeof v['checkpoint'] !== 'string' || !isRecord(v['records'])) {
    throw new RecordSourceError(
      'RECORDS_RESPONSE_INVALID',
      `${what} is not a batch lookup answer: expected {"checkpoint": "<signed note>", "records": {"<purl>": record | null}}`,
    );
  }
  return v as unknown as RecordLookup;
}
