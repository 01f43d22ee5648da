// The author's log entry is built from the envelope verifyRelease just verified
// (issue 14: no second verification); it must be the very bytes envelopeLogEntry
// builds, and anything but a single verified signature must still be checked.
import { describe, expect, it } from 'vitest';
import { signEnvelope, type DsseEnvelope } from '../../src/core/dsse.js';
import { KEY_ALGORITHMS, generateKey } from '../../src/core/keys.js';
import { envelopeLogEntry, verifiedEnvelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import { verifiedEnvelopeLeaf } from '../../src/verify-project/key-cache.js';

describe.each(KEY_ALGORITHMS)('verifiedEnvelopeLogEntry, %s', (algorithm) => {
  it('builds the same leaf bytes as envelopeLogEntry', () => {
    const key = generateKey(algorithm);
    for (const payload of ['{}', JSON.stringify({ a: 'ü', b: [1, 2, 3] }), 'x'.repeat(5000)]) {
      const env = signEnvelope('application/vnd.in-toto+json', Buffer.from(payload), key);
      expect(
        Buffer.from(verifiedEnvelopeLogEntry(env, key.publicKey)).equals(
          Buffer.from(envelopeLogEntry(env, key.publicKey)),
        ),
      ).toBe(true);
    }
  });

  it("the client's leaf (verify-project/key-cache.ts, key export cached) is the registry's leaf", () => {
    const key = generateKey(algorithm);
    const env = signEnvelope('application/vnd.in-toto+json', Buffer.from('{"y":2}'), key);
    const registryLeaf = Buffer.from(envelopeLogEntry(env, key.publicKey));
    expect(Buffer.from(verifiedEnvelopeLeaf(env, key.publicKey)).equals(registryLeaf)).toBe(true);
    // Second call goes through the cached SPKI export: still the same bytes.
    expect(Buffer.from(verifiedEnvelopeLeaf(env, key.publicKey)).equals(registryLeaf)).toBe(true);
    // A signature by another key only changes the leaf: its inclusion proof would then fail.
    const forged = {
      ...env,
      signatures: signEnvelope(env.payloadType, Buffer.from('{"y":2}'), generateKey(algorithm))
        .signatures,
    };
    expect(Buffer.from(verifiedEnvelopeLeaf(forged, key.publicKey)).equals(registryLeaf)).toBe(
      false,
    );
  });

  it('an envelope with a second signature is verified as before (a bad one is refused)', () => {
    const key = generateKey(algorithm);
    const other = generateKey(algorithm);
    const env = signEnvelope('application/vnd.in-toto+json', Buffer.from('{"x":1}'), key);
    const twice: DsseEnvelope = {
      ...env,
      signatures: [
        ...env.signatures,
        ...signEnvelope('application/vnd.in-toto+json', Buffer.from('{"x":1}'), other).signatures,
      ],
    };
    expect(() => envelopeLogEntry(twice, key.publicKey)).toThrow();
    expect(() => verifiedEnvelopeLogEntry(twice, key.publicKey)).toThrow();
  });
});
