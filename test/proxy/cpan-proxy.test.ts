// Interop: the real `cpanm --verify --mirror <sigil>/cpan --mirror-only` installs a distribution
// that was never published to Sigil, through `upstreams.cpan` = a static CPAN mirror
// (02packages.details.txt.gz, per-author CHECKSUMS clear-signed by a test key that the config
// names as the upstream's keyring, dists made by tar). Then: the dist is logged as observed, its
// sha256 checked against the upstream's signed CHECKSUMS; Sigil's CHECKSUMS for that author is
// signed by Sigil's key (checked here with openpgp.js, since cpanm no longer checks it:
// docs/cpan.md); an upstream that republishes a logged dist yields a conflict while cpanm still
// gets the logged bytes; CHECKSUMS signed by another key, and a dist whose bytes are not the
// CHECKSUMS' sha256, are each refused with an error naming the upstream, nothing logged.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearsign } from '../../src/registry/personalities/apt/openpgp-key.js';
import { PERL_PREAMBLE } from '../../src/registry/personalities/cpan/repository.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { conflictsAt, sendBytes, statementOf, StaticUpstream } from './static-upstream.js';
import { archiveSigningKey } from './static-debian.js';

const FILE = 'test/proxy/cpan-proxy.test.ts';
const cpanm = needsProgram('cpanm', ['--version'], 'apt-get install cpanminus', FILE);
const AUTHOR = 'UPAUTH';
const DIR = `authors/id/U/UP/${AUTHOR}`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;

