/**
 * Key events: one change of a namespace's keys, as an in-toto Statement v1
 * (github.com/in-toto/attestation spec/v1/statement.md) with the predicate
 * `https://sigil.dev/key-event/v1`, in a DSSE v1 envelope (payload type
 * `application/vnd.in-toto+json`). docs/ledger.md and
 * docs/schemas/key-event.schema.json define the format; this file builds and
 * parses it. Deciding whether an event may apply is replay.ts's job.
 *
 * An event carries the public keys it adds (PEM SPKI), so replaying a log
 * needs nothing but the log, and the digest of the previous applied event of
 * its namespace (`previous`, a hash chain), so an omitted, reordered or
 * re-submitted event is detected.
 */
import { createHash } from 'node:crypto';
import {
  decodeBase64Strict,
  dsseSignatureWith,
  pae,
  type DsseEnvelope,
  type DsseSignature,
  type Signer,
} from '../core/dsse.js';
import { publicKeyFromSpkiPem, signBytes, type PrivateKey, type PublicKey } from '../core/keys.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  statementTypeProblems,
} from '../core/statement.js';
import { parseNamespace } from './namespace.js';

export const KEY_EVENT_PREDICATE_TYPE = 'https://sigil.dev/key-event/v1';

export type KeyEventAction = 'add' | 'revoke' | 'rotate' | 'reset' | 'threshold';
export const KEY_EVENT_ACTIONS: readonly KeyEventAction[] = [
  'add',
  'revoke',
  'rotate',
  'reset',
  'threshold',
];

/** Bounds on attacker-controlled sizes. */
export const KEY_EVENT_LIMITS = {
  envelopeBytes: 64 * 1024,
  keys: 16,
  signatures: 16,
  reason: 1024,
} as const;

/** KeyDescriptor names a key an event introduces: its id and its PEM SPKI. */
export interface KeyDescriptor {
  /** Hex SHA-256 of the DER SPKI; must match `publicKey`. */
  readonly keyId: string;
  /** PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"). */
  readonly publicKey: string;
}

/**
 * KeyEventPredicate is the predicate of a key event. Fields by action:
 * - add:       keys (1+)
 * - revoke:    keyId, compromisedSince?
 * - rotate:    from, keys (exactly 1: the new key)
 * - reset:     keys (1+), threshold?, compromisedSince?
 * - threshold: threshold
 * Every action has namespace, action, previous and an optional reason.
 */
export type KeyEventPredicate = {
  readonly namespace: string;
  /** Hex SHA-256 of the payload of the namespace's previous applied event; null for its first event. */
  readonly previous: string | null;
  readonly reason?: string;
} & (
  | { readonly action: 'add'; readonly keys: readonly KeyDescriptor[] }
  | { readonly action: 'revoke'; readonly keyId: string; readonly compromisedSince?: number }
  | { readonly action: 'rotate'; readonly from: string; readonly keys: readonly KeyDescriptor[] }
  | {
      readonly action: 'reset';
      readonly keys: readonly KeyDescriptor[];
      readonly threshold?: number;
      readonly compromisedSince?: number;
    }
  | { readonly action: 'threshold'; readonly threshold: number }
);

export interface KeyEventStatement {
  readonly _type: typeof IN_TOTO_STATEMENT_TYPE;
  /** One descriptor: name = namespace, digest.sha256 = SHA-256 of the namespace's UTF-8 bytes. */
  readonly subject: readonly [
    { readonly name: string; readonly digest: { readonly sha256: string } },
  ];
  readonly predicateType: typeof KEY_EVENT_PREDICATE_TYPE;
  readonly predicate: KeyEventPredicate;
}

