// Interop: gem 3.3 and bundler 2.3 (Debian `ruby-rubygems`, `ruby-bundler`) push to and install
// from `sigil serve`, unchanged.
//
// 1. `gem push --host <url>/rubygems` of two gems built by `gem build` (one depending on the
//    other), with a Sigil token as GEM_HOST_API_KEY; a repush with other bytes is refused.
// 2. `gem install --source` (compact index + quick Marshal spec) and `bundle install` into a clean
//    GEM_HOME; `sigil verify Gemfile.lock --server` passes.
// 3. An X.509-signed gem (`gem cert`) keeps its signatures: `gem install -P HighSecurity` verifies it.
// 4. A gem altered in transit (a proxy in front of Sigil flips a byte in the .gem download, the
//    compact index with its checksums passed through) makes bundler fail with its own checksum
//    error; nothing is installed.
// 5. A tampered stored gem is never served (the blob store checks every read): bundler gets a 500
//    and installs nothing.
// HOME, GEM_HOME, GEM_PATH and the bundler dirs are fresh per run.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildGem, freshGemHome, runRuby } from '../helpers/gem-client.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';

const FILE = 'test/interop/gem-cli.test.ts';
const gem = needsProgram('gem', ['--version'], 'apt-get install ruby-rubygems', FILE);
const bundle = needsProgram('bundle', ['--version'], 'apt-get install ruby-bundler', FILE);

let reg: Registry;
let url: string;
let root: string;
function freshHome(): Record<string, string> {
  return freshGemHome(root);
}
const run = runRuby;