function buildDist(name: string, version: string, body: string): Buffer {
  const top = `${name}-${version}`;
  const root = join(dir, 'src', `${top}-${sha256(Buffer.from(body)).slice(0, 8)}`, top);
  const module = name.split('-').join('::');
  const pm = `${name.split('-').join('/')}.pm`;
  mkdirSync(join(root, 'lib', ...name.split('-').slice(0, -1)), { recursive: true });
  writeFileSync(
    join(root, 'lib', pm),
    `package ${module};\nour $VERSION = '${version}';\nsub hello { '${body}' }\n1;\n`,
  );
  writeFileSync(
    join(root, 'Makefile.PL'),
    `use ExtUtils::MakeMaker;\nWriteMakefile(NAME => '${module}', VERSION => '${version}');\n`,
  );
  writeFileSync(
    join(root, 'META.json'),
    JSON.stringify({
      name,
      version,
      abstract: 'from the upstream mirror',
      license: ['perl_5'],
      'meta-spec': { version: 2 },
      dynamic_config: 0,
      release_status: 'stable',
      author: ['Ada'],
      provides: { [module]: { file: `lib/${pm}`, version } },
    }),
  );
  writeFileSync(join(root, 'MANIFEST'), `Makefile.PL\nMANIFEST\nMETA.json\nlib/${pm}\n`);
  const out = `${root}.tar.gz`;
  const r = spawnSync('tar', ['-czf', out, '-C', join(root, '..'), top], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return readFileSync(out);
}

/** A static CPAN mirror of one author: 02packages, a clear-signed CHECKSUMS, the dists. */
class StaticCpan extends StaticUpstream {
  protected readonly root = '/cpan';
  readonly files = new Map<string, Buffer>();
  readonly dists = new Map<string, { module: string; version: string; bytes: Buffer }>();

  async publish(key: openpgp.PrivateKey, sums?: Map<string, string>): Promise<void> {
    const lines = [...this.dists].map(
      ([file, d]) => `${d.module.padEnd(30)} ${d.version.padStart(8)}  U/UP/${AUTHOR}/${file}`,
    );
    const details = `File:         02packages.details.txt\nLine-Count:   ${lines.length}\n\n${lines.join('\n')}\n`;
    this.files.set('modules/02packages.details.txt.gz', gzipSync(details));
    const body = [
      '$cksum = {',
      [...this.dists]
        .map(
          ([file, d]) =>
            `  '${file}' => {\n    'mtime' => '2026-01-02',\n    'sha256' => '${sums?.get(file) ?? sha256(d.bytes)}',\n    'size' => ${d.bytes.length}\n  }`,
        )
        .join(',\n'),
      '};',
      '__END__',
      '',
    ].join('\n');
    this.files.set(
      `${DIR}/CHECKSUMS`,
      Buffer.from(`${PERL_PREAMBLE}${await clearsign(key, body, new Date())}`),
    );
    for (const [file, d] of this.dists) this.files.set(`${DIR}/${file}`, d.bytes);
  }

  protected serve(path: string, res: ServerResponse): void {
    sendBytes(res, this.files.get(path.replace(/^\/cpan\//, '')));
  }
}

function runAsync(cmd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; out: string }>((resolve) => {
    const p = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

describe.skipIf(skipUnlessPresent(cpanm))(
  'cpanm installs from a CPAN upstream through sigil serve',
  () => {
    let upstream: StaticCpan;
    let signer: openpgp.PrivateKey;
    let registry: Registry;
    let url: string;
    let helloV1: Buffer;

    /** cpanm into its own home and local::lib, against Sigil's mirror only (async: same process). */
    async function install(name: string, module: string) {
      const home = join(dir, name);
      mkdirSync(home, { recursive: true });
      const r = await runAsync(
        'cpanm',
        [
          '--verify',
          '--mirror',
          `${url}/cpan`,
          '--mirror-only',
          '--notest',
          '--no-man-pages',
          '-L',
          join(home, 'local'),
          module,
        ],
        { HOME: home, PERL_CPANM_HOME: join(home, '.cpanm'), PERL_MM_USE_DEFAULT: '1' },
      );
      const log = existsSync(join(home, '.cpanm', 'build.log'))
        ? readFileSync(join(home, '.cpanm', 'build.log'), 'utf8')
        : '';
      return { ...r, log, lib: join(home, 'local', 'lib', 'perl5') };
    }

    beforeAll(async () => {
      cpanm.require();
      dir = mkdtempSync(join(tmpdir(), 'sigil-cpan-proxy-'));
      signer = await archiveSigningKey('Upstream CPAN Mirror');
      const keyring = join(dir, 'upstream-keyring.asc');
      writeFileSync(keyring, signer.toPublic().armor());
      upstream = new StaticCpan();
      helloV1 = buildDist('Up-Hello', '1.0', 'hello v1 from upstream');
      upstream.dists.set('Up-Hello-1.0.tar.gz', {
        module: 'Up::Hello',
        version: '1.0',
        bytes: helloV1,
      });
      upstream.dists.set('Up-Other-2.0.tar.gz', {
        module: 'Up::Other',
        version: '2.0',
        bytes: buildDist('Up-Other', '2.0', 'other'),
      });
      await upstream.publish(signer);
      await upstream.start();
      registry = await openRegistry({
        dataDir: join(dir, 'data'),
        host: '127.0.0.1',
        port: 0,
        batchIntervalMs: 2,
        proxy: parseProxyConfig(
          {
            upstreams: { cpan: { url: upstream.url, keyring } },
            limits: { indexTtlMs: 0, timeoutMs: 2_000 },
          },
          'test',
        ),
      });
      url = await registry.listen();
    });
    afterAll(async () => {
      await registry?.close();
      await upstream?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const purlOf = (name: string, v: string) => `pkg:cpan/${AUTHOR}/${name}@${v}`;

    it('cpanm --verify installs through Sigil: the dist is checked against the signed upstream CHECKSUMS and logged as observed', async () => {
      const r = await install('good', 'Up::Hello');
      expect(r.status, r.out + r.log).toBe(0);
      expect(readFileSync(join(r.lib, 'Up/Hello.pm'), 'utf8')).toContain('hello v1');
      const row = registry.store.get(purlOf('Up-Hello', '1.0'))!;
      expect(row.sha256).toBe(sha256(helloV1));
      const st = statementOf(row);
      expect(st.predicateType).toMatch(/observed/);
      expect(st.predicate.evidence.registrySignature.verdict).toBe('valid');
      expect(st.predicate.evidence.indexDigest).toEqual({
        algorithm: 'sha256',
        value: sha256(helloV1),
      });
      // Sigil's CHECKSUMS: signed by Sigil's key (not the upstream's), listing the logged sha256
      const sums = await (await fetch(`${url}/cpan/${DIR}/CHECKSUMS`)).text();
      const sigilKey = await openpgp.readKey({
        armoredKey: await (await fetch(`${url}/cpan/sigil-cpan-key.asc`)).text(),
      });
      const v = await openpgp.verify({
        message: await openpgp.readCleartextMessage({
          cleartextMessage: sums.slice(sums.indexOf('-----BEGIN')),
        }),
        verificationKeys: sigilKey,
        expectSigned: true,
      });
      expect(v.data).toContain(`'sha256' => '${sha256(helloV1)}'`);
      expect(v.data).toContain("'Up-Other-2.0.tar.gz'");
      const details = await (await fetch(`${url}/cpan/modules/02packages.details.txt`)).text();
      expect(details).toMatch(/^Up::Other\s+2\.0\s+U\/UP\/UPAUTH\/Up-Other-2\.0\.tar\.gz$/m);
    });

    it('an upstream that republishes a logged dist: a conflict is logged, cpanm still gets the logged bytes', async () => {
      upstream.dists.set('Up-Hello-1.0.tar.gz', {
        module: 'Up::Hello',
        version: '1.0',
        bytes: buildDist('Up-Hello', '1.0', 'hello v2 REPUBLISHED'),
      });
      await upstream.publish(signer);
      const sums = await (await fetch(`${url}/cpan/${DIR}/CHECKSUMS`)).text();
      expect(sums).toContain(sha256(helloV1));
      expect(await conflictsAt(url)).toContainEqual([purlOf('Up-Hello', '1.0'), upstream.url]);
      const r = await install('conflict', 'Up::Hello');
      expect(r.status, r.out + r.log).toBe(0);
      expect(readFileSync(join(r.lib, 'Up/Hello.pm'), 'utf8')).toContain('hello v1');
    });

    it('CHECKSUMS signed by a key outside the configured keyring: refused, nothing logged', async () => {
      await upstream.publish(await archiveSigningKey('Eve'));
      const r = await fetch(`${url}/cpan/${DIR}/Up-Other-2.0.tar.gz`);
      const body = await r.text();
      expect(r.status, body).toBe(502);
      expect(body).toMatch(/UPSTREAM_SIGNATURE_INVALID/);
      expect(body).toContain(upstream.url);
      expect(registry.store.get(purlOf('Up-Other', '2.0'))).toBeUndefined();
      const c = await install('evekey', 'Up::Other');
      expect(c.status).not.toBe(0);
      // Sigil's own CHECKSUMS still lists what it logged, and only that
      const sums = await (await fetch(`${url}/cpan/${DIR}/CHECKSUMS`)).text();
      expect(sums).toContain(sha256(helloV1));
      expect(sums).not.toContain('Up-Other-2.0.tar.gz');
    });

    it('a dist whose bytes are not the sha256 of the signed CHECKSUMS: refused, nothing logged', async () => {
      await upstream.publish(signer, new Map([['Up-Other-2.0.tar.gz', 'ab'.repeat(32)]]));
      const r = await fetch(`${url}/cpan/${DIR}/Up-Other-2.0.tar.gz`);
      const body = await r.text();
      expect(r.status, body).toBe(502);
      expect(body).toMatch(/UPSTREAM_DIGEST_MISMATCH/);
      expect(registry.store.get(purlOf('Up-Other', '2.0'))).toBeUndefined();
      await upstream.publish(signer);
      const ok = await install('other', 'Up::Other');
      expect(ok.status, ok.out + ok.log).toBe(0);
      expect(registry.store.get(purlOf('Up-Other', '2.0'))).toBeDefined();
    });
  },
);
