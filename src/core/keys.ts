/**
 * Keys: Ed25519 (default) and ECDSA P-256, through node:crypto.
 *
 * A key's id is the hex SHA-256 of its DER SubjectPublicKeyInfo (DESIGN.md,
 * "Keys"); npm spells the same hash `SHA256:<base64>`. Key files are PEM with
 * `#` comment lines in front that say what the key is, like age's key files:
 * the PEM stays readable by openssl, the comments by people.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { InputError } from './errors.js';

/** KeyAlgorithm is what Sigil signs with. */
export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ed25519', 'ecdsa-p256'];

/** PublicKey is a verification key with its derived ids. */
export interface PublicKey {
  readonly algorithm: KeyAlgorithm;
  readonly key: KeyObject;
  /** Hex SHA-256 of the DER SPKI. */
  readonly keyId: string;
}

/** PrivateKey is a signing key with its public half. */
export interface PrivateKey {
  readonly algorithm: KeyAlgorithm;
  readonly key: KeyObject;
  readonly publicKey: PublicKey;
}

/** algorithmOf names the Sigil algorithm of a node KeyObject, or throws KEY_UNSUPPORTED_ALGORITHM. */
export function algorithmOf(key: KeyObject): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ecdsa-p256';
  const what =
    key.asymmetricKeyType === 'ec'
      ? `ec ${key.asymmetricKeyDetails?.namedCurve}`
      : String(key.asymmetricKeyType);
  throw new InputError(
    'KEY_UNSUPPORTED_ALGORITHM',
    `unsupported key algorithm ${what} (expected ed25519 or ecdsa-p256)`,
  );
}

// A key's DER SPKI, exported once per KeyObject (an export costs as much as a verify).
const derOf = new WeakMap<KeyObject, Buffer>();

/** spkiDer is the DER SubjectPublicKeyInfo of a public key (a fresh copy; exported once per key). */
export function spkiDer(key: KeyObject): Buffer {
  let der = derOf.get(key);
  if (!der) derOf.set(key, (der = key.export({ type: 'spki', format: 'der' })));
  return Buffer.from(der);
}

/** spkiPem is the PEM SubjectPublicKeyInfo of a public key, as node's export writes it (exported once per key). */
export function spkiPem(key: KeyObject): string {
  const lines =
    spkiDer(key)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** keyIdOf is the hex SHA-256 of the key's DER SPKI: Sigil's key id. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256').update(spkiDer(key)).digest('hex');
}

/** npmKeyId is the same hash in npm's form, `SHA256:<base64>` (as /-/npm/v1/keys lists it). */
export function npmKeyId(keyIdHex: string): string {
  return `SHA256:${Buffer.from(keyIdHex, 'hex').toString('base64')}`;
}

/** toPublicKey wraps a node public KeyObject. */
export function toPublicKey(key: KeyObject): PublicKey {
  return { algorithm: algorithmOf(key), key, keyId: keyIdOf(key) };
}

// ---- parsing keys once -------------------------------------------------
//
// Importing a PEM or DER SPKI costs as much CPU as an Ed25519 verify, and
// exporting it again for its key id as much again; a lockfile check sees the
// same author and registry keys thousands of times. Canonical Ed25519 and
// P-256 SPKIs (exactly what an export writes) are imported as JWK (a tenth of
// the cost) and their id is the hash of the DER in hand; parsed keys are
// remembered per process by their exact text, so each key is parsed once and
// every caller shares one KeyObject. Anything else takes node's parser, with
// its errors; failures are never remembered.

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const P256_SPKI_PREFIX = Buffer.from(
  '3059301306072a8648ce3d020106082a8648ce3d03010703420004',
  'hex',
);
const PARSED_MAX = 50_000;
const parsedPems = new Map<string, PublicKey>();
const parsedDers = new Map<string, PublicKey>();
const CANONICAL_PEM =
  /^-----BEGIN PUBLIC KEY-----\r?\n((?:[A-Za-z0-9+/]{64}\r?\n)*[A-Za-z0-9+/]{1,63}={0,2}\r?\n)-----END PUBLIC KEY-----\r?\n?$/;

function remember(cache: Map<string, PublicKey>, text: string, key: PublicKey): PublicKey {
  if (cache.size >= PARSED_MAX) cache.clear();
  cache.set(text, key);
  return key;
}