describe.skipIf(skipUnlessPresent(gem) || skipUnlessPresent(bundle))(
  'gem and bundler against sigil serve',
  () => {
    let baseGem: string;
    let topGem: string;
    beforeAll(async () => {
      gem.require();
      bundle.require();
      root = mkdtempSync(join(tmpdir(), 'sigil-gem-'));
      reg = await openRegistry({
        dataDir: join(root, 'data'),
        host: '127.0.0.1',
        port: 0,
        batchIntervalMs: 2,
      });
      url = await reg.listen();
      baseGem = await buildGem(
        join(root, 'base'),
        'sigil-base',
        '1.0.0',
        '',
        'module SigilBase\n  def self.hello = "hello from base"\nend\n',
      );
      topGem = await buildGem(
        join(root, 'top'),
        'sigil-top',
        '2.0.0',
        '  s.add_dependency "sigil-base", "~> 1.0"\n',
        'require "sigil_base"\nmodule SigilTop\n  def self.both = "#{SigilBase.hello} via top"\nend\n',
      );
    }, 120_000);
    afterAll(async () => {
      await reg?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    const push = (file: string, key = reg.adminToken!) =>
      run('gem', ['push', file, '--host', `${url}/rubygems`], root, {
        ...freshHome(),
        GEM_HOST_API_KEY: key,
      });

    it('gem push: two gems; a wrong key and a repush with other bytes are refused', async () => {
      const bad = await push(baseGem, 'sgl_wrong');
      expect(bad.code, bad.out).not.toBe(0);
      for (const f of [baseGem, topGem]) {
        const r = await push(f);
        expect(r.code, r.out).toBe(0);
        expect(r.out).toContain('Successfully registered gem');
      }
      const other = await buildGem(
        join(root, 'base-other'),
        'sigil-base',
        '1.0.0',
        '',
        'module SigilBase\n  def self.hello = "evil"\nend\n',
      );
      const again = await push(other);
      expect(again.out).toContain('Repushing of gem versions is not allowed');
    }, 120_000);

    it('gem install and bundle install from Sigil into a clean GEM_HOME; sigil verify reports the digest-less bundler 2.3 lock and passes once it has CHECKSUMS', async () => {
      const env = freshHome();
      const g = await run(
        'gem',
        [
          'install',
          'sigil-top',
          '--clear-sources',
          '--source',
          `${url}/rubygems/`,
          '--no-document',
        ],
        root,
        env,
      );
      expect(g.code, g.out).toBe(0);
      expect(g.out).toContain('Successfully installed sigil-top-2.0.0');
      expect(
        existsSync(join(env['GEM_HOME']!, 'gems', 'sigil-base-1.0.0', 'lib', 'sigil_base.rb')),
      ).toBe(true);

      const app = join(root, 'app');
      mkdirSync(app, { recursive: true });
      writeFileSync(join(app, 'Gemfile'), `source "${url}/rubygems/"\ngem "sigil-top", "~> 2.0"\n`);
      const benv = freshHome();
      const b = await run('bundle', ['install'], app, benv);
      expect(b.code, b.out).toBe(0);
      const lockFile = join(app, 'Gemfile.lock');
      const env2 = { SIGIL_CONFIG_DIR: join(root, 'sigil-config') };
      // Bundler 2.3's Gemfile.lock pins no digests: sigil verify finds each record but must say so.
      const v = await runCli(['verify', lockFile, '--server', url, '--json'], env2);
      expect(v.code).toBe(1);
      const report = JSON.parse(v.stdout) as {
        dependencies: { purl: string; checks: { code: string }[] }[];
      };
      expect(report.dependencies.map((d) => d.purl).sort()).toEqual([
        'pkg:gem/sigil-base@1.0.0',
        'pkg:gem/sigil-top@2.0.0',
      ]);
      for (const d of report.dependencies)
        expect(d.checks.map((c) => c.code)).toEqual(
          expect.arrayContaining([
            'RECORD_FOUND',
            'DIGEST_MISSING',
            'COUNTERSIGNATURE_VALID',
            'INCLUSION_PROOF_VALID',
          ]),
        );
      // The failing reason says what to do next: check the gems bundler installed.
      const human = await runCli(['verify', lockFile, '--server', url], env2);
      expect(human.code).toBe(1);
      expect(human.stdout + human.stderr).toContain('sigil verify Gemfile.lock --installed DIR');

      // --installed BUNDLE_PATH: the .gem files bundler cached are hashed and checked against
      // Sigil's signed records; the bundler 2.3 lockfile then verifies as it is.
      const installed = await runCli(
        ['verify', lockFile, '--server', url, '--installed', benv['BUNDLE_PATH']!, '--json'],
        env2,
      );
      expect(installed.code, installed.stdout + installed.stderr).toBe(0);
      const okReport = JSON.parse(installed.stdout) as {
        dependencies: { purl: string; checks: { code: string; reason: string }[] }[];
      };
      for (const d of okReport.dependencies)
        expect(d.checks.find((c) => c.code === 'DIGEST_MATCH')?.reason).toMatch(
          /^installed .*\/cache\/sigil-(base-1\.0\.0|top-2\.0\.0)\.gem: its digest equals the signed one$/,
        );
      // A tampered installed gem fails, naming the file; a missing one is named where Sigil looked.
      const cacheDir = join(
        benv['BUNDLE_PATH']!,
        'ruby',
        readdirSync(join(benv['BUNDLE_PATH']!, 'ruby'))[0]!,
        'cache',
      );
      const baseFile = join(cacheDir, 'sigil-base-1.0.0.gem');
      const good = readFileSync(baseFile);
      writeFileSync(baseFile, Buffer.concat([good, Buffer.alloc(512)]));
      const tampered = await runCli(
        ['verify', lockFile, '--server', url, '--installed', benv['BUNDLE_PATH']!],
        env2,
      );
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toMatch(
        /sigil-base-1\.0\.0\.gem: sha256 \S+ ≠ signed \S+ \(the installed file is not the signed one\)/,
      );
      rmSync(baseFile);
      const missing = await runCli(
        ['verify', lockFile, '--server', url, '--installed', benv['BUNDLE_PATH']!],
        env2,
      );
      expect(missing.code).toBe(1);
      expect(missing.stdout).toContain('sigil-base-1.0.0.gem is not installed under');
      writeFileSync(baseFile, good);

      // Bundler ≥ 2.5 adds a CHECKSUMS section; written here from the .gem files bundler installed,
      // the lockfile verifies.
      const cache = join(
        benv['GEM_HOME']!,
        'ruby',
        readdirSync(join(benv['GEM_HOME']!, 'ruby'))[0]!,
        'cache',
      );
      const sums = readdirSync(cache)
        .filter((f) => f.startsWith('sigil-'))
        .sort()
        .map(
          (f) =>
            `  ${f.replace(/-(\d[^-]*)\.gem$/, ' ($1)')} sha256=${createHash('sha256')
              .update(readFileSync(join(cache, f)))
              .digest('hex')}`,
        );
      expect(sums).toHaveLength(2);
      writeFileSync(
        lockFile,
        readFileSync(lockFile, 'utf8').replace(
          '\nBUNDLED WITH',
          `\nCHECKSUMS\n${sums.join('\n')}\n\nBUNDLED WITH`,
        ),
      );
      const v2 = await runCli(['verify', lockFile, '--server', url], env2);
      expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    }, 180_000);

    it('an X.509-signed gem keeps its signatures: gem install -P HighSecurity verifies it through Sigil', async () => {
      const dir = join(root, 'signed');
      mkdirSync(dir, { recursive: true });
      const env = freshHome();
      const cert = await run(
        'gem',
        ['cert', '--build', 'sigil@example.org', '--days', '2'],
        dir,
        env,
      );
      expect(cert.code, cert.out).toBe(0);
      const signed = await buildGem(
        dir,
        'sigil-signed',
        '1.0.0',
        '',
        'module SigilSigned; end\n',
        `  s.cert_chain = [${JSON.stringify(join(dir, 'gem-public_cert.pem'))}]\n  s.signing_key = ${JSON.stringify(join(dir, 'gem-private_key.pem'))}\n`,
      );
      expect((await push(signed)).code).toBe(0);
      expect(
        (await run('gem', ['cert', '--add', join(dir, 'gem-public_cert.pem')], dir, env)).code,
      ).toBe(0);
      const ok = await run(
        'gem',
        [
          'install',
          'sigil-signed',
          '--clear-sources',
          '--source',
          `${url}/rubygems/`,
          '--no-document',
          '-P',
          'HighSecurity',
        ],
        dir,
        env,
      );
      expect(ok.code, ok.out).toBe(0);
      // Without the certificate trusted, HighSecurity refuses it: the signature really is checked.
      const untrusted = await run(
        'gem',
        [
          'install',
          'sigil-signed',
          '--clear-sources',
          '--source',
          `${url}/rubygems/`,
          '--no-document',
          '-P',
          'HighSecurity',
        ],
        dir,
        freshHome(),
      );
      expect(untrusted.code).not.toBe(0);
    }, 180_000);

    it('a gem altered in transit makes bundler fail with its own checksum error and install nothing', async () => {
      const proxy = await startTamperProxy(url, (path) => path.startsWith('/rubygems/gems/'));
      try {
        const app = join(root, 'app-mitm');
        mkdirSync(app, { recursive: true });
        writeFileSync(
          join(app, 'Gemfile'),
          `source "${proxy.url}/rubygems/"\ngem "sigil-top", "~> 2.0"\n`,
        );
        const env = freshHome();
        const b = await run('bundle', ['install'], app, env);
        expect(b.code, b.out).not.toBe(0);
        expect(proxy.tampered.length).toBeGreaterThan(0);
        expect(b.out.replace(/\s+/g, ' ')).toContain(
          'does not match the checksum given by the server',
        );
        expect(b.out.replace(/\s+/g, ' ')).toContain(
          `The expected SHA256 checksum was "${reg.store.get('pkg:gem/sigil-base@1.0.0')!.sha256}"`,
        );
        // Not installed: bundler left no spec for any sigil gem under its path (a spec is what makes a gem installed).
        const specs = join(env['BUNDLE_PATH']!, 'ruby');
        const installed = existsSync(specs)
          ? readdirSync(specs).flatMap((v) =>
              existsSync(join(specs, v, 'specifications'))
                ? readdirSync(join(specs, v, 'specifications'))
                : [],
            )
          : [];
        expect(installed.filter((f) => f.startsWith('sigil-'))).toEqual([]);
        expect(existsSync(join(app, 'Gemfile.lock'))).toBe(false);
      } finally {
        await proxy.close();
      }
    }, 180_000);

    it('a tampered stored gem is never served: bundler gets a 500 and installs nothing', async () => {
      const row = reg.store.get('pkg:gem/sigil-base@1.0.0')!;
      overwriteStoredBlob(
        reg.store,
        row.sha256,
        Buffer.concat([reg.store.readBlob(row.sha256)!, Buffer.alloc(512)]),
      );
      const app = join(root, 'app-tampered');
      mkdirSync(app, { recursive: true });
      writeFileSync(join(app, 'Gemfile'), `source "${url}/rubygems/"\ngem "sigil-top", "~> 2.0"\n`);
      const b = await run('bundle', ['install'], app, freshHome());
      expect(b.code).not.toBe(0);
      expect(b.out.replace(/\s+/g, ' ')).toContain('Internal Server Error 500 (http://127.0.0.1');
      expect(existsSync(join(app, 'Gemfile.lock'))).toBe(false);
      const served = await reg.app.inject(`/rubygems/gems/sigil-base-1.0.0.gem`);
      expect(served.statusCode).toBe(500);
      expect(served.body).toContain('does not match its digest is never served');
    }, 120_000);

    it('gem owner lists, adds and removes owners, and gem yank hides a version (logged) while its .gem stays downloadable', async () => {
      const env = { ...freshHome(), GEM_HOST_API_KEY: reg.adminToken! };
      const host = ['--host', `${url}/rubygems`];
      await reg.auth.createAccount('bob');
      const add = await run('gem', ['owner', 'sigil-top', '--add', 'bob', ...host], root, env);
      expect(add.code, add.out).toBe(0);
      expect(add.out).toContain('Owner added successfully.');
      const list = await run('gem', ['owner', 'sigil-top', ...host], root, env);
      expect(list.code, list.out).toBe(0);
      expect(list.out).toContain('Owners for gem: sigil-top');
      expect(list.out).toContain('- bob');
      const nobody = await run(
        'gem',
        ['owner', 'sigil-top', '--add', 'nobody', ...host],
        root,
        env,
      );
      expect(nobody.out).toContain('there is no account "nobody"');
      // bob, now an owner, removes himself; the admin stays (a gem always keeps an owner)
      const bobEnv = { ...env, GEM_HOST_API_KEY: (await reg.auth.createToken('bob')).token };
      const rm = await run('gem', ['owner', 'sigil-top', '--remove', 'bob', ...host], root, bobEnv);
      expect(rm.out).toContain('Owner removed successfully.');
      expect((await run('gem', ['owner', 'sigil-top', ...host], root, env)).out).not.toContain(
        '- bob',
      );
      // no longer an owner: bob may not yank
      const bobYank = await run('gem', ['yank', 'sigil-top', '-v', '2.0.0', ...host], root, bobEnv);
      expect(bobYank.out).toMatch(/403|may not|not allowed/i);

      const size = async () =>
        Number((await (await fetch(`${url}/log/checkpoint`)).text()).split('\n')[1]);
      const before = await size();
      const y = await run('gem', ['yank', 'sigil-top', '-v', '2.0.0', ...host], root, env);
      expect(y.code, y.out).toBe(0);
      expect(y.out).toContain('Successfully deleted gem: sigil-top (2.0.0)');
      expect(await size()).toBe(before + 1);
      expect((await fetch(`${url}/rubygems/info/sigil-top`)).status).toBe(404);
      expect(await (await fetch(`${url}/rubygems/versions`)).text()).not.toContain('sigil-top');
      const inst = await run(
        'gem',
        ['install', 'sigil-top', '--clear-sources', '--source', `${url}/rubygems/`],
        root,
        freshHome(),
      );
      expect(inst.code).not.toBe(0);
      expect((await fetch(`${url}/rubygems/gems/sigil-top-2.0.0.gem`)).status).toBe(200);
    }, 120_000);
  },
);
