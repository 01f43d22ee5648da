// Interop: the real gem 3.3 and bundler 2.3 install gems that were never published to Sigil,
// through `sigil serve --upstream gem=<static compact index>`. The upstream is a folder of
// gems built here by `gem build`, with the /versions and /info files rubygems.org would serve,
// behind a plain HTTP server.
// Then: `sigil verify Gemfile.lock` (with the CHECKSUMS section bundler ≥ 2.5 writes) reports
// the observed records (level logged); an upstream that republishes a gem yields a conflict
// record while bundler still gets the logged bytes; upstream failures (500, timeout, wrong
// checksum) answer an error naming the upstream and log nothing; a private name is never
// asked upstream and is left out of /versions.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildGem, freshGemHome, runRuby } from '../helpers/gem-client.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/proxy/gem-proxy.test.ts';
const gem = needsProgram('gem', ['--version'], 'apt-get install ruby-rubygems', FILE);
const bundle = needsProgram('bundle', ['--version'], 'apt-get install ruby-bundler', FILE);

let root: string;
function freshHome(): Record<string, string> {
  return freshGemHome(root);
}
const run = runRuby;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** A static compact index: gems and info lines; faults on demand. */
class StaticCompactIndex extends StaticUpstream {
  readonly gems = new Map<string, Buffer>(); // file name → bytes
  readonly infos = new Map<string, { version: string; deps: string; file: string }[]>();
  readonly listedSha = new Map<string, string>();
  protected readonly root = '';

  add(name: string, version: string, file: string, deps = ''): void {
    this.gems.set(`${name}-${version}.gem`, readFileSync(file));
    const list = (this.infos.get(name) ?? []).filter((v) => v.version !== version);
    list.push({ version, deps, file: `${name}-${version}.gem` });
    this.infos.set(name, list);
  }

  info(name: string): string | undefined {
    const list = this.infos.get(name);
    if (!list) return undefined;
    return `---\n${list
      .map(
        (v) =>
          `${v.version} ${v.deps}|checksum:${this.listedSha.get(v.file) ?? sha256(this.gems.get(v.file)!)},ruby:>= 2.5`,
      )
      .join('\n')}\n`;
  }

  protected serve(path: string, res: ServerResponse): void {
    if (path === '/versions') {
      const lines = [...this.infos.keys()].map(
        (n) =>
          `${n} ${this.infos
            .get(n)!
            .map((v) => v.version)
            .join(',')} ${md5(this.info(n)!)}`,
      );
      return void res
        .writeHead(200)
        .end(`created_at: 2026-01-01T00:00:00Z\n---\n${lines.join('\n')}\n`);
    }
    let m = /^\/info\/([^/]+)$/.exec(path);
    if (m) {
      const body = this.info(m[1]!);
      return void (body ? res.writeHead(200).end(body) : res.writeHead(404).end());
    }
    m = /^\/gems\/([^/]+)$/.exec(path);
    const bytes = m ? this.gems.get(m[1]!) : undefined;
    sendBytes(res, bytes);
  }
}