/** KeyEventInput is what buildKeyEvent needs; keys are given as PublicKey values. */
export type KeyEventInput = {
  readonly namespace: string;
  readonly previous: string | null;
  readonly reason?: string;
} & (
  | { readonly action: 'add'; readonly keys: readonly PublicKey[] }
  | { readonly action: 'revoke'; readonly keyId: string; readonly compromisedSince?: number }
  | { readonly action: 'rotate'; readonly from: string; readonly to: PublicKey }
  | {
      readonly action: 'reset';
      readonly keys: readonly PublicKey[];
      readonly threshold?: number;
      readonly compromisedSince?: number;
    }
  | { readonly action: 'threshold'; readonly threshold: number }
);

/** KeyEvent is a parsed event as replay judges it: one member per action, keys decoded (the shape buildKeyEvent takes). */
export type KeyEvent = KeyEventInput;

/** ParsedKeyEvent is an envelope whose statement has the right shape (not yet authorised). */
export interface ParsedKeyEvent {
  readonly envelope: DsseEnvelope;
  readonly payload: Buffer;
  readonly statement: KeyEventStatement;
  /** The predicate as the union of actions, with its keys decoded. */
  readonly event: KeyEvent;
  /** eventDigest(payload): what the next event's `previous` must name. */
  readonly digest: string;
  /** Decoded keys of `predicate.keys`, in order. */
  readonly keys: readonly PublicKey[];
}

export type KeyEventParseCode = 'ENVELOPE_INVALID' | 'EVENT_INVALID';
export type ParseResult =
  | { readonly ok: true; readonly value: ParsedKeyEvent }
  | { readonly ok: false; readonly code: KeyEventParseCode; readonly reason: string };

const HEX64 = /^[0-9a-f]{64}$/;

/** eventDigest is the hex SHA-256 of an event's payload bytes: the link of the namespace's hash chain. */
export function eventDigest(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
}

/** keyDescriptor renders a public key as an event carries it. */
export function keyDescriptor(key: PublicKey): KeyDescriptor {
  return { keyId: key.keyId, publicKey: String(key.key.export({ type: 'spki', format: 'pem' })) };
}

/** keyEventStatement builds the statement of an event (no signature). Throws only on caller bugs (bad input types). */
export function keyEventStatement(input: KeyEventInput): KeyEventStatement {
  const base = { namespace: input.namespace, previous: input.previous };
  let predicate: KeyEventPredicate;
  switch (input.action) {
    case 'add':
      predicate = { ...base, action: 'add', keys: input.keys.map(keyDescriptor) };
      break;
    case 'revoke':
      predicate = {
        ...base,
        action: 'revoke',
        keyId: input.keyId,
        ...(input.compromisedSince !== undefined
          ? { compromisedSince: input.compromisedSince }
          : {}),
      };
      break;
    case 'rotate':
      predicate = { ...base, action: 'rotate', from: input.from, keys: [keyDescriptor(input.to)] };
      break;
    case 'reset':
      predicate = {
        ...base,
        action: 'reset',
        keys: input.keys.map(keyDescriptor),
        ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
        ...(input.compromisedSince !== undefined
          ? { compromisedSince: input.compromisedSince }
          : {}),
      };
      break;
    case 'threshold':
      predicate = { ...base, action: 'threshold', threshold: input.threshold };
      break;
  }
  if (input.reason !== undefined) predicate = { ...predicate, reason: input.reason };
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [
      {
        name: input.namespace,
        digest: { sha256: createHash('sha256').update(input.namespace, 'utf8').digest('hex') },
      },
    ],
    predicateType: KEY_EVENT_PREDICATE_TYPE,
    predicate,
  };
}

/**
 * buildKeyEvent makes a signed key event envelope: the statement for `input`,
 * signed by every key in `signers` (k-of-n events need k of them; a
 * namespace's first `add` must be signed by every key it adds). The result is
 * what `sigil key …` writes and what a registry logs. It does not check that
 * the event will be accepted: Ledger.check does.
 */
export function buildKeyEvent(
  input: KeyEventInput,
  signers: readonly PrivateKey[],
): { envelope: DsseEnvelope; statement: KeyEventStatement; digest: string } {
  const statement = keyEventStatement(input);
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  let envelope: DsseEnvelope = {
    payload: payload.toString('base64'),
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    signatures: [],
  };
  for (const s of signers) envelope = cosignKeyEvent(envelope, s);
  return { envelope, statement, digest: eventDigest(payload) };
}

