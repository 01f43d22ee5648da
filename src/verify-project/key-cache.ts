/**
 * Per-process memos for what a project check would otherwise redo for every
 * dependency: parsing the same PEM (one author key signs many packages; the
 * registry key signs all of them), exporting the same key's SPKI, and
 * rebuilding a log leaf by verifying signatures that were just verified.
 *
 * Only public keys and their derived forms are cached, keyed by the exact PEM
 * text or KeyObject; what a key may sign is still decided per dependency.
 */
import type { KeyObject } from 'node:crypto';
import type { DsseEnvelope } from '../core/dsse.js';
import type { PublicKey } from '../core/keys.js';
import { publicKeyFromPem } from '../client/records/source.js';
import { envelopeEntryBody } from '../log/rekor/envelope-entry.js';

const MAX_PEMS = 50_000;
const parsed = new Map<string, PublicKey | Error>();
const spki = new WeakMap<KeyObject, { der: string; pem: string }>();

/**
 * cachedPublicKeyFromPem is publicKeyFromPem with the parse memoised by PEM
 * text; the `expected` id and algorithm are checked on every call (the same
 * errors, InputError KEY_INVALID, as publicKeyFromPem).
 */
export function cachedPublicKeyFromPem(
  pem: string,
  expected: { keyid?: string; algorithm?: string } = {},
  what = 'key',
): PublicKey {
  let k = parsed.get(pem);
  if (k === undefined) {
    try {
      k = publicKeyFromPem(pem);
    } catch (e) {
      k = e as Error;
    }
    if (parsed.size >= MAX_PEMS) parsed.clear();
    parsed.set(pem, k);
  }
  // Re-run the checks (cheap) so messages name `what` and the claimed id exactly as the uncached parser does.
  if (
    k instanceof Error ||
    (expected.keyid !== undefined && k.keyId !== expected.keyid) ||
    (expected.algorithm !== undefined && k.algorithm !== expected.algorithm)
  ) {
    return publicKeyFromPem(pem, expected, what);
  }
  return k;
}

function spkiOf(key: KeyObject): { der: string; pem: string } {
  let s = spki.get(key);
  if (!s) {
    s = {
      der: key.export({ type: 'spki', format: 'der' }).toString('base64'),
      pem: String(key.export({ type: 'spki', format: 'pem' })),
    };
    spki.set(key, s);
  }
  return s;
}

/** spkiPem is the key's SPKI PEM, exported once per key. */
export function spkiPem(key: PublicKey): string {
  return spkiOf(key.key).pem;
}

/**
 * verifiedEnvelopeLeaf is the log leaf (canonical Rekor v2 dsse v0.0.2 body)
 * of an envelope whose signatures the caller HAS VERIFIED with `key` — the
 * same bytes as log/rekor/envelope-entry.ts `envelopeLogEntry`, which verifies
 * every signature again to build them (test/registry/log-entries.test.ts holds
 * the two equal). A signature that does not verify only changes the leaf, so
 * the inclusion proof then fails: it can never make a bad envelope pass.
 */
export function verifiedEnvelopeLeaf(envelope: DsseEnvelope, key: PublicKey): Uint8Array {
  const body = envelopeEntryBody(envelope, key, spkiOf(key.key).der);
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}
