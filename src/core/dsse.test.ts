import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, pae, signEnvelope, verifyEnvelope } from './dsse.js';
import { InputError } from './errors.js';
import { generateKey } from './keys.js';

describe('PAE', () => {
  it('matches the DSSE spec example (protocol.md)', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters', () => {
    expect(pae('t/é', Buffer.from('ü')).toString()).toBe('DSSEv1 4 t/é 2 ü');
  });

  it('is injective: different (type, payload) pairs never encode the same', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array(), fc.string(), fc.uint8Array(), (t1, p1, t2, p2) => {
        fc.pre(t1 !== t2 || Buffer.compare(Buffer.from(p1), Buffer.from(p2)) !== 0);
        expect(pae(t1, p1).equals(pae(t2, p2))).toBe(false);
      }),
    );
  });
});

describe('envelopes', () => {
  const keys = [generateKey('ed25519'), generateKey('ecdsa-p256')];

  it.each(keys.map((k) => [k.algorithm, k] as const))(
    'round-trip any payload (%s)',
    (_alg, key) => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1 }),
          fc.uint8Array({ maxLength: 512 }),
          (type, payload) => {
            const env = signEnvelope(type, payload, key);
            const res = verifyEnvelope(env, [key.publicKey]);
            expect(res.verified.map((v) => v.index)).toEqual([0]);
            expect(res.payload.equals(Buffer.from(payload))).toBe(true);
          },
        ),
        { numRuns: 50 },
      );
    },
  );

  it('any change to payload, type or signature fails', () => {
    const key = keys[0]!;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        (payload, pos, which) => {
          const env = signEnvelope('application/vnd.in-toto+json', payload, key);
          let forged;
          if (which === 0) {
            const p = Buffer.from(payload);
            p[pos % p.length]! ^= 0x01;
            forged = { ...env, payload: p.toString('base64') };
          } else if (which === 1) forged = { ...env, payloadType: `${env.payloadType}x` };
          else {
            const s = Buffer.from(env.signatures[0]!.sig, 'base64');
            s[pos % s.length]! ^= 0x80;
            forged = {
              ...env,
              signatures: [{ keyid: env.signatures[0]!.keyid, sig: s.toString('base64') }],
            };
          }
          expect(verifyEnvelope(forged, [key.publicKey]).verified).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a signature counts only with the key that made it, whatever the keyid hint says', () => {
    const [a, b] = keys as [ReturnType<typeof generateKey>, ReturnType<typeof generateKey>];
    const env = signEnvelope('t', Buffer.from('x'), a);
    const lying = {
      ...env,
      signatures: [{ keyid: b.publicKey.keyId, sig: env.signatures[0]!.sig }],
    };
    expect(verifyEnvelope(lying, [b.publicKey]).verified).toEqual([]);
    expect(verifyEnvelope(lying, [b.publicKey, a.publicKey]).verified[0]!.key.keyId).toBe(
      a.publicKey.keyId,
    );
  });
});

describe('decodeBase64Strict', () => {
  it('accepts standard and URL-safe base64', () => {
    expect(decodeBase64Strict('aGk/Pz8=', 'f').toString()).toBe('hi???');
    expect(decodeBase64Strict('aGk_Pz8=', 'f').toString()).toBe('hi???');
  });
  it('rejects anything else with InputError naming the field', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeBase64Strict(s, 'dsseEnvelope.payload');
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).field).toBe('dsseEnvelope.payload');
        }
      }),
    );
    expect(() => decodeBase64Strict('not base64!', 'x')).toThrow(/x is not valid base64/);
    expect(() => decodeBase64Strict(42, 'x')).toThrow(/x must be a base64 string/);
  });
});