describe.skipIf(skipUnlessPresent(gem) || skipUnlessPresent(bundle))(
  'gem and bundler through the verifying proxy',
  () => {
    let up: StaticCompactIndex;
    let reg: Registry;
    let url: string;
    let baseGem: string;
    let topGem: string;
    let gammaGem: string;
    let app: string;

    beforeAll(async () => {
      gem.require();
      bundle.require();
      root = mkdtempSync(join(tmpdir(), 'sigil-gem-proxy-'));
      baseGem = await buildGem(
        join(root, 'base'),
        'pt-gbase',
        '1.0.0',
        '',
        'module PtGbase\n  def self.hello = "hello from base"\nend\n',
      );
      topGem = await buildGem(
        join(root, 'top'),
        'pt-gtop',
        '2.0.0',
        '  s.add_dependency "pt-gbase", "~> 1.0"\n',
        'require "pt_gbase"\nmodule PtGtop\n  def self.both = "#{PtGbase.hello} via top"\nend\n',
      );
      gammaGem = await buildGem(join(root, 'gamma'), 'pt-ggamma', '0.1.0', '', 'X = 1\n');
      up = new StaticCompactIndex();
      up.add('pt-gbase', '1.0.0', baseGem);
      up.add('pt-gtop', '2.0.0', topGem, 'pt-gbase:~> 1.0');
      up.add('pt-ggamma', '0.1.0', gammaGem);
      up.add('pt-gprivate', '0.1.0', gammaGem);
      await up.start();
      ({ reg, url } = await openProxied(root, 'gem', up.url, ['pkg:gem/pt-gprivate']));
      app = join(root, 'app');
      mkdirSync(app, { recursive: true });
      writeFileSync(join(app, 'Gemfile'), `source "${url}/rubygems/"\ngem "pt-gtop", "~> 2.0"\n`);
    }, 120_000);
    afterAll(async () => {
      await reg?.close();
      await up?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('gem install and bundle install a tree never published to Sigil; each gem is logged as observed; sigil verify reports them logged', async () => {
      const env = freshHome();
      const g = await run(
        'gem',
        ['install', 'pt-gtop', '--clear-sources', '--source', `${url}/rubygems/`, '--no-document'],
        root,
        env,
      );
      expect(g.code, g.out).toBe(0);
      expect(g.out).toContain('Successfully installed pt-gtop-2.0.0');
      for (const [purl, file] of [
        ['pkg:gem/pt-gbase@1.0.0', baseGem],
        ['pkg:gem/pt-gtop@2.0.0', topGem],
      ] as const) {
        const row = reg.store.get(purl);
        expect(row, purl).toBeDefined();
        expect(row!.sha256).toBe(sha256(readFileSync(file)));
        expect(row!.authorBundle).toBeNull();
        const st = statementOf(row!);
        expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
        expect(st.predicate.artifactUrl).toBe(`${up.url}/gems/${basename(file)}`);
      }

      const benv = freshHome();
      const b = await run('bundle', ['install'], app, benv);
      expect(b.code, b.out).toBe(0);
      const rb = await run(
        'bundle',
        ['exec', 'ruby', '-e', 'require "pt_gtop"; puts PtGtop.both'],
        app,
        benv,
      );
      expect(rb.out.trim()).toBe('hello from base via top');
      // Bundler 2.3 writes no CHECKSUMS; bundler ≥ 2.5 does: written here from the upstream's own files.
      const lockFile = join(app, 'Gemfile.lock');
      const sums = [baseGem, topGem]
        .map(
          (f) =>
            `  ${basename(f).replace(/-(\d[^-]*)\.gem$/, ' ($1)')} sha256=${sha256(readFileSync(f))}`,
        )
        .sort();
      writeFileSync(
        lockFile,
        readFileSync(lockFile, 'utf8').replace(
          '\nBUNDLED WITH',
          `\nCHECKSUMS\n${sums.join('\n')}\n\nBUNDLED WITH`,
        ),
      );
      const v = await runCli(['verify', lockFile, '--server', url, '--json'], {
        SIGIL_CONFIG_DIR: join(root, 'cfg'),
      });
      expect(v.code, v.stdout + v.stderr).toBe(0);
      const report = JSON.parse(v.stdout) as {
        kinds: Record<string, number>;
        dependencies: { level: string; reason: string }[];
      };
      expect(report.kinds['observed']).toBe(2);
      for (const d of report.dependencies) {
        expect(d.level).toBe('logged');
        expect(d.reason).toContain(`from ${up.url}`);
      }
    }, 240_000);

    it('an upstream that republishes a gem: a conflict record is logged, bundler still gets the logged bytes', async () => {
      const evil = await buildGem(
        join(root, 'evil'),
        'pt-gbase',
        '1.0.0',
        '',
        'module PtGbase\n  def self.hello = "evil"\nend\n',
      );
      up.add('pt-gbase', '1.0.0', evil);
      const info = await (await fetch(`${url}/rubygems/info/pt-gbase`)).text();
      expect(info).toContain(`checksum:${sha256(readFileSync(baseGem))}`);
      expect(info).not.toContain(sha256(readFileSync(evil)));
      expect(await conflictsAt(url)).toEqual([['pkg:gem/pt-gbase@1.0.0', up.url]]);
      const benv = freshHome();
      const b = await run('bundle', ['install'], app, benv);
      expect(b.code, b.out).toBe(0);
      const rb = await run(
        'bundle',
        ['exec', 'ruby', '-e', 'require "pt_gbase"; puts PtGbase.hello'],
        app,
        benv,
      );
      expect(rb.out.trim()).toBe('hello from base');
    }, 240_000);

    it('upstream failures (500, timeout, wrong checksum) answer an error naming the upstream and log nothing', async () => {
      const gemUrl = `${url}/rubygems/gems/pt-ggamma-0.1.0.gem`;
      const nothingLogged = () => expect(reg.store.get('pkg:gem/pt-ggamma@0.1.0')).toBeUndefined();

      up.fault = { path: '/info/pt-ggamma', kind: '500' };
      let r = await fetch(`${url}/rubygems/info/pt-ggamma`);
      expect(r.status).toBe(502);
      expect(await r.text()).toContain(`RubyGems upstream ${up.url} answered 500`);
      r = await fetch(gemUrl);
      expect(r.status).toBe(502);
      nothingLogged();

      up.fault = { path: '/gems/pt-ggamma', kind: 'slow' };
      r = await fetch(gemUrl);
      expect(r.status).toBe(504);
      expect(await r.text()).toContain(`RubyGems upstream ${up.url} did not answer within 1000 ms`);
      nothingLogged();

      up.fault = undefined;
      up.listedSha.set('pt-ggamma-0.1.0.gem', sha256(readFileSync(baseGem)));
      r = await fetch(gemUrl);
      expect(r.status).toBe(502);
      expect(await r.text()).toMatch(
        new RegExp(`gem upstream ${up.url} served bytes .* not the one its own index lists`),
      );
      nothingLogged();

      up.listedSha.delete('pt-ggamma-0.1.0.gem');
      r = await fetch(gemUrl);
      expect(r.status).toBe(200);
      expect(sha256(Buffer.from(await r.arrayBuffer()))).toBe(sha256(readFileSync(gammaGem)));
    }, 60_000);

    it('a private name is never asked upstream and is not in /versions', async () => {
      const versions = await (await fetch(`${url}/rubygems/versions`)).text();
      expect(versions).toMatch(/^pt-gtop 2\.0\.0 /m);
      expect(versions).not.toContain('pt-gprivate');
      const before = up.requests.length;
      expect((await fetch(`${url}/rubygems/info/pt-gprivate`)).status).toBe(404);
      expect((await fetch(`${url}/rubygems/gems/pt-gprivate-0.1.0.gem`)).status).toBe(404);
      expect(up.requests.slice(before).filter((p) => p.includes('private'))).toEqual([]);
    });
  },
);
