import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import {
  formatPrivateKeyFile,
  formatPublicKeyFile,
  generateKey,
  KEY_ALGORITHMS,
  keyFileKind,
  npmKeyId,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  readKeyFileInfo,
  signBytes,
  verifyBytes,
} from './keys.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

describe.each(KEY_ALGORITHMS)('%s keys', (algorithm) => {
  const key = generateKey(algorithm);

  it('key id is the SHA-256 of the DER SPKI, as openssl computes it', () => {
    if (!hasOpenssl()) {
      if (process.env['CI'] === 'true') throw new Error('openssl is required in CI');
      console.warn('skipping openssl cross-check: openssl not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'sigil-keys-'));
    const pubFile = join(dir, 'k.pub');
    writeFileSync(pubFile, formatPublicKeyFile(key.publicKey));
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pubFile, '-outform', 'DER']);
    const viaOpenssl = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der })
      .toString()
      .split(' ')[0];
    expect(key.publicKey.keyId).toBe(viaOpenssl);
  });

  it('npm key id is SHA256:<base64> of the same hash', () => {
    expect(npmKeyId(key.publicKey.keyId)).toBe(
      `SHA256:${Buffer.from(key.publicKey.keyId, 'hex').toString('base64')}`,
    );
  });

  it('encrypted private key files round-trip and identify themselves', () => {
    const text = formatPrivateKeyFile(key, { passphrase: 'pw' });
    expect(keyFileKind(text)).toBe('encrypted-private');
    expect(text).toContain(`# key id: ${key.publicKey.keyId}`);
    expect(readKeyFileInfo(text)).toMatchObject({ algorithm, keyId: key.publicKey.keyId });
    const back = parsePrivateKeyFile(text, { passphrase: 'pw' });
    expect(back.publicKey.keyId).toBe(key.publicKey.keyId);
    const sig = signBytes(back, Buffer.from('m'));
    expect(verifyBytes(key.publicKey, Buffer.from('m'), sig)).toBe(true);
  });

  it('refuses a wrong passphrase, a missing one, and an unencrypted write without consent', () => {
    const text = formatPrivateKeyFile(key, { passphrase: 'pw' });
    expect(() => parsePrivateKeyFile(text, { passphrase: 'nope', file: 'k.key' })).toThrow(
      /cannot decrypt k.key: wrong passphrase/,
    );
    expect(() => parsePrivateKeyFile(text, { file: 'k.key' })).toThrow(
      expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }),
    );
    expect(() => formatPrivateKeyFile(key, {})).toThrow(
      /refusing to write an unencrypted private key/,
    );
    const plain = formatPrivateKeyFile(key, { unencrypted: true });
    expect(keyFileKind(plain)).toBe('private');
    expect(parsePrivateKeyFile(plain).publicKey.keyId).toBe(key.publicKey.keyId);
  });

  it('says which kind a file is when the wrong kind is given', () => {
    const pub = formatPublicKeyFile(key.publicKey);
    const priv = formatPrivateKeyFile(key, { passphrase: 'pw' });
    expect(() => parsePrivateKeyFile(pub, { file: 'a.pub' })).toThrow(
      /a.pub is a public key, expected a private key/,
    );
    expect(() => parsePublicKeyFile(priv, 'a.key')).toThrow(
      /a.key is a private key, expected a public key/,
    );
    expect(parsePublicKeyFile(pub).keyId).toBe(key.publicKey.keyId);
  });
});

describe('key files that are not keys', () => {
  it.each([
    ['empty', ''],
    ['garbage', 'hello world'],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    ['a broken PEM body', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'],
  ])('%s gives an InputError', (_what, text) => {
    expect(() => parsePublicKeyFile(text, 'x.pub')).toThrow(InputError);
  });

  it('an RSA key is refused as an unsupported algorithm', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parsePublicKeyFile(pem, 'rsa.pub')).toThrow(/unsupported key algorithm rsa/);
  });
});
