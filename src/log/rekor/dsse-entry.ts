/**
 * Rekor v2 `dsse` v0.0.2 entries (sigstore/protobuf-specs rekor/v2/dsse.proto,
 * entry.proto, verifier.proto; admission as in rekor-tiles pkg/types/dsse).
 *
 * A client sends a CreateEntryRequest (protobuf JSON):
 *
 *   {"dsseRequestV002": {"envelope": {"payload": b64, "payloadType": s, "signatures": [{"sig": b64, "keyid": s}]},
 *                        "verifiers": [{"publicKey": {"rawBytes": b64 DER SPKI}, "keyDetails": "PKIX_ED25519"}]}}
 *
 * Every envelope signature must verify (over DSSE PAE) with one of the
 * verifiers before the entry is admitted. The leaf the log stores — the
 * "canonicalized body" — is the RFC 8785 canonical JSON of the Entry message:
 *
 *   {"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{
 *      "payloadHash":{"algorithm":"SHA2_256","digest":b64(SHA-256(payload))},
 *      "signatures":[{"content":b64(sig),"verifier":{"keyDetails":…,"publicKey":{"rawBytes":b64}}}]}}}
 *
 * i.e. rekor-tiles' `jsoncanonicalizer.Transform(protojson.Marshal(entry))`.
 * The payload itself is not in the log, only its hash. Signatures are listed
 * in envelope order (rekor-tiles iterates a Go map, so its order is not
 * defined; sigstore verifiers accept any order).
 */
import {
  createHash,
  createPublicKey,
  type KeyObject,
  verify as cryptoVerify,
  X509Certificate,
} from 'node:crypto';
import { pae } from '../../core/dsse.js';
import { InputError } from '../../core/errors.js';
import { MAX_ENTRY_SIZE } from '../entry-bundle.js';
import { canonicalJson } from './canonical-json.js';
import { RekorEntryError } from './errors.js';

/** DSSE_KIND and DSSE_API_VERSION name the entry type (TransparencyLogEntry.kindVersion). */
export const DSSE_KIND = 'dsse';
export const DSSE_API_VERSION = '0.0.2';
/** DEFAULT_MAX_REQUEST_BYTES is rekor-tiles' request cap (4 MiB, internal/cli/flags.go). */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** MAX_ENTRY_BYTES: a canonicalized body must fit a C2SP entry bundle record (uint16 length). */
export const MAX_ENTRY_BYTES = MAX_ENTRY_SIZE;

/** KeyDetails are the sigstore PublicKeyDetails values this log accepts for DSSE verifiers. */
export type KeyDetails =
  | 'PKIX_ED25519'
  | 'PKIX_ECDSA_P256_SHA_256'
  | 'PKIX_ECDSA_P384_SHA_384'
  | 'PKIX_ECDSA_P521_SHA_512';
const KEY_DETAILS: Record<
  KeyDetails,
  { type: 'ed25519' | 'ec'; curve?: string; hash: string | null }
> = {
  PKIX_ED25519: { type: 'ed25519', hash: null },
  PKIX_ECDSA_P256_SHA_256: { type: 'ec', curve: 'prime256v1', hash: 'sha256' },
  PKIX_ECDSA_P384_SHA_384: { type: 'ec', curve: 'secp384r1', hash: 'sha384' },
  PKIX_ECDSA_P521_SHA_512: { type: 'ec', curve: 'secp521r1', hash: 'sha512' },
};

/** VerifierJson is a rekor v2 Verifier in protobuf JSON: exactly one of publicKey / x509Certificate. */
export interface VerifierJson {
  readonly publicKey?: { readonly rawBytes: string };
  readonly x509Certificate?: { readonly rawBytes: string };
  readonly keyDetails: string;
}

/** DsseEntryJson is the Entry message of a dsse v0.0.2 leaf. */
export interface DsseEntryJson {
  readonly kind: typeof DSSE_KIND;
  readonly apiVersion: typeof DSSE_API_VERSION;
  readonly spec: {
    readonly dsseV002: {
      readonly payloadHash: { readonly algorithm: 'SHA2_256'; readonly digest: string };
      readonly signatures: readonly { readonly content: string; readonly verifier: VerifierJson }[];
    };
  };
}

/** dsseEntryJson is the dsse v0.0.2 Entry of a payload and its (already encoded) signatures. */
export function dsseEntryJson(
  payload: Uint8Array,
  signatures: DsseEntryJson['spec']['dsseV002']['signatures'],
): DsseEntryJson {
  return {
    kind: DSSE_KIND,
    apiVersion: DSSE_API_VERSION,
    spec: {
      dsseV002: {
        payloadHash: {
          algorithm: 'SHA2_256',
          digest: createHash('sha256').update(payload).digest('base64'),
        },
        signatures,
      },
    },
  };
}

