/**
 * node:crypto for the browser bundle: the pure layers (src/core, src/log,
 * src/ledger) hash with node:crypto's synchronous `hash`/`createHash`; in the
 * page those are @noble/hashes (audited, synchronous). Signing and key parsing
 * are not available in the page: signatures are checked with WebCrypto
 * (webcrypto.ts) and these stubs throw if anything reaches for them.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { Buffer } from 'buffer';

type Data = Uint8Array | string;
const bytes = (d: Data): Uint8Array => (typeof d === 'string' ? new TextEncoder().encode(d) : d);

function algorithm(name: string) {
  const n = name.toLowerCase().replace('-', '');
  if (n === 'sha256') return sha256;
  if (n === 'sha512') return sha512;
  if (n === 'sha1') return sha1;
  throw new Error(`hash ${name} is not available in the browser`);
}

function encode(out: Uint8Array, enc?: string): Buffer | string {
  const b = Buffer.from(out);
  return enc === undefined || enc === 'buffer' ? b : b.toString(enc as BufferEncoding);
}

export function hash(name: string, data: Data, enc?: string): Buffer | string {
  return encode(algorithm(name)(bytes(data)), enc ?? 'hex');
}

export function createHash(name: string) {
  const h = algorithm(name).create();
  const api = {
    update(d: Data) {
      h.update(bytes(d));
      return api;
    },
    digest(enc?: string) {
      return encode(h.digest(), enc);
    },
  };
  return api;
}

const unavailable = (what: string) => () => {
  throw new Error(`${what} is not available in the browser (WebCrypto checks signatures here)`);
};
export const createPublicKey = unavailable('createPublicKey');
export const createPrivateKey = unavailable('createPrivateKey');
export const generateKeyPairSync = unavailable('generateKeyPairSync');
export const sign = unavailable('sign');
export const verify = unavailable('verify');
export const randomBytes = unavailable('randomBytes');
export const timingSafeEqual = unavailable('timingSafeEqual');
export class KeyObject {}
export class X509Certificate {
  constructor() {
    throw new Error('X509Certificate is not available in the browser');
  }
}
export default { hash, createHash };
