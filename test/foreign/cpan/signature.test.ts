// CPAN SIGNATURE made by the real tool: Debian's `cpansign -s`
// (libmodule-signature-perl, with gpg from `gnupg`) on a tiny distribution,
// then verified by Sigil, tampered, and checked with a wrong or empty keyring.
// Note: cpansign 0.88 signs with RIPEMD-160, which Sequoia's standard policy
// rejects (since 2013); gpgv (the legacy policy) accepts it. The key is RSA:
// OpenPGP.js refuses EdDSA over a hash shorter than 256 bits (RFC 9580 §5.2.3.3),
// which gpg's Ed25519+RIPEMD-160 cpansign signature would be.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needsProgram, skipUnlessPresent } from '../../helpers/real-program.js';
import * as tar from 'tar';
import {
  readDistDirectory,
  readDistTarball,
  verifyCpanSignature,
} from '../../../src/foreign/cpan/index.js';

const FILE = 'test/foreign/cpan/signature.test.ts';
const cpansign = needsProgram(
  'cpansign',
  ['--help'],
  'apt-get install libmodule-signature-perl',
  FILE,
);
const gpg = needsProgram('gpg', ['--version'], 'apt-get install gnupg', FILE);
const sqv = needsProgram('sqv', ['--version'], 'apt-get install sqv', FILE);