/** DsseVerifier is a decoded verifier of a request. */
export interface DsseVerifier {
  readonly kind: 'publicKey' | 'x509Certificate';
  readonly rawBytes: Buffer;
  readonly keyDetails: KeyDetails;
  readonly key: KeyObject;
}

/** DsseRequest is a decoded, shape-checked (not yet signature-checked) dsse v0.0.2 request. */
export interface DsseRequest {
  readonly payload: Buffer;
  readonly payloadType: string;
  readonly signatures: readonly { readonly sig: Buffer; readonly keyid: string }[];
  readonly verifiers: readonly DsseVerifier[];
}

/** PreparedEntry is an admitted entry: its Entry JSON and the canonicalized body (the leaf bytes). */
export interface PreparedEntry {
  readonly entry: DsseEntryJson;
  readonly body: Uint8Array;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const B64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/**
 * Request fields are attacker-controlled: every problem is collected (field
 * path + reason) and reported at once in a single 400.
 */
class Problems {
  readonly list: { field: string; why: string }[] = [];
  add(field: string, why: string): undefined {
    this.list.push({ field, why });
    return undefined;
  }
  unknownFields(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k)) this.add(`${path}.${k}`, 'unknown field');
  }
  /** base64 decodes protobuf JSON bytes: standard or URL-safe alphabet, padding optional (protojson rules), nothing else. */
  base64(v: unknown, field: string, options: { nonEmpty?: boolean } = {}): Buffer | undefined {
    if (typeof v !== 'string') return this.add(field, 'must be a base64 string');
    if (!B64.test(v) && !B64URL.test(v)) return this.add(field, 'is not valid base64');
    const buf = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (options.nonEmpty && buf.length === 0) return this.add(field, 'must not be empty');
    return buf;
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const msg = this.list.map((p) => `${p.field} ${p.why}`).join('; ');
    throw new RekorEntryError('REKOR_REQUEST_MALFORMED', `invalid CreateEntryRequest: ${msg}`, {
      fields: this.list.map((p) => p.field),
    });
  }
}

function parseJson(body: Uint8Array | string, maxBytes: number): unknown {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) {
    throw new RekorEntryError(
      'REKOR_REQUEST_TOO_LARGE',
      `request body is ${size} bytes, over the limit of ${maxBytes} bytes`,
      { limit: maxBytes },
    );
  }
  let text: string;
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (cause) {
    throw new RekorEntryError('REKOR_REQUEST_MALFORMED', 'request body is not UTF-8', {
      cause,
      fields: ['(body)'],
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new RekorEntryError(
      'REKOR_REQUEST_MALFORMED',
      `request body is not JSON: ${(cause as Error).message}`,
      { cause, fields: ['(body)'] },
    );
  }
}

function parseVerifier(v: unknown, path: string, p: Problems): DsseVerifier | undefined {
  if (!isRecord(v)) return p.add(path, 'must be an object');
  p.unknownFields(v, path, ['publicKey', 'x509Certificate', 'keyDetails']);
  const kd = v['keyDetails'];
  let keyDetails: KeyDetails | undefined;
  if (typeof kd !== 'string')
    p.add(`${path}.keyDetails`, 'must be a PublicKeyDetails name such as "PKIX_ED25519"');
  else if (!(kd in KEY_DETAILS))
    p.add(
      `${path}.keyDetails`,
      `${JSON.stringify(kd.slice(0, 60))} is not supported (expected one of ${Object.keys(KEY_DETAILS).join(', ')})`,
    );
  else keyDetails = kd as KeyDetails;
  const hasPk = v['publicKey'] !== undefined;
  const hasCert = v['x509Certificate'] !== undefined;
  if (hasPk === hasCert)
    return p.add(path, 'must have exactly one of publicKey and x509Certificate');
  const kind = hasPk ? 'publicKey' : 'x509Certificate';
  const holder = v[kind];
  if (!isRecord(holder)) return p.add(`${path}.${kind}`, 'must be an object');
  p.unknownFields(holder, `${path}.${kind}`, ['rawBytes']);
  const raw = p.base64(holder['rawBytes'], `${path}.${kind}.rawBytes`, { nonEmpty: true });
  if (raw === undefined || keyDetails === undefined) return undefined;
  let key: KeyObject;
  try {
    key = kind === 'publicKey' ? publicKeyFromDer(raw) : new X509Certificate(raw).publicKey;
  } catch {
    throw new RekorEntryError(
      'REKOR_KEY_UNSUPPORTED',
      `${path}.${kind}.rawBytes is not a DER ${kind === 'publicKey' ? 'SubjectPublicKeyInfo' : 'X.509 certificate'}`,
      {
        fields: [`${path}.${kind}.rawBytes`],
      },
    );
  }
  const want = KEY_DETAILS[keyDetails];
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== want.type || (want.curve !== undefined && curve !== want.curve)) {
    const have = key.asymmetricKeyType === 'ec' ? `ec ${curve}` : String(key.asymmetricKeyType);
    throw new RekorEntryError(
      'REKOR_KEY_UNSUPPORTED',
      `${path}.keyDetails is ${keyDetails} but the key is ${have}`,
      { fields: [`${path}.keyDetails`] },
    );
  }
  return { kind, rawBytes: raw, keyDetails, key };
}

