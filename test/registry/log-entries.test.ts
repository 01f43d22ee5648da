// The author's log entry is built from the envelope verifyRelease just verified
// (issue 14: no second verification); it must be the very bytes envelopeLogEntry
// builds, and anything but a single verified signature must still be checked.
import { describe, expect, it } from 'vitest';
import { signEnvelope, type DsseEnvelope } from '../../src/core/dsse.js';
import { KEY_ALGORITHMS, generateKey } from '../../src/core/keys.js';
import { envelopeLogEntry, verifiedEnvelopeLogEntry } from '../../src/registry/log-entries.js';

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