/** canonicalSpki imports an SPKI that is byte-for-byte what node would export for an Ed25519 or P-256 key; undefined otherwise. */
function canonicalSpki(der: Buffer): PublicKey | undefined {
  let key: KeyObject;
  let algorithm: KeyAlgorithm;
  if (der.length === 44 && der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) {
    key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: der.subarray(12).toString('base64url') },
      format: 'jwk',
    });
    algorithm = 'ed25519';
  } else if (der.length === 91 && der.subarray(0, 27).equals(P256_SPKI_PREFIX)) {
    // node checks that the point is on the curve, as it does for DER.
    key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: der.subarray(27, 59).toString('base64url'),
        y: der.subarray(59).toString('base64url'),
      },
      format: 'jwk',
    });
    algorithm = 'ecdsa-p256';
  } else {
    return undefined;
  }
  derOf.set(key, Buffer.from(der));
  return { algorithm, key, keyId: createHash('sha256').update(der).digest('hex') };
}

/**
 * publicKeyFromDer parses a DER SubjectPublicKeyInfo, once per process. Throws
 * what node:crypto throws for a malformed key, and KEY_UNSUPPORTED_ALGORITHM.
 */
export function publicKeyFromDer(der: Uint8Array): PublicKey {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const text = buf.toString('base64');
  const hit = parsedDers.get(text);
  if (hit) return hit;
  return remember(
    parsedDers,
    text,
    canonicalSpki(buf) ?? toPublicKey(createPublicKey({ key: buf, format: 'der', type: 'spki' })),
  );
}

/**
 * publicKeyFromSpkiPem parses a PUBLIC KEY PEM block, once per process (the
 * same PublicKey object for the same text). Throws what node:crypto throws for
 * a malformed key, and KEY_UNSUPPORTED_ALGORITHM.
 */
export function publicKeyFromSpkiPem(pem: string): PublicKey {
  const hit = parsedPems.get(pem);
  if (hit) return hit;
  const m = CANONICAL_PEM.exec(pem);
  const fast = m ? canonicalSpki(Buffer.from(m[1]!, 'base64')) : undefined;
  return remember(
    parsedPems,
    pem,
    fast ?? toPublicKey(createPublicKey({ key: pem, format: 'pem' })),
  );
}

/** toPrivateKey wraps a node private KeyObject. */
export function toPrivateKey(key: KeyObject): PrivateKey {
  return { algorithm: algorithmOf(key), key, publicKey: toPublicKey(createPublicKey(key)) };
}

/** generateKey makes a new key pair. */
export function generateKey(algorithm: KeyAlgorithm = 'ed25519'): PrivateKey {
  const { privateKey } =
    algorithm === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return toPrivateKey(privateKey);
}

/**
 * signBytes signs a message. Ed25519 signs the message itself; ECDSA P-256
 * signs its SHA-256 and returns a DER signature (what sigstore-js, npm and
 * DSSE verifiers expect).
 */
export function signBytes(key: PrivateKey, message: Uint8Array): Buffer {
  return cryptoSign(key.algorithm === 'ed25519' ? null : 'sha256', message, key.key);
}

/** verifyBytes checks a signature made by signBytes; false (never a throw) for malformed signatures. */
export function verifyBytes(key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify(key.algorithm === 'ed25519' ? null : 'sha256', message, key.key, signature);
  } catch {
    return false;
  }
}

// ---- key files ----------------------------------------------------------

/** KeyFileInfo is what the `#` comment lines of a key file say. */
export interface KeyFileInfo {
  readonly kind: 'private' | 'public';
  readonly algorithm: KeyAlgorithm;
  readonly keyId: string;
  readonly created: string;
  readonly encrypted: boolean;
}

function header(
  kind: 'private' | 'public',
  key: PublicKey,
  created: Date,
  encrypted: boolean,
): string {
  return [
    `# sigil ${key.algorithm} ${kind} key${kind === 'private' ? (encrypted ? ' (encrypted)' : ' (NOT encrypted)') : ''}`,
    `# created: ${created.toISOString()}`,
    `# algorithm: ${key.algorithm}`,
    `# key id: ${key.keyId}`,
    `# npm key id: ${npmKeyId(key.keyId)}`,
    '',
  ].join('\n');
}

/** formatPublicKeyFile renders a public key file: comments, then PEM SPKI. */
export function formatPublicKeyFile(key: PublicKey, created = new Date()): string {
  return (
    header('public', key, created, false) + String(key.key.export({ type: 'spki', format: 'pem' }))
  );
}

/**
 * formatPrivateKeyFile renders a private key file: comments, then PKCS#8 PEM,
 * encrypted with the passphrase (AES-256-CBC, PBES2). A missing passphrase is
 * refused unless `unencrypted` says the caller really means it.
 */
export function formatPrivateKeyFile(
  key: PrivateKey,
  options: { passphrase?: string; unencrypted?: boolean; created?: Date },
): string {
  const created = options.created ?? new Date();
  if (options.passphrase === undefined || options.passphrase === '') {
    if (!options.unencrypted) {
      throw new InputError(
        'KEY_PASSPHRASE_REQUIRED',
        'refusing to write an unencrypted private key',
        {
          hint: 'set SIGIL_PASSPHRASE, type a passphrase at the prompt, or pass --unencrypted if you really want a plain key',
        },
      );
    }
    return (
      header('private', key.publicKey, created, false) +
      String(key.key.export({ type: 'pkcs8', format: 'pem' }))
    );
  }
  const pem = key.key.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: options.passphrase,
  });
  return header('private', key.publicKey, created, true) + String(pem);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/;

