// Test helpers: throwaway keys made with OpenPGP.js, and signatures with any
// creation date (OpenPGP.js's high-level sign() refuses expired keys, which is
// exactly what some tests need to produce).
import * as openpgp from 'openpgp';

export type Priv = openpgp.PrivateKey;

export async function makeKey(
  opts: {
    name?: string;
    date?: Date;
    expiry?: number;
    signingSubkey?: boolean;
    rsa?: boolean;
    config?: Partial<openpgp.Config>;
  } = {},
): Promise<Priv> {
  const { privateKey } = await openpgp.generateKey({
    ...(opts.rsa
      ? { type: 'rsa' as const, rsaBits: 2048 }
      : { type: 'ecc' as const, curve: 'curve25519Legacy' as const }),
    userIDs: [{ name: opts.name ?? 'Test Signer', email: 'signer@example.org' }],
    date: opts.date ?? new Date('2024-01-01T00:00:00Z'),
    keyExpirationTime: opts.expiry ?? 0,
    subkeys: opts.signingSubkey ? [{ sign: true }, {}] : [{}],
    format: 'object',
    ...(opts.config ? { config: opts.config } : {}),
  });
  return privateKey;
}

export function publicBytes(...keys: Priv[]): Uint8Array {
  return new Uint8Array(Buffer.concat(keys.map((k) => k.toPublic().write())));
}
export function publicArmored(...keys: Priv[]): Uint8Array {
  return new Uint8Array(Buffer.from(keys.map((k) => k.toPublic().armor()).join('\n')));
}

/** frame wraps a packet body in a new-format header (RFC 9580 §4.2.1). */
export function frame(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len =
    n < 192
      ? [n]
      : n < 8384
        ? [((n - 192) >> 8) + 192, (n - 192) & 0xff]
        : [255, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([0xc0 | tag, ...len, ...body]);
}

/** rawSign makes a detached signature packet (binary) with the given signing key packet, date and options. */
export async function rawSign(
  key: Priv,
  data: Uint8Array,
  date: Date,
  opts: { subkey?: boolean; hash?: number; type?: number; expiresIn?: number } = {},
): Promise<Uint8Array> {
  const signer = opts.subkey
    ? key.subkeys.find((s) => (s.bindingSignatures[0]?.keyFlags?.[0] ?? 0) & 0x02)!.keyPacket
    : key.keyPacket;
  const sig = new openpgp.SignaturePacket();
  sig.signatureType = opts.type ?? 0;
  sig.publicKeyAlgorithm = signer.algorithm;
  sig.hashAlgorithm = opts.hash ?? openpgp.enums.hash.sha256;
  if (opts.expiresIn) {
    sig.signatureExpirationTime = opts.expiresIn;
    sig.signatureNeverExpires = false;
  }
  await (
    sig as unknown as {
      sign: (
        k: unknown,
        d: unknown,
        date: Date,
        detached: boolean,
        config: openpgp.Config,
      ) => Promise<void>;
    }
  ).sign(signer, { text: null, getBytes: () => data }, date, true, {
    ...openpgp.config,
    nonDeterministicSignaturesViaNotation: false,
  });
  return frame(2, sig.write());
}

export function armorSig(bin: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.from(openpgp.armor(openpgp.enums.armor.signature, bin)));
}

export const bytes = (s: string) => new Uint8Array(Buffer.from(s));