/**
 * parseCreateEntryRequest parses and shape-checks a Rekor v2 CreateEntryRequest
 * body. Only `dsseRequestV002` is accepted. Throws {@link RekorEntryError}:
 * REKOR_REQUEST_TOO_LARGE (over `maxBytes`, default 4 MiB), REKOR_REQUEST_MALFORMED
 * (every bad field listed), REKOR_KIND_UNSUPPORTED, REKOR_KEY_UNSUPPORTED.
 */
export function parseCreateEntryRequest(
  body: Uint8Array | string,
  options: { maxBytes?: number } = {},
): DsseRequest {
  const doc = parseJson(body, options.maxBytes ?? DEFAULT_MAX_REQUEST_BYTES);
  if (!isRecord(doc))
    throw new RekorEntryError(
      'REKOR_REQUEST_MALFORMED',
      'CreateEntryRequest must be a JSON object',
      { fields: ['(body)'] },
    );
  if (doc['hashedRekordRequestV002'] !== undefined) {
    throw new RekorEntryError(
      'REKOR_KIND_UNSUPPORTED',
      'this log accepts only dsse v0.0.2 entries (dsseRequestV002), not hashedrekord',
      {
        fields: ['hashedRekordRequestV002'],
      },
    );
  }
  const p = new Problems();
  p.unknownFields(doc, '', ['dsseRequestV002']);
  const req = doc['dsseRequestV002'];
  if (req === undefined) {
    throw new RekorEntryError(
      'REKOR_KIND_UNSUPPORTED',
      `CreateEntryRequest must contain dsseRequestV002 (got ${Object.keys(doc).slice(0, 5).join(', ') || 'no fields'})`,
      {
        fields: ['dsseRequestV002'],
      },
    );
  }
  const base = 'dsseRequestV002';
  if (!isRecord(req)) p.add(base, 'must be an object');
  p.throwIfAny();
  const r = req as Record<string, unknown>;
  p.unknownFields(r, base, ['envelope', 'verifiers']);
  const env = r['envelope'];
  let payload: Buffer | undefined;
  let payloadType: string | undefined;
  const signatures: { sig: Buffer; keyid: string }[] = [];
  if (!isRecord(env)) p.add(`${base}.envelope`, 'must be a DSSE envelope object');
  else {
    p.unknownFields(env, `${base}.envelope`, ['payload', 'payloadType', 'signatures']);
    payload = p.base64(env['payload'], `${base}.envelope.payload`);
    if (typeof env['payloadType'] !== 'string' || env['payloadType'] === '')
      p.add(`${base}.envelope.payloadType`, 'must be a non-empty string');
    else payloadType = env['payloadType'];
    const sigs = env['signatures'];
    if (!Array.isArray(sigs) || sigs.length === 0)
      p.add(`${base}.envelope.signatures`, 'must be a non-empty array');
    else
      sigs.forEach((s, i) => {
        const path = `${base}.envelope.signatures[${i}]`;
        if (!isRecord(s)) return p.add(path, 'must be an object');
        p.unknownFields(s, path, ['sig', 'keyid']);
        const sig = p.base64(s['sig'], `${path}.sig`, { nonEmpty: true });
        const keyid = s['keyid'] ?? '';
        if (typeof keyid !== 'string') p.add(`${path}.keyid`, 'must be a string');
        if (sig !== undefined && typeof keyid === 'string') signatures.push({ sig, keyid });
        return undefined;
      });
  }
  const vs = r['verifiers'];
  const verifiers: DsseVerifier[] = [];
  if (!Array.isArray(vs) || vs.length === 0)
    p.add(
      `${base}.verifiers`,
      'must be a non-empty array of verifiers (public keys or certificates)',
    );
  else {
    // Shape problems are gathered; a key that cannot be used throws at once.
    vs.forEach((v, i) => {
      const parsed = parseVerifier(v, `${base}.verifiers[${i}]`, p);
      if (parsed) verifiers.push(parsed);
    });
  }
  p.throwIfAny();
  return { payload: payload!, payloadType: payloadType!, signatures, verifiers };
}

function verifierJson(v: DsseVerifier): VerifierJson {
  const raw = { rawBytes: v.rawBytes.toString('base64') };
  return v.kind === 'publicKey'
    ? { publicKey: raw, keyDetails: v.keyDetails }
    : { x509Certificate: raw, keyDetails: v.keyDetails };
}