/** keyFileKind tells, without a passphrase, whether a key file holds a public, private or encrypted private key. */
export function keyFileKind(
  text: string,
  file = 'key file',
): 'public' | 'private' | 'encrypted-private' {
  const m = PEM_BLOCK.exec(text);
  if (!m) {
    throw new InputError('KEY_FILE_INVALID', `${file} holds no PEM key block`, {
      file,
      hint: 'key files are made by `sigil keygen`, or are PEM SPKI / PKCS#8 files from openssl',
    });
  }
  switch (m[1]) {
    case 'PUBLIC KEY':
      return 'public';
    case 'PRIVATE KEY':
      return 'private';
    case 'ENCRYPTED PRIVATE KEY':
      return 'encrypted-private';
    default:
      throw new InputError(
        'KEY_FILE_INVALID',
        `${file} holds a "${m[1]}" PEM block (expected PUBLIC KEY, PRIVATE KEY or ENCRYPTED PRIVATE KEY)`,
        {
          file,
          hint: 'convert it with `openssl pkey -in KEY -out key.pem` (PKCS#8) or `openssl pkey -pubout` (SPKI)',
        },
      );
  }
}

/** parsePublicKeyFile reads a public key; given a private key file it says so. */
export function parsePublicKeyFile(text: string, file = 'key file'): PublicKey {
  const kind = keyFileKind(text, file);
  if (kind !== 'public') {
    throw new InputError('KEY_WRONG_KIND', `${file} is a private key, expected a public key`, {
      file,
      hint: 'verify with the .pub file that `sigil keygen` wrote beside the private key; never share the private key',
    });
  }
  try {
    return toPublicKey(createPublicKey({ key: PEM_BLOCK.exec(text)![0], format: 'pem' }));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      'KEY_FILE_INVALID',
      `${file}: the PUBLIC KEY block does not decode (${(e as Error).message})`,
      { file, cause: e },
    );
  }
}

/** parsePrivateKeyFile reads a private key, decrypting it with the passphrase when it is encrypted. */
export function parsePrivateKeyFile(
  text: string,
  options: { passphrase?: string; file?: string } = {},
): PrivateKey {
  const file = options.file ?? 'key file';
  const kind = keyFileKind(text, file);
  if (kind === 'public') {
    throw new InputError(
      'KEY_WRONG_KIND',
      `${file} is a public key, expected a private key to sign with`,
      {
        file,
        hint: 'sign with the .key file that `sigil keygen` wrote; the .pub file is for verifying',
      },
    );
  }
  const pem = PEM_BLOCK.exec(text)![0];
  if (
    kind === 'encrypted-private' &&
    (options.passphrase === undefined || options.passphrase === '')
  ) {
    throw new InputError(
      'KEY_PASSPHRASE_REQUIRED',
      `${file} is encrypted and no passphrase was given`,
      {
        file,
        hint: 'set SIGIL_PASSPHRASE or run from a terminal to be prompted',
      },
    );
  }
  let key: KeyObject;
  try {
    key =
      kind === 'encrypted-private'
        ? createPrivateKey({ key: pem, format: 'pem', passphrase: options.passphrase! })
        : createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    if (kind === 'encrypted-private') {
      throw new InputError('KEY_PASSPHRASE_WRONG', `cannot decrypt ${file}: wrong passphrase`, {
        file,
        cause: e,
        hint: 'check SIGIL_PASSPHRASE; a lost passphrase cannot be recovered — make a new key and rotate to it',
      });
    }
    throw new InputError(
      'KEY_FILE_INVALID',
      `${file}: the PRIVATE KEY block does not decode (${(e as Error).message})`,
      { file, cause: e },
    );
  }
  return toPrivateKey(key);
}

/** readKeyFileInfo reads the `#` comment lines of a key file (for listings); missing lines give undefined. */
export function readKeyFileInfo(text: string): Partial<KeyFileInfo> {
  const info: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^#\s*([a-z ]+):\s*(.+)$/.exec(line.trim());
    if (m) info[m[1]!] = m[2]!;
  }
  const out: { -readonly [K in keyof KeyFileInfo]?: KeyFileInfo[K] } = {};
  if (info['algorithm'] === 'ed25519' || info['algorithm'] === 'ecdsa-p256')
    out.algorithm = info['algorithm'];
  if (info['key id']) out.keyId = info['key id'];
  if (info['created']) out.created = info['created'];
  return out;
}
