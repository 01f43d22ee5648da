/**
 * Keyrings: one or more transferable public keys (RFC 9580 §10.1), armored
 * or binary, possibly several armor blocks in one file, possibly the same
 * certificate twice (merged here by primary fingerprint).
 */
import * as openpgp from 'openpgp';
import { looksArmored, parseArmor } from './armor.js';
import { openpgpError } from './errors.js';
import { readPackets, Tag } from './packets.js';
import { parseSignaturePacket, type ParsedSignature } from './signature.js';

/** KeyPacket is a primary key or subkey packet. */
export type KeyPacket = openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket;

/** UserID is a user ID packet with the signatures that follow it. */
export interface UserID {
  readonly packet: openpgp.UserIDPacket | undefined;
  /** Raw user ID bytes (also for user attributes, tagged with isAttribute). */
  readonly raw: Uint8Array;
  readonly isAttribute: boolean;
  readonly signatures: ParsedSignature[];
}

/** Subkey is a subkey packet with its binding and revocation signatures. */
export interface Subkey {
  readonly packet: KeyPacket;
  readonly fingerprint: string;
  readonly keyID: string;
  readonly signatures: ParsedSignature[];
}

/** Cert is one OpenPGP certificate (transferable public key). */
export interface Cert {
  readonly primary: KeyPacket;
  readonly fingerprint: string;
  readonly keyID: string;
  /** Direct-key signatures and key revocations. */
  readonly directSignatures: ParsedSignature[];
  readonly userIDs: UserID[];
  readonly subkeys: Subkey[];
}

/** Keyring is a list of certificates plus what could not be read. */
export interface Keyring {
  readonly certs: readonly Cert[];
  /** Keys skipped because their packets could not be parsed (unknown algorithm, …). */
  readonly skipped: readonly string[];
}

/** MAX_CERTS bounds how many certificates a keyring may hold. */
export const MAX_CERTS = 20_000;

/**
 * parseKeyring reads armored or binary keyring bytes. Throws InputError
 * (`OPENPGP_ARMOR`, `OPENPGP_PACKET`) when the bytes are not a keyring at all;
 * an empty input gives an empty keyring.
 */
export async function parseKeyring(bytes: Uint8Array): Promise<Keyring> {
  if (bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09))
    return { certs: [], skipped: [] };
  const streams = looksArmored(bytes)
    ? // "ARMORED FILE" is what `gpg --armor --export-options export-minimal` and Debian's
      // debian/upstream/signing-key.asc sometimes hold; any non-signature block may carry keys.
      parseArmor(bytes)
        .filter((b) => !['SIGNATURE', 'SIGNED MESSAGE', 'MESSAGE'].includes(b.label))
        .map((b) => b.data)
    : [bytes];
  if (streams.length === 0)
    throw openpgpError(
      'OPENPGP_ARMOR',
      'armored input holds no key block (only signatures or messages)',
      { hint: 'is this a signature rather than a key?' },
    );
  const byFpr = new Map<string, Cert>();
  const skipped: string[] = [];
  for (const s of streams) {
    for (const cert of await certsOf(s, skipped)) {
      const prev = byFpr.get(cert.fingerprint);
      if (prev) merge(prev, cert);
      else byFpr.set(cert.fingerprint, cert);
      if (byFpr.size > MAX_CERTS)
        throw openpgpError(
          'OPENPGP_TOO_LARGE',
          `keyring holds more than ${MAX_CERTS} certificates`,
        );
    }
  }
  return { certs: [...byFpr.values()], skipped };
}

async function certsOf(stream: Uint8Array, skipped: string[]): Promise<Cert[]> {
  const certs: Cert[] = [];
  let cert: Cert | undefined;
  let target: ParsedSignature[] | undefined;
  let skipping = false;
  for (const p of readPackets(stream)) {
    switch (p.tag) {
      case Tag.publicKey:
      case Tag.secretKey: {
        skipping = false;
        const key = await readKey(p.body, false);
        if (typeof key === 'string') {
          skipped.push(key);
          cert = undefined;
          target = undefined;
          skipping = true;
          break;
        }
        cert = {
          primary: key,
          fingerprint: key.getFingerprint(),
          keyID: key.getKeyID().toHex(),
          directSignatures: [],
          userIDs: [],
          subkeys: [],
        };
        certs.push(cert);
        target = cert.directSignatures;
        break;
      }
      case Tag.publicSubkey:
      case Tag.secretSubkey: {
        if (!cert) break;
        const key = await readKey(p.body, true);
        if (typeof key === 'string') {
          skipped.push(key);
          target = undefined;
          break;
        }
        const sub: Subkey = {
          packet: key,
          fingerprint: key.getFingerprint(),
          keyID: key.getKeyID().toHex(),
          signatures: [],
        };
        cert.subkeys.push(sub);
        target = sub.signatures;
        break;
      }
      case Tag.userID:
      case Tag.userAttribute: {
        if (!cert) break;
        let packet: openpgp.UserIDPacket | undefined;
        if (p.tag === Tag.userID) {
          packet = new openpgp.UserIDPacket();
          try {
            packet.read(p.body);
          } catch {
            packet = undefined;
          }
        }
        const uid: UserID = {
          packet,
          raw: p.body,
          isAttribute: p.tag === Tag.userAttribute,
          signatures: [],
        };
        cert.userIDs.push(uid);
        target = uid.signatures;
        break;
      }
      case Tag.signature:
        if (target && !skipping) target.push(parseSignaturePacket(p.body));
        break;
      default:
        // Trust, marker and padding packets carry nothing we use.
        break;
    }
  }
  return certs;
}

async function readKey(body: Uint8Array, sub: boolean): Promise<KeyPacket | string> {
  // Secret key packets start with the public key; OpenPGP.js reads the public part.
  const packet = sub ? new openpgp.PublicSubkeyPacket() : new openpgp.PublicKeyPacket();
  try {
    await packet.read(body);
    packet.getFingerprint();
    return packet;
  } catch (e) {
    return `${sub ? 'subkey' : 'key'} (version ${body[0]}, algorithm ${body[5]}): ${e instanceof Error ? e.message : String(e)}`;
  }
}

function merge(into: Cert, from: Cert): void {
  into.directSignatures.push(...from.directSignatures);
  into.userIDs.push(...from.userIDs);
  for (const s of from.subkeys) {
    const same = into.subkeys.find((x) => x.fingerprint === s.fingerprint);
    if (same) same.signatures.push(...s.signatures);
    else into.subkeys.push(s);
  }
}

/** findSigningKeys returns the certificates and keys (primary or subkey) a signature's issuer names. */
export function findIssuerKeys(
  ring: Keyring,
  keyID: string | undefined,
  fingerprint: string | undefined,
): { cert: Cert; key: KeyPacket; subkey: Subkey | undefined }[] {
  const out: { cert: Cert; key: KeyPacket; subkey: Subkey | undefined }[] = [];
  const match = (fpr: string, kid: string) =>
    fingerprint !== undefined ? fpr === fingerprint : keyID === undefined || kid === keyID;
  for (const cert of ring.certs) {
    if (match(cert.fingerprint, cert.keyID))
      out.push({ cert, key: cert.primary, subkey: undefined });
    for (const s of cert.subkeys)
      if (match(s.fingerprint, s.keyID)) out.push({ cert, key: s.packet, subkey: s });
  }
  return out;
}
