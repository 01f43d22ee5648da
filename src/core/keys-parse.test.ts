// Parsing keys once (issue 14): the JWK fast path for canonical SPKIs must give
// exactly what node's PEM/DER parser gives (same key id, same verification),
// remember successes only, and leave every other input to node's parser.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KEY_ALGORITHMS,
  generateKey,
  publicKeyFromDer,
  publicKeyFromSpkiPem,
  toPublicKey,
} from './keys.js';

describe.each(KEY_ALGORITHMS)('%s public keys parsed once', (algorithm) => {
  it('the fast path agrees with node:crypto on key id and algorithm, and the key verifies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (message) => {
        const k = generateKey(algorithm);
        const pem = String(k.publicKey.key.export({ type: 'spki', format: 'pem' }));
        const der = k.publicKey.key.export({ type: 'spki', format: 'der' });
        const slow = toPublicKey(createPublicKey({ key: pem, format: 'pem' }));
        for (const fast of [publicKeyFromSpkiPem(pem), publicKeyFromDer(der)]) {
          expect(fast.keyId).toBe(slow.keyId);
          expect(fast.algorithm).toBe(algorithm);
          expect(fast.key.export({ type: 'spki', format: 'der' }).equals(der)).toBe(true);
          const sig = sign(algorithm === 'ed25519' ? null : 'sha256', message, k.key);
          expect(verify(algorithm === 'ed25519' ? null : 'sha256', message, fast.key, sig)).toBe(
            true,
          );
          sig[sig.length - 1]! ^= 1;
          expect(verify(algorithm === 'ed25519' ? null : 'sha256', message, fast.key, sig)).toBe(
            false,
          );
        }
      }),
      { numRuns: 25 },
    );
  });

  it('the same text gives the same PublicKey object (one KeyObject per key per process)', () => {
    const k = generateKey(algorithm);
    const pem = String(k.publicKey.key.export({ type: 'spki', format: 'pem' }));
    expect(publicKeyFromSpkiPem(pem)).toBe(publicKeyFromSpkiPem(`${pem}`));
  });
});

describe('keys the fast path does not take', () => {
  it('a PEM with CRLF line ends or extra text goes to node and gives the same id', () => {
    const k = generateKey('ed25519');
    const pem = String(k.publicKey.key.export({ type: 'spki', format: 'pem' }));
    expect(publicKeyFromSpkiPem(pem.replace(/\n/g, '\r\n')).keyId).toBe(k.publicKey.keyId);
    expect(publicKeyFromSpkiPem(`comment\n${pem}`).keyId).toBe(k.publicKey.keyId);
  });

  it('a malformed key throws every time (failures are not remembered)', () => {
    const bad = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n';
    expect(() => publicKeyFromSpkiPem(bad)).toThrow();
    expect(() => publicKeyFromSpkiPem(bad)).toThrow();
    expect(() => publicKeyFromDer(Buffer.from('302a300506032b6570032100', 'hex'))).toThrow();
  });

  it('a P-256 point that is not on the curve is refused, as node refuses it in DER', () => {
    const der = Buffer.from(
      generateKey('ecdsa-p256').publicKey.key.export({ type: 'spki', format: 'der' }),
    );
    der[der.length - 1]! ^= 1;
    expect(() => createPublicKey({ key: der, format: 'der', type: 'spki' })).toThrow();
    expect(() => publicKeyFromDer(der)).toThrow();
  });

  it('an RSA key is refused as an unsupported algorithm', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() =>
      publicKeyFromSpkiPem(String(publicKey.export({ type: 'spki', format: 'pem' }))),
    ).toThrow(/algorithm|rsa/i);
  });
});

describe('SPKI export once per key', () => {
  it.each(KEY_ALGORITHMS)(
    'spkiDer and spkiPem of a %s key are what node exports, and a copy each time',
    async (algorithm) => {
      const { spkiDer, spkiPem } = await import('./keys.js');
      for (const k of [
        generateKey(algorithm).publicKey,
        publicKeyFromSpkiPem(
          String(generateKey(algorithm).publicKey.key.export({ type: 'spki', format: 'pem' })),
        ),
      ]) {
        const der = k.key.export({ type: 'spki', format: 'der' });
        expect(spkiDer(k.key).equals(der)).toBe(true);
        expect(spkiPem(k.key)).toBe(String(k.key.export({ type: 'spki', format: 'pem' })));
        const a = spkiDer(k.key);
        a[0] = 0;
        expect(spkiDer(k.key).equals(der)).toBe(true);
      }
    },
  );
});