/**
 * cosignKeyEvent adds one signature to an event envelope (k-of-n: each
 * holder adds theirs). A key that already signed is not added twice.
 * Throws InputError BASE64_INVALID when the envelope's payload is not base64.
 */
export function cosignKeyEvent(envelope: DsseEnvelope, signer: PrivateKey): DsseEnvelope {
  if (envelope.signatures.some((s) => s.keyid === signer.publicKey.keyId)) return envelope;
  const payload = decodeBase64Strict(envelope.payload, 'payload');
  const sig: DsseSignature = {
    keyid: signer.publicKey.keyId,
    sig: signBytes(signer, pae(envelope.payloadType, payload)).toString('base64'),
  };
  return { ...envelope, signatures: [...envelope.signatures, sig] };
}

/** cosignKeyEventWith is cosignKeyEvent for a key held elsewhere (ssh-agent). */
export async function cosignKeyEventWith(
  envelope: DsseEnvelope,
  signer: Signer,
): Promise<DsseEnvelope> {
  if (envelope.signatures.some((s) => s.keyid === signer.publicKey.keyId)) return envelope;
  const payload = decodeBase64Strict(envelope.payload, 'payload');
  return {
    ...envelope,
    signatures: [
      ...envelope.signatures,
      await dsseSignatureWith(envelope.payloadType, payload, signer),
    ],
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLogIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

const PREDICATE_FIELDS: Record<KeyEventAction, readonly string[]> = {
  add: ['keys'],
  revoke: ['keyId', 'compromisedSince'],
  rotate: ['from', 'keys'],
  reset: ['keys', 'threshold', 'compromisedSince'],
  threshold: ['threshold'],
};
const REQUIRED_FIELDS: Record<KeyEventAction, readonly string[]> = {
  add: ['keys'],
  revoke: ['keyId'],
  rotate: ['from', 'keys'],
  reset: ['keys'],
  threshold: ['threshold'],
};
const COMMON_FIELDS = ['namespace', 'action', 'previous', 'reason'];

/**
 * parseKeyEventEnvelope reads an untrusted event envelope (JSON text, bytes
 * or an already-parsed object) and checks the statement's shape, gathering
 * every problem. It verifies no signature. Never throws: a bad input gives
 * `{ ok: false, code, reason }` with ENVELOPE_INVALID (not a DSSE envelope
 * Sigil accepts) or EVENT_INVALID (the statement is not a key event).
 */
export function parseKeyEventEnvelope(input: unknown): ParseResult {
  const bad = (code: KeyEventParseCode, reason: string): ParseResult => ({
    ok: false,
    code,
    reason,
  });
  let doc: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
    if (size > KEY_EVENT_LIMITS.envelopeBytes)
      return bad(
        'ENVELOPE_INVALID',
        `envelope is ${size} bytes, more than the ${KEY_EVENT_LIMITS.envelopeBytes} allowed`,
      );
    try {
      doc = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch (e) {
      return bad('ENVELOPE_INVALID', `envelope is not JSON (${(e as Error).message})`);
    }
  }
  if (!isRecord(doc)) return bad('ENVELOPE_INVALID', 'envelope must be a JSON object');
  if (doc['payloadType'] !== IN_TOTO_PAYLOAD_TYPE)
    return bad(
      'ENVELOPE_INVALID',
      `payloadType is ${JSON.stringify(doc['payloadType'])}, expected "${IN_TOTO_PAYLOAD_TYPE}"`,
    );
  if (typeof doc['payload'] !== 'string')
    return bad('ENVELOPE_INVALID', 'payload must be a base64 string');
  const sigs = doc['signatures'];
  if (!Array.isArray(sigs)) return bad('ENVELOPE_INVALID', 'signatures must be an array');
  if (sigs.length > KEY_EVENT_LIMITS.signatures)
    return bad(
      'ENVELOPE_INVALID',
      `${sigs.length} signatures, more than the ${KEY_EVENT_LIMITS.signatures} allowed`,
    );
  const signatures: DsseSignature[] = [];
  for (const [i, s] of sigs.entries()) {
    if (
      !isRecord(s) ||
      typeof s['sig'] !== 'string' ||
      (s['keyid'] !== undefined && typeof s['keyid'] !== 'string')
    ) {
      return bad('ENVELOPE_INVALID', `signatures[${i}] must be {keyid?: string, sig: string}`);
    }
    try {
      decodeBase64Strict(s['sig'], `signatures[${i}].sig`);
    } catch {
      return bad('ENVELOPE_INVALID', `signatures[${i}].sig is not base64`);
    }
    signatures.push({ keyid: typeof s['keyid'] === 'string' ? s['keyid'] : '', sig: s['sig'] });
  }
  let payload: Buffer;
  try {
    payload = decodeBase64Strict(doc['payload'], 'payload');
  } catch {
    return bad('ENVELOPE_INVALID', 'payload is not base64');
  }
  const envelope: DsseEnvelope = {
    payload: doc['payload'],
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    signatures,
  };
  const parsed = parseKeyEventStatement(payload);
  if (!parsed.ok) return bad('EVENT_INVALID', parsed.reason);
  return {
    ok: true,
    value: {
      envelope,
      payload,
      statement: parsed.statement,
      event: parsed.event,
      digest: eventDigest(payload),
      keys: parsed.keys,
    },
  };
}

/** parseKeyEventStatement validates a payload as a key-event statement, gathering every problem. Never throws. */
export function parseKeyEventStatement(
  payload: Uint8Array,
):
  | { ok: true; statement: KeyEventStatement; event: KeyEvent; keys: PublicKey[] }
  | { ok: false; reason: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `payload is not JSON (${(e as Error).message})` };
  }
  if (!isRecord(doc)) return { ok: false, reason: 'payload must be a JSON object' };
  const problems = statementTypeProblems(doc, KEY_EVENT_PREDICATE_TYPE);
  const p = doc['predicate'];
  if (!isRecord(p))
    return { ok: false, reason: [...problems, 'predicate must be an object'].join('; ') };
  const ns = parseNamespace(p['namespace']);
  if (!ns.ok) problems.push(`predicate.namespace: ${ns.reason}`);
  const subject = doc['subject'];
  if (!Array.isArray(subject) || subject.length !== 1 || !isRecord(subject[0])) {
    problems.push('subject must hold exactly one descriptor');
  } else {
    const s = subject[0];
    if (s['name'] !== p['namespace'])
      problems.push('subject[0].name must equal predicate.namespace');
    const d = s['digest'];
    const want =
      typeof p['namespace'] === 'string'
        ? createHash('sha256').update(p['namespace'], 'utf8').digest('hex')
        : '';
    if (!isRecord(d) || d['sha256'] !== want)
      problems.push('subject[0].digest.sha256 must be the SHA-256 of the namespace');
  }
  const action = p['action'];
  const keys: PublicKey[] = [];
  if (typeof action !== 'string' || !(KEY_EVENT_ACTIONS as readonly string[]).includes(action)) {
    problems.push(
      `predicate.action is ${JSON.stringify(action)}, expected one of ${KEY_EVENT_ACTIONS.join(', ')}`,
    );
  } else {
    const a = action as KeyEventAction;
    // Unknown fields are refused, not ignored: a field an old verifier skipped could be one a newer signer relied on.
    for (const k of Object.keys(p))
      if (!COMMON_FIELDS.includes(k) && !PREDICATE_FIELDS[a].includes(k))
        problems.push(`predicate.${k} is not allowed in a ${a} event`);
    for (const k of REQUIRED_FIELDS[a])
      if (p[k] === undefined) problems.push(`predicate.${k} is required in a ${a} event`);
    if (p['keys'] !== undefined) {
      const list = p['keys'];
      if (!Array.isArray(list) || list.length === 0)
        problems.push('predicate.keys must be a non-empty array');
      else if (list.length > KEY_EVENT_LIMITS.keys)
        problems.push(
          `predicate.keys holds ${list.length} keys, more than the ${KEY_EVENT_LIMITS.keys} allowed`,
        );
      else if (a === 'rotate' && list.length !== 1)
        problems.push('predicate.keys of a rotate event must hold exactly one key');
      else {
        list.forEach((k: unknown, i) => {
          if (
            !isRecord(k) ||
            typeof k['keyId'] !== 'string' ||
            typeof k['publicKey'] !== 'string' ||
            Object.keys(k).length !== 2
          ) {
            problems.push(`predicate.keys[${i}] must be {keyId, publicKey}`);
            return;
          }
          try {
            if (!k['publicKey'].trimStart().startsWith('-----BEGIN PUBLIC KEY-----'))
              throw new Error('not a PEM PUBLIC KEY block');
            const key = publicKeyFromSpkiPem(k['publicKey']);
            if (key.keyId !== k['keyId'])
              problems.push(
                `predicate.keys[${i}].keyId does not match its public key (that key's id is ${key.keyId})`,
              );
            else keys.push(key);
          } catch (e) {
            problems.push(
              `predicate.keys[${i}].publicKey does not decode (${(e as Error).message})`,
            );
          }
        });
        if (new Set(keys.map((k) => k.keyId)).size !== keys.length)
          problems.push('predicate.keys lists a key twice');
      }
    }
    for (const f of ['keyId', 'from'] as const)
      if (p[f] !== undefined && (typeof p[f] !== 'string' || !HEX64.test(p[f])))
        problems.push(`predicate.${f} must be a hex SHA-256 key id`);
    if (p['compromisedSince'] !== undefined && !isLogIndex(p['compromisedSince']))
      problems.push('predicate.compromisedSince must be a log index (integer ≥ 0)');
    if (p['threshold'] !== undefined && !(isLogIndex(p['threshold']) && p['threshold'] >= 1))
      problems.push('predicate.threshold must be an integer ≥ 1');
  }
  if (!(p['previous'] === null || (typeof p['previous'] === 'string' && HEX64.test(p['previous']))))
    problems.push('predicate.previous must be null or a hex SHA-256 event digest');
  if (
    p['reason'] !== undefined &&
    (typeof p['reason'] !== 'string' || p['reason'].length > KEY_EVENT_LIMITS.reason)
  )
    problems.push(
      `predicate.reason must be a string of at most ${KEY_EVENT_LIMITS.reason} characters`,
    );
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  // Every field the action requires is present and well-typed, and no other is: the union member holds.
  const statement = doc as unknown as KeyEventStatement;
  return { ok: true, statement, event: keyEventOf(statement.predicate, keys), keys };
}

/** keyEventOf turns a validated predicate and its decoded keys into the union replay works on. */
function keyEventOf(p: KeyEventPredicate, keys: readonly PublicKey[]): KeyEvent {
  const base = {
    namespace: p.namespace,
    previous: p.previous,
    ...(p.reason !== undefined ? { reason: p.reason } : {}),
  };
  const compromise = (c: number | undefined) => (c !== undefined ? { compromisedSince: c } : {});
  switch (p.action) {
    case 'add':
      return { ...base, action: 'add', keys };
    case 'revoke':
      return { ...base, action: 'revoke', keyId: p.keyId, ...compromise(p.compromisedSince) };
    case 'rotate': {
      const [to] = keys; // the parser required exactly one
      return { ...base, action: 'rotate', from: p.from, to: to! };
    }
    case 'reset':
      return {
        ...base,
        action: 'reset',
        keys,
        ...(p.threshold !== undefined ? { threshold: p.threshold } : {}),
        ...compromise(p.compromisedSince),
      };
    case 'threshold':
      return { ...base, action: 'threshold', threshold: p.threshold };
  }
}
