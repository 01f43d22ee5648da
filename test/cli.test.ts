// The CLI end to end: keygen, sign, verify on real npm tarballs and generic files,
// and every bad input of the foundation issue — a clear message, the right exit
// code, no stack trace, nothing written half-way.
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../src/core/bundle.js';
import { digestBytes } from '../src/core/digest.js';
import { parsePrivateKeyFile } from '../src/core/keys.js';
import { signRelease } from '../src/core/sign.js';
import { runCli, runSigilProcess, type CliRun } from './helpers/cli.js';
import { npmPack, type Packed } from './helpers/npm-pack.js';

const PASS = 'correct horse battery staple';
let dir: string;
let priv: string;
let pub: string;
let pkg: Packed;

function expectNoStack(r: CliRun): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const line of r.stderr.trim().split('\n').filter(Boolean))
    expect(line).toMatch(/^sigil: (error|hint|warning): |^\r/);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-cli-'));
  const kg = await runCli(['keygen', '--out', join(dir, 'keys'), '--json']);
  expect(kg.code).toBe(0);
  ({ privateKey: priv, publicKey: pub } = JSON.parse(kg.stdout));
  pkg = npmPack(dir, { name: 'left-pad', version: '1.3.0' });
});

describe('sigil keygen', () => {
  it('writes an encrypted 0600 private key and a public key that identify themselves', async () => {
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    const text = readFileSync(priv, 'utf8');
    expect(text).toMatch(/^# sigil ed25519 private key \(encrypted\)\n# created: \d{4}-/);
    expect(text).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(parsePrivateKeyFile(text, { passphrase: PASS }).algorithm).toBe('ed25519');
    expect(readFileSync(pub, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('makes ECDSA P-256 keys too', async () => {
    const r = await runCli(['keygen', '-a', 'ecdsa-p256', '--out', join(dir, 'ec'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).algorithm).toBe('ecdsa-p256');
  });

  it('refuses to write an unencrypted key without --unencrypted', async () => {
    const out = join(dir, 'nopass');
    const r = await runCli(['keygen', '--out', out], { SIGIL_PASSPHRASE: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /sigil: error: refusing to write an unencrypted private key\nsigil: hint: .*--unencrypted/,
    );
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    const ok = await runCli(['keygen', '--out', out, '--unencrypted'], { SIGIL_PASSPHRASE: '' });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/sigil: warning: .* is not encrypted/);
  });

  it('rejects an unknown algorithm', async () => {
    const r = await runCli(['keygen', '-a', 'rsa']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-a/--algorithm must be ed25519 or ecdsa-p256, not "rsa"');
  });
});

describe('sign and verify', () => {
  it('round-trips an npm pack tarball', async () => {
    const s = await runCli(['sign', pkg.path, '--key', priv]);
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(
      `signed pkg:npm/left-pad@1.3.0  ${pkg.integrity}  →  ${pkg.path}.sigstore.json\n`,
    );
    const v = await runCli(['verify', pkg.path, '--key', pub]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^pkg:npm\/left-pad@1\.3\.0\n(  ✔ .*\n){5}verified\n$/);
  });

  it('round-trips a generic file, and a keyring folder works as trust', async () => {
    const f = join(dir, 'tool-linux-amd64');
    writeFileSync(f, Buffer.alloc(100_000, 7));
    expect(
      (await runCli(['sign', f, '--key', priv, '--name', 'tool', '--version', '2.0.0'])).code,
    ).toBe(0);
    const v = await runCli([
      'verify',
      f,
      '--keyring',
      join(dir, 'keys'),
      '--name',
      'tool',
      '--version',
      '2.0.0',
      '--json',
    ]);
    expect(v.code).toBe(0);
    const j = JSON.parse(v.stdout);
    expect(j.ok).toBe(true);
    expect(j.subject).toBe('pkg:generic/tool@2.0.0');
    // without --name/--version the bytes and signature are still checked; the name is skipped, not passed
    const loose = await runCli(['verify', f, '--key', pub, '--json']);
    expect(loose.code).toBe(0);
    expect(
      JSON.parse(loose.stdout).checks.find((c: { name: string }) => c.name === 'purl').status,
    ).toBe('skip');
    // claiming another version fails on the purl
    const wrong = await runCli(['verify', f, '--key', pub, '--name', 'tool', '--version', '2.0.1']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(
      /✘ purl +the bundle was made for pkg:generic\/tool@2\.0\.0, but tool-linux-amd64 is pkg:generic\/tool@2\.0\.1/,
    );
  });

  it('fails a tampered artifact with exit 1 and says so', async () => {
    await runCli(['sign', pkg.path, '--key', priv]);
    const tampered = join(dir, 'tampered.tgz');
    const bytes = readFileSync(pkg.path);
    bytes[bytes.length - 10]! ^= 0x01;
    writeFileSync(tampered, bytes);
    const v = await runCli([
      'verify',
      tampered,
      '--bundle',
      `${pkg.path}.sigstore.json`,
      '--key',
      pub,
    ]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(
      /✘ subject +tampered\.tgz is not the artifact that was signed: sha512 of the file is/,
    );
    expect(v.stderr).toBe('sigil: error: tampered.tgz is not the artifact that was signed\n');
  });

  it('fails a tampered DSSE payload', async () => {
    const b = JSON.parse(readFileSync(`${pkg.path}.sigstore.json`, 'utf8'));
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString());
    st.predicate.metadata = { injected: true };
    b.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify(b));
    const v = await runCli(['verify', pkg.path, '--bundle', forged, '--key', pub]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/✘ signature +the signature does not verify with key/);
  });

  it('fails a signature by another key', async () => {
    const other = JSON.parse(
      (await runCli(['keygen', '--out', join(dir, 'other'), '--json'])).stdout,
    );
    const v = await runCli(['verify', pkg.path, '--key', other.publicKey]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(
      /✘ signature +signed by key .+, which is not among the 1 trusted key\(s\)/,
    );
  });

  it('fails a bundle made for another package or version', async () => {
    const digests = digestBytes(readFileSync(pkg.path));
    const key = parsePrivateKeyFile(readFileSync(priv, 'utf8'), { passphrase: PASS });
    for (const purl of ['pkg:npm/left-pad@1.3.1', 'pkg:npm/right-pad@1.3.0']) {
      const f = join(dir, `wrong-${purl.replace(/\W/g, '_')}.json`);
      writeFileSync(f, serializeBundle(signRelease({ purl, digests, key })));
      const v = await runCli(['verify', pkg.path, '--bundle', f, '--key', pub]);
      expect(v.code).toBe(1);
      expect(v.stderr).toContain(`the bundle was made for ${purl}, but`);
    }
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, 200), /not valid JSON \(the file looks truncated\)/, 1],
    ['not JSON', () => '{ this is not json }', /is not a Sigstore bundle: not valid JSON/, 1],
    // Binary data is no bundle at all: an input error (exit 2), and none of its bytes reach the terminal.
    [
      'binary',
      () => 'PK\u0003\u0004 binary junk',
      /is not a JSON Sigstore bundle: it holds binary data/,
      2,
    ],
    [
      'of an unknown media type',
      (t: string) =>
        t.replace('application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.example+json'),
      /mediaType "application\/vnd.example\+json" \(expected application\/vnd.dev.sigstore.bundle.v0.3\+json\)/,
      1,
    ],
  ] as const)(
    'fails a bundle that is %s, naming the file',
    async (_what, mutate, message, code) => {
      const f = join(dir, `bad-${_what.replace(/\W/g, '_')}.json`);
      writeFileSync(f, mutate(readFileSync(`${pkg.path}.sigstore.json`, 'utf8')));
      const v = await runCli(['verify', pkg.path, '--bundle', f, '--key', pub]);
      expect(v.code).toBe(code);
      expect(v.stderr).toMatch(message);
      expect(v.stderr).toContain(f);
      expectNoStack(v);
    },
  );
});

describe('bad input', () => {
  it('a key file of the wrong kind', async () => {
    const s = await runCli(['sign', pkg.path, '--key', pub]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/is a public key, expected a private key to sign with\nsigil: hint:/);
    const v = await runCli(['verify', pkg.path, '--key', priv]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/is a private key, expected a public key/);
    const junk = join(dir, 'junk.pub');
    writeFileSync(junk, 'not a key');
    expect((await runCli(['verify', pkg.path, '--key', junk])).stderr).toMatch(
      /junk\.pub holds no PEM key block/,
    );
  });

  it('a wrong passphrase writes nothing', async () => {
    const fresh = npmPack(dir, { name: 'fresh', version: '1.0.0' });
    const s = await runCli(['sign', fresh.path, '--key', priv], { SIGIL_PASSPHRASE: 'wrong' });
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/sigil: error: cannot decrypt .+: wrong passphrase/);
    expect(existsSync(`${fresh.path}.sigstore.json`)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('npm tarballs without package.json, with invalid JSON or with ../ entries are refused before signing', async () => {
    const { buildTgz } = await import('./helpers/tar-builder.js');
    const cases: [string, Parameters<typeof buildTgz>[0], RegExp][] = [
      [
        'nopkg.tgz',
        [{ name: 'package/index.js', content: 'x' }],
        /has no package.json in its top folder/,
      ],
      [
        'badjson.tgz',
        [{ name: 'package/package.json', content: '{oops' }],
        /package\/package.json is not valid JSON/,
      ],
      [
        'escape.tgz',
        [
          { name: 'package/package.json', content: '{"name":"a","version":"1.0.0"}' },
          { name: '../../etc/cron.d/x', content: 'x' },
        ],
        /climbs out of the archive/,
      ],
      [
        'link.tgz',
        [
          { name: 'package/package.json', content: '{"name":"a","version":"1.0.0"}' },
          { name: 'package/l', type: 'symlink', linkname: '/etc/passwd' },
        ],
        /points outside the archive/,
      ],
    ];
    for (const [name, items, message] of cases) {
      const f = join(dir, name);
      writeFileSync(f, buildTgz(items));
      const s = await runCli(['sign', f, '--key', priv]);
      expect(s.code, name).toBe(2);
      expect(s.stderr).toMatch(message);
      expect(existsSync(`${f}.sigstore.json`)).toBe(false);
      expectNoStack(s);
    }
  });

  it('conflicting and missing flags name the flags', async () => {
    const r = await runCli(['verify', pkg.path, '--key', pub, '--keyring', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /sigil: error: -k\/--key and --keyring can't be used together\nsigil: hint:/,
    );
    expect((await runCli(['verify', pkg.path])).stderr).toMatch(
      /no trusted keys: give -k\/--key PUB or --keyring DIR/,
    );
    expect((await runCli(['sign', pkg.path])).stderr).toMatch(
      /sigil: error: give -k\/--key FILE \(a sigil key\) or --ssh-key FILE/,
    );
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('a missing artifact, an unknown type, an unidentifiable file', async () => {
    expect((await runCli(['sign', join(dir, 'nope.tgz'), '--key', priv])).stderr).toMatch(
      /nope\.tgz: no such artifact/,
    );
    const f = join(dir, 'mystery.bin');
    writeFileSync(f, 'x');
    const r = await runCli(['sign', f, '--key', priv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /cannot tell which package manager mystery\.bin belongs to\nsigil: hint: pass --type TYPE, or --name NAME --version VERSION/,
    );
    expect((await runCli(['sign', f, '--key', priv, '--type', 'cobol'])).stderr).toMatch(
      /unknown package type "cobol"/,
    );
  });

  it('warns when a private key is readable by others', async () => {
    chmodSync(priv, 0o644);
    try {
      const s = await runCli(['sign', pkg.path, '--key', priv, '--out', join(dir, 'w.json')]);
      expect(s.code).toBe(0);
      expect(s.stderr).toMatch(/sigil: warning: .+ is readable by other users \(chmod 600 it\)/);
    } finally {
      chmodSync(priv, 0o600);
    }
  });
});

describe('the installed sigil binary', () => {
  it('exits 0, 1 and 2 as documented', () => {
    expect(runSigilProcess(['verify', pkg.path, '--key', pub]).code).toBe(0);
    const t = join(dir, 't2.tgz');
    const bytes = readFileSync(pkg.path);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(t, bytes);
    const bad = runSigilProcess([
      'verify',
      t,
      '--bundle',
      `${pkg.path}.sigstore.json`,
      '--key',
      pub,
    ]);
    expect(bad.code).toBe(1);
    const usage = runSigilProcess(['verify']);
    expect(usage.code).toBe(2);
    expectNoStack(usage);
    expect(runSigilProcess(['--help']).stdout).toContain('Examples:');
  });
});
