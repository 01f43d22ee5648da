/**
 * The page's cryptography, all WebCrypto: file digests (streamed into
 * SHA-256 and SHA-512), Ed25519 and ECDSA P-256 signature checks against SPKI
 * PEM keys (ECDSA signatures arrive DER-encoded and are converted to the
 * raw r||s WebCrypto expects).
 */
const subtle = () => globalThis.crypto.subtle;

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export async function digestFile(file: Blob): Promise<{ sha256: string; sha512: string }> {
  const buf = await file.arrayBuffer();
  const [a, b] = await Promise.all([
    subtle().digest('SHA-256', buf),
    subtle().digest('SHA-512', buf),
  ]);
  return { sha256: hex(a), sha512: hex(b) };
}

export function spkiFromPem(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  return fromBase64(body);
}

/** derToRaw turns an ECDSA DER signature (SEQUENCE of two INTEGERs) into 64 bytes r||s. */
export function derToRaw(der: Uint8Array): Uint8Array | undefined {
  if (der[0] !== 0x30) return undefined;
  let i = 2;
  const ints: Uint8Array[] = [];
  for (let k = 0; k < 2; k++) {
    if (der[i] !== 0x02) return undefined;
    const len = der[i + 1]!;
    let v = der.subarray(i + 2, i + 2 + len);
    while (v.length > 32 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) return undefined;
    const padded = new Uint8Array(32);
    padded.set(v, 32 - v.length);
    ints.push(padded);
    i += 2 + len;
  }
  const out = new Uint8Array(64);
  out.set(ints[0]!, 0);
  out.set(ints[1]!, 32);
  return out;
}

export async function verifySpki(
  algorithm: string,
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  try {
    if (algorithm === 'ed25519') {
      const key = await subtle().importKey(
        'spki',
        spki as BufferSource,
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      return await subtle().verify(
        { name: 'Ed25519' },
        key,
        signature as BufferSource,
        message as BufferSource,
      );
    }
    const key = await subtle().importKey(
      'spki',
      spki as BufferSource,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const raw = signature.length === 64 ? signature : derToRaw(signature);
    if (!raw) return false;
    return await subtle().verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      raw as BufferSource,
      message as BufferSource,
    );
  } catch {
    return false;
  }
}

export async function verifyEd25519Raw(
  pub: Uint8Array,
  message: Uint8Array,
  sig: Uint8Array,
): Promise<boolean> {
  try {
    const key = await subtle().importKey('raw', pub as BufferSource, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    return await subtle().verify(
      { name: 'Ed25519' },
      key,
      sig as BufferSource,
      message as BufferSource,
    );
  } catch {
    return false;
  }
}