describe.skipIf(skipUnlessPresent(cpansign) || skipUnlessPresent(gpg))(
  'CPAN SIGNATURE made by cpansign -s',
  () => {
    cpansign.require();
    gpg.require();
    const home = mkdtempSync(join(tmpdir(), 'sigil-gnupg-'));
    const env = { ...process.env, GNUPGHOME: home };
    const work = mkdtempSync(join(tmpdir(), 'sigil-cpan-'));
    const dist = join(work, 'Foo-1.0');
    let keyring: Uint8Array;
    let signature: Uint8Array;

    it('cpansign -s makes a SIGNATURE', () => {
      expect(
        spawnSync(
          'gpg',
          [
            '--batch',
            '--passphrase',
            '',
            '--quick-gen-key',
            'CPAN Test <cpan@example.org>',
            'rsa3072',
            'sign',
            'never',
          ],
          { env },
        ).status,
      ).toBe(0);
      keyring = new Uint8Array(spawnSync('gpg', ['--export'], { env }).stdout);
      mkdirSync(join(dist, 'lib'), { recursive: true });
      writeFileSync(join(dist, 'lib/Foo.pm'), 'package Foo; 1;\n');
      writeFileSync(join(dist, 'README'), 'Foo\n');
      writeFileSync(join(dist, 'MANIFEST'), 'MANIFEST\nREADME\nlib/Foo.pm\nSIGNATURE\n');
      const r = spawnSync('cpansign', ['-s'], { cwd: dist, env, input: '' });
      expect(r.status, r.stderr.toString()).toBe(0);
      signature = new Uint8Array(readFileSync(join(dist, 'SIGNATURE')));
      expect(Buffer.from(signature).toString()).toContain('SHA256 ');
    });

    it('legacy policy (as gpgv): good, all files match', async () => {
      const r = await verifyCpanSignature(signature, await readDistDirectory(dist), keyring, {
        policy: 'legacy',
      });
      expect(r.signature.openpgpVerdict).toBe('good');
      expect([r.ok, r.missing, r.extra, r.changed]).toEqual([true, [], [], []]);
    });

    it('standard policy: the signature hash chosen by cpansign is judged by the policy', async () => {
      const r = await verifyCpanSignature(signature, await readDistDirectory(dist), keyring);
      const hash = /Hash: (\S+)/.exec(Buffer.from(signature).toString())?.[1];
      if (hash === 'RIPEMD160' || hash === 'SHA1') {
        expect([r.signature.openpgpVerdict, r.signature.reason]).toEqual([
          'bad',
          hash === 'SHA1' ? 'sha1-signature' : 'weak-hash-signature',
        ]);
        writeFileSync(join(home, 'k.pgp'), keyring);
        sqv.require();
        if (sqv.present)
          expect(
            spawnSync('sqv', ['--keyring', join(home, 'k.pgp'), join(dist, 'SIGNATURE')], {
              input: '',
            }).status,
          ).not.toBe(0);
      } else expect(r.ok).toBe(true);
    });

    it('from the .tar.gz too', async () => {
      await tar.c({ gzip: true, file: join(work, 'Foo-1.0.tar.gz'), cwd: work }, ['Foo-1.0']);
      const files = await readDistTarball(
        new Uint8Array(readFileSync(join(work, 'Foo-1.0.tar.gz'))),
      );
      const r = await verifyCpanSignature(signature, files, keyring, { policy: 'legacy' });
      expect(r.ok).toBe(true);
    });

    it('missing, extra and changed files are each listed', async () => {
      const files = new Map(await readDistDirectory(dist));
      files.delete('README');
      files.set('lib/Foo.pm', new Uint8Array(Buffer.from('package Foo; system("evil"); 1;\n')));
      files.set('lib/Evil.pm', new Uint8Array(Buffer.from('1;\n')));
      const r = await verifyCpanSignature(signature, files, keyring, { policy: 'legacy' });
      expect(r.ok).toBe(false);
      expect([r.missing, r.extra, r.changed]).toEqual([
        ['README'],
        ['lib/Evil.pm'],
        ['lib/Foo.pm'],
      ]);
    });

    it('no key (empty keyring): "no key", where cpansign -v says OK', async () => {
      const r = await verifyCpanSignature(
        signature,
        await readDistDirectory(dist),
        new Uint8Array(0),
        { policy: 'legacy' },
      );
      expect(r.ok).toBe(false);
      expect(r.signature.openpgpVerdict).toBe('nokey');
      expect(r.checks[0]?.code).toBe('CPAN_SIGNATURE_NO_KEY');
    });

    it('no key: the digests are still checked — a changed, a missing and an extra file are listed, the verdict stays "no key"', async () => {
      const files = new Map(await readDistDirectory(dist));
      files.delete('README');
      files.set('lib/Foo.pm', new Uint8Array(Buffer.from('package Foo; system("evil"); 1;\n')));
      files.set('lib/Evil.pm', new Uint8Array(Buffer.from('1;\n')));
      const r = await verifyCpanSignature(signature, files, new Uint8Array(0), {
        policy: 'legacy',
      });
      expect(r.ok).toBe(false);
      expect(r.signature.openpgpVerdict).toBe('nokey');
      expect(r.checks[0]?.code).toBe('CPAN_SIGNATURE_NO_KEY');
      expect([r.missing, r.extra, r.changed]).toEqual([
        ['README'],
        ['lib/Evil.pm'],
        ['lib/Foo.pm'],
      ]);
      expect(r.checks.find((c) => c.code === 'CPAN_FILES_CHANGED')?.reason).toMatch(
        /unverified SIGNATURE list.*lib\/Foo\.pm/,
      );
      // Untouched files and no key: the files match, as a warning only.
      const clean = await verifyCpanSignature(
        signature,
        await readDistDirectory(dist),
        new Uint8Array(0),
        { policy: 'legacy' },
      );
      expect(clean.checks.map((c) => [c.code, c.status])).toEqual([
        ['CPAN_SIGNATURE_NO_KEY', 'fail'],
        ['CPAN_FILES_MATCH_UNVERIFIED', 'warn'],
      ]);
    });

    it('a SHA-1/RIPEMD-160 signature under the standard policy says so and points at --openpgp-policy legacy', async () => {
      // The same digest list clear-signed with RIPEMD-160, as cpansign 0.88 does by default.
      const text = (
        await verifyCpanSignature(signature, await readDistDirectory(dist), keyring, {
          policy: 'legacy',
        })
      ).signature;
      const body = Buffer.from((text as unknown as { text: Uint8Array }).text);
      const signed = spawnSync(
        'gpg',
        [
          '--batch',
          '--pinentry-mode',
          'loopback',
          '--passphrase',
          '',
          '--digest-algo',
          'RIPEMD160',
          '--clearsign',
        ],
        { env, input: body },
      );
      expect(signed.status, signed.stderr.toString()).toBe(0);
      expect(signed.stdout.toString()).toContain('Hash: RIPEMD160');
      const legacy = await verifyCpanSignature(
        new Uint8Array(signed.stdout),
        await readDistDirectory(dist),
        keyring,
        { policy: 'legacy' },
      );
      expect(legacy.ok).toBe(true);
      const r = await verifyCpanSignature(
        new Uint8Array(signed.stdout),
        await readDistDirectory(dist),
        keyring,
      );
      expect(r.ok).toBe(false);
      expect(r.checks[0]?.reason).toMatch(/SHA-1 or RIPEMD-160.*--openpgp-policy legacy/);
      expect(r.changed).toEqual([]);
    });

    it('tampered SIGNATURE text: bad', async () => {
      const t = new Uint8Array(
        Buffer.from(
          Buffer.from(signature)
            .toString()
            .replace(/SHA256 [0-9a-f]/, 'SHA256 0'),
        ),
      );
      const r = await verifyCpanSignature(t, await readDistDirectory(dist), keyring, {
        policy: 'legacy',
      });
      expect(r.signature.openpgpVerdict).toBe('bad');
    });
  },
);

describe('hostile distributions', () => {
  it('a tarball with a path traversal entry is refused with a Sigil error', async () => {
    const w = mkdtempSync(join(tmpdir(), 'sigil-cpan-bad-'));
    writeFileSync(join(w, 'x'), 'x');
    await tar.c(
      {
        gzip: true,
        file: join(w, 'bad.tar.gz'),
        cwd: w,
        preservePaths: true,
        onWriteEntry: (e: { path: string }) => {
          e.path = '../../x';
        },
      } as never,
      ['x'],
    );
    await expect(
      readDistTarball(new Uint8Array(readFileSync(join(w, 'bad.tar.gz')))),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^CPAN_DIST_/) });
  });
  it('garbage instead of a tarball is refused with a Sigil error', async () => {
    await expect(readDistTarball(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({
      code: 'CPAN_DIST_BAD_ARCHIVE',
    });
  });
});
