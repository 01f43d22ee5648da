// RubyGems: gems built and signed by Debian's own `gem` (gem cert --build, gem build with
// signing_key/cert_chain), verified by Sigil, and compared with `gem install -P HighSecurity`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGemTar, verifyGem, verifyGemFile } from '../../src/foreign/rubygems/index.js';
import { firstFailure, type VerificationResult } from '../../src/core/verdict.js';
import { inCI, toolStatus } from './tools.js';

const gemTool = toolStatus('gem');

const failures = (r: VerificationResult) =>
  r.checks.filter((c) => c.status === 'fail').map((c) => c.code);

/** A minimal ustar writer, for hand-made hostile gems. */
function tar(members: { name: string; data: Uint8Array; type?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const h = Buffer.alloc(512);
    h.write(m.name, 0, 100);
    h.write('0000444\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(m.data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(m.type ?? '0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, Buffer.from(m.data), Buffer.alloc((512 - (m.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('RubyGems: hand-made and hostile input', () => {
  const spec =
    '--- !ruby/object:Gem::Specification\nname: hand\nversion: !ruby/object:Gem::Version\n  version: 1.0.0\ncert_chain: []\n';
  const unsigned = tar([
    { name: 'metadata.gz', data: gzipSync(spec) },
    { name: 'data.tar.gz', data: gzipSync(Buffer.alloc(1024)) },
  ]);

  it('reports an unsigned gem as unsigned (fail under HighSecurity, warn under MediumSecurity)', async () => {
    const high = await verifyGem(unsigned, { trustedCerts: [] });
    expect(high.ok).toBe(false);
    expect(firstFailure(high)?.code).toBe('GEM_UNSIGNED');
    const medium = await verifyGem(unsigned, { trustedCerts: [], policy: 'MediumSecurity' });
    expect(medium.ok).toBe(true);
    expect(medium.checks.find((c) => c.code === 'GEM_UNSIGNED')?.status).toBe('warn');
  });

  it('turns garbage, truncation, non-tar and bad members into verdicts', async () => {
    const cases: [string, Uint8Array, string][] = [
      ['empty', new Uint8Array(0), 'TAR_MALFORMED'],
      ['text', Buffer.from('hello, I am not a gem'), 'TAR_MALFORMED'],
      ['zip', Buffer.from('PK\x03\x04' + 'x'.repeat(600)), 'TAR_MALFORMED'],
      ['truncated', unsigned.subarray(0, 700), 'TAR_MALFORMED'],
      ['no metadata', tar([{ name: 'data.tar.gz', data: gzipSync('x') }]), 'GEM_MALFORMED'],
      ['no data', tar([{ name: 'metadata.gz', data: gzipSync(spec) }]), 'GEM_MALFORMED'],
      [
        'metadata not gzip',
        tar([
          { name: 'metadata.gz', data: Buffer.from('plain') },
          { name: 'data.tar.gz', data: gzipSync('x') },
        ]),
        'GEM_MALFORMED',
      ],
      [
        'metadata not yaml',
        tar([
          { name: 'metadata.gz', data: gzipSync('{[: :') },
          { name: 'data.tar.gz', data: gzipSync('x') },
        ]),
        'GEM_MALFORMED',
      ],
      [
        // The name RubyGems reads (PaxHeader entry, then "evil") differs from the pax path: refused.
        'pax extended header',
        tar([
          { name: 'PaxHeader/x', data: Buffer.from('20 path=metadata.gz\n'), type: 'x' },
          { name: 'evil', data: gzipSync(spec) },
          { name: 'data.tar.gz', data: gzipSync('x') },
        ]),
        'TAR_MALFORMED',
      ],
      [
        // "./metadata.gz" is not metadata.gz to RubyGems; a reader that normalized it would be fooled.
        'dot-slash name',
        tar([
          { name: 'metadata.gz', data: gzipSync(spec) },
          { name: './metadata.gz', data: gzipSync(spec.replace('hand', 'evil')) },
          { name: 'data.tar.gz', data: gzipSync('x') },
        ]),
        'TAR_MALFORMED',
      ],
      [
        'symlink member',
        tar([{ name: 'metadata.gz', data: new Uint8Array(0), type: '2' }]),
        'TAR_MALFORMED',
      ],
      [
        'checksums garbage',
        tar([
          { name: 'metadata.gz', data: gzipSync(spec) },
          { name: 'data.tar.gz', data: gzipSync('x') },
          { name: 'checksums.yaml.gz', data: gzipSync('- a\n- b\n') },
        ]),
        'GEM_MALFORMED',
      ],
    ];
    for (const [what, bytes, code] of cases) {
      const r = await verifyGem(bytes, { trustedCerts: [] });
      expect(r.ok, what).toBe(false);
      expect(firstFailure(r)?.code, what).toBe(code);
    }
  });

  it('refuses duplicate members and a corrupt data.tar.gz', async () => {
    const dup = tar([
      { name: 'metadata.gz', data: gzipSync(spec) },
      { name: 'data.tar.gz', data: gzipSync('a') },
      { name: 'data.tar.gz', data: Buffer.from('not gzip') },
    ]);
    expect(failures(await verifyGem(dup, { trustedCerts: [] }))).toEqual(
      expect.arrayContaining(['GEM_DUPLICATE_MEMBER', 'GEM_CONTENT_CORRUPT']),
    );
  });

  it('never throws on arbitrary bytes or mutated gems (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect((await verifyGem(bytes, { trustedCerts: [] })).ok).toBe(false);
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(unsigned.length - 1),
        fc.integer({ min: 1, max: 255 }),
        async (at, x) => {
          const copy = Buffer.from(unsigned);
          copy[at]! ^= x;
          await verifyGem(copy, { trustedCerts: [] });
        },
      ),
    );
  });
});

describe.skipIf(!gemTool.available)('RubyGems: gems signed by the real gem command', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const gem = (cwd: string, ...args: string[]) =>
    execFileSync('gem', args, { cwd, env, stdio: 'pipe', timeout: 60_000 }).toString();

  // Paths filled in beforeAll.
  let selfSigned: string, selfCert: string;
  let chained: string, rootCert: string;
  let unsignedGem: string;

  function buildGem(cwd: string, name: string, signing?: { key: string; chain: string[] }): string {
    mkdirSync(join(cwd, 'lib'), { recursive: true });
    writeFileSync(
      join(cwd, 'lib', `${name}.rb`),
      `module ${name[0]!.toUpperCase()}${name.slice(1)}; end\n`,
    );
    const signingLines = signing
      ? `  s.signing_key = ${JSON.stringify(signing.key)}\n  s.cert_chain = ${JSON.stringify(signing.chain)}\n`
      : '';
    writeFileSync(
      join(cwd, `${name}.gemspec`),
      `Gem::Specification.new do |s|\n  s.name = '${name}'\n  s.version = '0.1.0'\n  s.summary = 'test'\n  s.authors = ['sigil']\n  s.license = 'MIT'\n  s.files = ['lib/${name}.rb']\n${signingLines}end\n`,
    );
    gem(cwd, 'build', `${name}.gemspec`);
    return join(cwd, `${name}-0.1.0.gem`);
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-gem-'));
    mkdirSync(join(dir, 'home'));
    env = {
      ...process.env,
      HOME: join(dir, 'home'),
      GEM_HOME: join(dir, 'gemhome'),
      LC_ALL: 'C.UTF-8',
    };

    // 1. Self-signed author certificate (the common case).
    const a = join(dir, 'self');
    mkdirSync(a);
    gem(a, 'cert', '--build', 'dev@example.com', '--days', '30');
    selfCert = join(a, 'gem-public_cert.pem');
    selfSigned = buildGem(a, 'tiny', { key: join(a, 'gem-private_key.pem'), chain: [selfCert] });

    // 2. A two-certificate chain: a root CA certifies the author's certificate (gem cert --sign).
    const r = join(dir, 'root');
    const l = join(dir, 'leaf');
    mkdirSync(r);
    mkdirSync(l);
    gem(r, 'cert', '--build', 'ca@example.com', '--days', '60');
    gem(l, 'cert', '--build', 'author@example.com', '--days', '30');
    rootCert = join(r, 'gem-public_cert.pem');
    gem(
      l,
      'cert',
      '-C',
      rootCert,
      '-K',
      join(r, 'gem-private_key.pem'),
      '--sign',
      join(l, 'gem-public_cert.pem'),
    );
    chained = buildGem(l, 'chained', {
      key: join(l, 'gem-private_key.pem'),
      chain: [rootCert, join(l, 'gem-public_cert.pem')],
    });

    // 3. Unsigned.
    const u = join(dir, 'unsigned');
    mkdirSync(u);
    unsignedGem = buildGem(u, 'plain');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a self-signed gem whose certificate is trusted', async () => {
    const r = await verifyGemFile(selfSigned, { trustedCerts: [readFileSync(selfCert, 'utf8')] });
    expect(failures(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.code === 'GEM_SIGNATURES_VALID')?.detail?.['members']).toEqual([
      'metadata.gz',
      'data.tar.gz',
      'checksums.yaml.gz',
    ]);
  });

  it('says "not trusted" (no key), not "bad", when the root is unknown', async () => {
    const r = await verifyGem(readFileSync(selfSigned), {
      trustedCerts: [readFileSync(rootCert, 'utf8')],
    });
    expect(failures(r)).toEqual(['GEM_ROOT_UNTRUSTED']);
    expect(r.checks.find((c) => c.name === 'signature')?.status).toBe('pass');
  });

  it('verifies a two-certificate chain up to a trusted root, and refuses it with only the leaf trusted', async () => {
    const bytes = readFileSync(chained);
    const good = await verifyGem(bytes, { trustedCerts: [readFileSync(rootCert, 'utf8')] });
    expect(failures(good)).toEqual([]);
    expect(good.checks.find((c) => c.code === 'GEM_CHAIN_VALID')?.reason).toMatch(/chain of 2/);
    const leafOnly = await verifyGem(bytes, {
      trustedCerts: [readFileSync(join(dir, 'leaf', 'gem-public_cert.pem'), 'utf8')],
    });
    expect(failures(leafOnly)).toEqual(['GEM_ROOT_UNTRUSTED']);
  });

  it('fails when the certificate has expired at verification time', async () => {
    const later = new Date(Date.now() + 400 * 24 * 3600 * 1000);
    const r = await verifyGem(readFileSync(selfSigned), {
      trustedCerts: [readFileSync(selfCert, 'utf8')],
      now: later,
    });
    expect(failures(r)).toContain('GEM_CERT_EXPIRED');
  });

  it('fails on a tampered member, a swapped signature and a signature for a member that is gone', async () => {
    const trust = { trustedCerts: [readFileSync(selfCert, 'utf8')] };
    const original = readFileSync(selfSigned);
    const members = await readGemTar(original);
    // Where a member's bytes start in the file (the reader copies them out).
    const offsetOf = (name: string) => original.indexOf(members.find((m) => m.name === name)!.data);

    // 1. One byte of data.tar.gz flipped: checksum, gzip CRC and signature all catch it.
    const flipped = Buffer.from(original);
    flipped[offsetOf('data.tar.gz') + 20]! ^= 0x01;
    const f = failures(await verifyGem(flipped, trust));
    expect(f).toContain('GEM_SIGNATURE_INVALID');
    expect(f).toContain('GEM_CHECKSUM_MISMATCH');

    // 2. metadata.gz.sig replaced by data.tar.gz.sig (same size): only the signature check fails.
    const swapped = Buffer.from(original);
    const sig = members.find((m) => m.name === 'data.tar.gz.sig')!.data;
    swapped.set(sig, offsetOf('metadata.gz.sig'));
    expect(failures(await verifyGem(swapped, trust))).toEqual(['GEM_SIGNATURE_INVALID']);

    // 3. Rebuilt without checksums.yaml.gz but with its signature left behind.
    const rebuilt = tar(members.filter((m) => m.name !== 'checksums.yaml.gz'));
    expect(failures(await verifyGem(rebuilt, trust))).toEqual(['GEM_DIGEST_MISSING']);

    // 4. A signature removed: that member is unsigned.
    const stripped = tar(members.filter((m) => m.name !== 'metadata.gz.sig'));
    expect(failures(await verifyGem(stripped, trust))).toEqual(['GEM_SIGNATURE_MISSING']);
  });

  it('reports a gem built without signing_key as unsigned', async () => {
    const r = await verifyGem(readFileSync(unsignedGem), {
      trustedCerts: [readFileSync(selfCert, 'utf8')],
    });
    expect(failures(r)).toEqual(['GEM_UNSIGNED']);
  });

  it('agrees with `gem install -P HighSecurity` on trusted, untrusted, tampered and unsigned gems', async () => {
    const home = join(dir, 'policy-home');
    mkdirSync(home, { recursive: true });
    const penv = { ...env, HOME: home };
    const install = (file: string) =>
      spawnSync(
        'gem',
        [
          'install',
          '--local',
          '-P',
          'HighSecurity',
          '--install-dir',
          join(dir, 'inst'),
          '--no-document',
          file,
        ],
        { env: penv, stdio: 'pipe', timeout: 60_000 },
      ).status === 0;

    const tampered = join(dir, 'tampered.gem');
    const t = Buffer.from(readFileSync(selfSigned));
    const swapped = await readGemTar(readFileSync(selfSigned));
    t.set(
      swapped.find((m) => m.name === 'data.tar.gz.sig')!.data,
      t.indexOf(swapped.find((m) => m.name === 'metadata.gz.sig')!.data),
    );
    writeFileSync(tampered, t);

    const sigil = async (file: string, trusted: string[]) =>
      (
        await verifyGem(readFileSync(file), {
          trustedCerts: trusted.map((p) => readFileSync(p, 'utf8')),
        })
      ).ok;

    // Nothing trusted yet.
    expect([install(selfSigned), await sigil(selfSigned, [])]).toEqual([false, false]);
    // Trust the author's certificate the RubyGems way.
    execFileSync('gem', ['cert', '--add', selfCert], { env: penv, stdio: 'pipe' });
    expect([install(selfSigned), await sigil(selfSigned, [selfCert])]).toEqual([true, true]);
    expect([install(tampered), await sigil(tampered, [selfCert])]).toEqual([false, false]);
    expect([install(unsignedGem), await sigil(unsignedGem, [selfCert])]).toEqual([false, false]);
    expect([install(chained), await sigil(chained, [selfCert])]).toEqual([false, false]);
    execFileSync('gem', ['cert', '--add', rootCert], { env: penv, stdio: 'pipe' });
    expect([install(chained), await sigil(chained, [selfCert, rootCert])]).toEqual([true, true]);
  });
});

describe('RubyGems: test environment', () => {
  it('has the gem command under CI', async () => {
    expect(gemTool.available || !inCI, gemTool.why).toBe(true);
  });
});
