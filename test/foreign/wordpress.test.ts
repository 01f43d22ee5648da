// WordPress: Ed25519 over the raw SHA-384 digest, as verify_file_signature() checks it.
// Vectors are made with node:crypto; when php-cli (with its built-in sodium) is present, every
// case is cross-checked against PHP running WordPress's own algorithm.
import { generateKeyPairSync, createHash, sign, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseWordPressSignatures,
  verifyWordPressFile,
  verifyWordPressSignature,
} from '../../src/foreign/wordpress/index.js';
import { firstFailure } from '../../src/core/verdict.js';
import { inCI, toolStatus } from './tools.js';

function keypair(): { priv: KeyObject; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { priv: privateKey, pub: Buffer.from(x, 'base64url').toString('base64') };
}
const wpSign = (file: Uint8Array, priv: KeyObject) =>
  sign(null, createHash('sha384').update(file).digest(), priv).toString('base64');

const alice = keypair();
const mallory = keypair();
const file = Buffer.from('PK\x03\x04 pretend this is plugin.zip');
const good = wpSign(file, alice.priv);

/** Cases shared by the Sigil assertions and the PHP cross-check: [name, file, signatures, keys, expected ok]. */
const cases: [string, Buffer, string[], string[], boolean][] = [
  ['good', file, [good], [alice.pub], true],
  [
    'good among several keys and signatures',
    file,
    ['garbage', wpSign(file, mallory.priv), good],
    [mallory.pub.slice(4), alice.pub],
    true,
  ],
  ['tampered file', Buffer.concat([file, Buffer.from('!')]), [good], [alice.pub], false],
  [
    'signature made over the file itself, not its digest',
    file,
    [sign(null, file, alice.priv).toString('base64')],
    [alice.pub],
    false,
  ],
  ['signed by an untrusted key', file, [wpSign(file, mallory.priv)], [alice.pub], false],
  [
    'bit flipped in signature',
    file,
    [
      Buffer.from(Buffer.from(good, 'base64').map((b, i) => (i === 10 ? b ^ 1 : b))).toString(
        'base64',
      ),
    ],
    [alice.pub],
    false,
  ],
  ['no signature', file, [], [alice.pub], false],
  ['no trusted key', file, [good], [], false],
  ['bad base64 signature', file, ['!!!not base64***'], [alice.pub], false],
  ['truncated signature', file, [good.slice(0, 40)], [alice.pub], false],
  ['key of wrong length', file, [good], [Buffer.alloc(33, 1).toString('base64')], false],
  [
    'signature with stray whitespace (PHP base64_decode skips it)',
    file,
    [good.slice(0, 20) + ' \r' + good.slice(20)],
    [alice.pub],
    true,
  ],
];

describe('WordPress signatures', () => {
  it.each(cases)('%s', (_name, bytes, sigs, keys, ok) => {
    const r = verifyWordPressSignature(bytes, sigs, { trustedKeys: keys, subject: 'plugin.zip' });
    expect(r.ok).toBe(ok);
  });

  it('names the cause', () => {
    const code = (sigs: string[], keys: string[], bytes = file) =>
      firstFailure(verifyWordPressSignature(bytes, sigs, { trustedKeys: keys }))?.code;
    expect(code([], [alice.pub])).toBe('WP_SIGNATURE_MISSING');
    expect(code([good], [])).toBe('WP_NO_TRUSTED_KEYS');
    expect(code([good], ['short'])).toBe('WP_NO_TRUSTED_KEYS');
    expect(code([good], [mallory.pub])).toBe('WP_SIGNATURE_INVALID');
    const r = verifyWordPressSignature(file, ['xx', good], { trustedKeys: [alice.pub] });
    expect(r.checks.map((c) => `${c.status}:${c.code}`)).toEqual([
      'warn:WP_SIGNATURE_SKIPPED',
      'pass:WP_SIGNATURE_VALID',
    ]);
  });

  it('reads a .sig sidecar with one signature per line, and a header value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-wp-'));
    try {
      const path = join(dir, 'plugin.zip');
      writeFileSync(path, file);
      expect((await verifyWordPressFile(path, { trustedKeys: [alice.pub] })).checks[0]?.code).toBe(
        'WP_SIGNATURE_MISSING',
      );
      writeFileSync(`${path}.sig`, `${wpSign(file, mallory.priv)}\n${good}\n`);
      expect((await verifyWordPressFile(path, { trustedKeys: [alice.pub] })).ok).toBe(true);
      expect(
        (
          await verifyWordPressFile(path, {
            trustedKeys: [alice.pub],
            signatureHeader: wpSign(file, mallory.priv),
          })
        ).ok,
      ).toBe(false);
      expect(parseWordPressSignatures('a\r\n\nb\n')).toEqual(['a', 'b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never throws on arbitrary signatures and keys (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string()),
        fc.array(fc.string()),
        fc.uint8Array({ maxLength: 64 }),
        (sigs, keys, bytes) => {
          verifyWordPressSignature(bytes, sigs, { trustedKeys: keys });
        },
      ),
    );
  });
});

const php = toolStatus('php', [
  '-r',
  'exit(function_exists("sodium_crypto_sign_verify_detached") ? 0 : 1);',
]);

describe.skipIf(!php.available)('WordPress: cross-check with PHP sodium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-wp-php-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The loop of WordPress's verify_file_signature() (wp-admin/includes/file.php), verbatim in logic:
  // hash_file('sha384', raw), base64_decode (non-strict), length checks, sodium_crypto_sign_verify_detached.
  const script = `
$in = json_decode(file_get_contents($argv[1]), true);
$out = [];
foreach ($in as $c) {
  $file_hash = hash_file('sha384', $c['file'], true);
  $ok = false;
  foreach ((array) $c['signatures'] as $signature) {
    $signature_raw = base64_decode($signature);
    if (SODIUM_CRYPTO_SIGN_BYTES !== strlen($signature_raw)) continue;
    foreach ((array) $c['keys'] as $key) {
      $key_raw = base64_decode($key);
      if (SODIUM_CRYPTO_SIGN_PUBLICKEYBYTES !== strlen($key_raw)) continue;
      if (sodium_crypto_sign_verify_detached($signature_raw, $file_hash, $key_raw)) { $ok = true; break 2; }
    }
  }
  $out[] = $ok;
}
echo json_encode($out);
`;

  it('PHP gives the same verdict as Sigil on every case', () => {
    const input = cases.map(([name, bytes, signatures, keys], i) => {
      const path = join(dir, `f${i}`);
      writeFileSync(path, bytes);
      return { name, file: path, signatures, keys };
    });
    writeFileSync(join(dir, 'in.json'), JSON.stringify(input));
    writeFileSync(join(dir, 'verify.php'), `<?php\n${script}`);
    const r = spawnSync('php', [join(dir, 'verify.php'), join(dir, 'in.json')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const phpVerdicts = JSON.parse(r.stdout) as boolean[];
    const sigilVerdicts = cases.map(
      ([, bytes, sigs, keys]) => verifyWordPressSignature(bytes, sigs, { trustedKeys: keys }).ok,
    );
    expect(sigilVerdicts).toEqual(phpVerdicts);
    expect(phpVerdicts).toEqual(cases.map((c) => c[4]));
  });
});

describe('WordPress: test environment', () => {
  it('has php with sodium under CI', () => {
    expect(php.available || !inCI, php.why).toBe(true);
  });
});