// Signers submit again and again with the same key: parsing its DER was the largest cost of
// an add-entry request (more than the signature check), so parsed keys are remembered.
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 4096;
function publicKeyFromDer(raw: Buffer): KeyObject {
  const id = raw.toString('base64');
  let key = keyCache.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: raw, format: 'der', type: 'spki' });
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

function verifies(v: DsseVerifier, message: Buffer, sig: Buffer): boolean {
  try {
    return cryptoVerify(KEY_DETAILS[v.keyDetails].hash, message, v.key, sig);
  } catch {
    return false;
  }
}

/**
 * dsseLogEntry checks every envelope signature against the request's
 * verifiers (DSSE PAE, per keyDetails) and returns the Entry and its
 * canonicalized body. Throws RekorEntryError REKOR_SIGNATURE_INVALID naming
 * each signature that no verifier verifies, REKOR_REQUEST_TOO_LARGE when the
 * body would exceed {@link MAX_ENTRY_BYTES}.
 */
export function dsseLogEntry(req: DsseRequest): PreparedEntry {
  const message = pae(req.payloadType, req.payload);
  const bad: string[] = [];
  const signatures = req.signatures.map((s, i) => {
    const v = req.verifiers.find((cand) => verifies(cand, message, s.sig));
    if (!v) bad.push(`dsseRequestV002.envelope.signatures[${i}].sig`);
    return {
      content: s.sig.toString('base64'),
      verifier: v ? verifierJson(v) : ({} as VerifierJson),
    };
  });
  if (bad.length > 0) {
    throw new RekorEntryError(
      'REKOR_SIGNATURE_INVALID',
      `signature does not verify with any of the ${req.verifiers.length} given verifier(s): ${bad.join(', ')}`,
      {
        fields: bad,
      },
    );
  }
  const entry = dsseEntryJson(req.payload, signatures);
  const body = Buffer.from(canonicalJson(entry), 'utf8');
  if (body.length > MAX_ENTRY_BYTES) {
    throw new RekorEntryError(
      'REKOR_REQUEST_TOO_LARGE',
      `the entry would be ${body.length} bytes, over the limit of ${MAX_ENTRY_BYTES} bytes (fewer or smaller verifiers)`,
      {
        limit: MAX_ENTRY_BYTES,
        fields: ['dsseRequestV002.verifiers'],
      },
    );
  }
  return { entry, body: new Uint8Array(body.buffer, body.byteOffset, body.length) };
}

/** prepareDsseEntry is parseCreateEntryRequest followed by dsseLogEntry: request bytes in, admitted leaf out. */
export function prepareDsseEntry(
  body: Uint8Array | string,
  options: { maxBytes?: number } = {},
): PreparedEntry {
  return dsseLogEntry(parseCreateEntryRequest(body, options));
}

/**
 * parseDsseEntryBody reads a canonicalized body back (for verifiers): it must
 * be a dsse v0.0.2 Entry with a SHA2_256 payload hash and at least one
 * signature. Throws InputError REKOR_BODY_MALFORMED.
 */
export function parseDsseEntryBody(body: Uint8Array): {
  payloadHash: Buffer;
  signatures: Buffer[];
  entry: DsseEntryJson;
} {
  const bad = (why: string): never => {
    throw new InputError(
      'REKOR_BODY_MALFORMED',
      `canonicalized body is not a dsse v0.0.2 entry: ${why}`,
      { field: 'canonicalizedBody' },
    );
  };
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return bad('not JSON');
  }
  if (!isRecord(doc) || doc['kind'] !== DSSE_KIND || doc['apiVersion'] !== DSSE_API_VERSION)
    return bad('kind/apiVersion is not dsse/0.0.2');
  const spec = isRecord(doc['spec']) ? doc['spec']['dsseV002'] : undefined;
  if (!isRecord(spec)) return bad('no spec.dsseV002');
  const ph = spec['payloadHash'];
  if (!isRecord(ph) || ph['algorithm'] !== 'SHA2_256' || typeof ph['digest'] !== 'string')
    return bad('payloadHash is not SHA2_256');
  const sigs = spec['signatures'];
  if (!Array.isArray(sigs) || sigs.length === 0) return bad('no signatures');
  const signatures = sigs.map((s) =>
    isRecord(s) && typeof s['content'] === 'string'
      ? Buffer.from(s['content'], 'base64')
      : bad('signature without content'),
  );
  const payloadHash = Buffer.from(ph['digest'], 'base64');
  if (payloadHash.length !== 32) return bad('payloadHash.digest is not 32 bytes');
  return { payloadHash, signatures, entry: doc as unknown as DsseEntryJson };
}
