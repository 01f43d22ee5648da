// Interop: the real composer 2 installs packages that were never published to Sigil, through
// `sigil serve --upstream composer=<static Composer v2 repository>`. The upstream is a folder
// with packages.json (metadata-url), p2 documents in Packagist's minified form and dist zips,
// behind a plain HTTP server.
// Then: composer.lock's dist.shasum is the observed record's sha1; `sigil verify composer.lock`
// reports the observed records (level logged); an upstream that republishes a dist yields a
// conflict record while composer still gets the logged bytes; upstream failures (500,
// timeout, wrong shasum) answer an error naming the upstream and log nothing; a private name
// is never asked upstream.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { composerDist, runComposer, runPhp } from '../helpers/composer-client.js';

const composer = needsProgram(
  'composer',
  ['--version', '--no-interaction'],
  'apt-get install composer php-cli',
  'test/proxy/composer-proxy.test.ts',
);

let root: string;
const run = (args: string[], cwd: string) => runComposer(args, cwd, root);

const dist = (name: string, require: Record<string, string>, php: string) =>
  composerDist(name, require, php, 'Pt', 'sigil proxy test package');

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** A static Composer v2 repository (minified p2 documents, as Packagist serves them); faults on demand. */
class StaticComposer extends StaticUpstream {
  readonly dists = new Map<string, Buffer>(); // "<vendor>-<name>-<version>.zip"
  readonly packages = new Map<string, { version: string; require: Record<string, string> }[]>();
  readonly listedSha = new Map<string, string>();
  protected readonly root = '';

  add(name: string, version: string, zip: Buffer, require: Record<string, string> = {}): void {
    const file = `${name.replace('/', '-')}-${version}.zip`;
    this.dists.set(file, zip);
    const list = (this.packages.get(name) ?? []).filter((v) => v.version !== version);
    list.push({ version, require });
    this.packages.set(name, list);
  }

  private p2(name: string): unknown {
    let previous: Record<string, unknown> = {};
    const versions = this.packages.get(name)!.map((v) => {
      const file = `${name.replace('/', '-')}-${v.version}.zip`;
      const full: Record<string, unknown> = {
        name,
        description: 'sigil proxy test package',
        version: v.version,
        version_normalized: `${v.version}.0`,
        type: 'library',
        license: ['MIT'],
        time: '2026-01-01T00:00:00+00:00',
        require: Object.keys(v.require).length ? v.require : '__unset',
        autoload: {
          'psr-4': {
            [`Pt\\${name.split('/')[1]!.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}\\`]:
              'src/',
          },
        },
        source: { type: 'git', url: 'https://git.invalid/x.git', reference: 'abc' },
        dist: {
          type: 'zip',
          url: `${this.url}/dists/${file}`,
          reference: 'abc',
          shasum: this.listedSha.get(file) ?? sha1(this.dists.get(file)!),
        },
      };
      // Minified: only what changed from the previous version.
      const min: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(full))
        if (JSON.stringify(previous[k]) !== JSON.stringify(val)) min[k] = val;
      previous = full;
      return min;
    });
    return { minified: 'composer/2.0', packages: { [name]: versions } };
  }

  protected serve(path: string, res: ServerResponse): void {
    const json = (v: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (path === '/packages.json')
      return void json({ packages: [], 'metadata-url': '/p2/%package%.json' });
    let m = /^\/p2\/([^/]+\/[^/]+)\.json$/.exec(path);
    if (m) return void (this.packages.has(m[1]!) ? json(this.p2(m[1]!)) : res.writeHead(404).end());
    m = /^\/dists\/([^/]+)$/.exec(path);
    const bytes = m ? this.dists.get(m[1]!) : undefined;
    sendBytes(res, bytes);
  }
}

describe.skipIf(skipUnlessPresent(composer))('composer through the verifying proxy', () => {
  let up: StaticComposer;
  let reg: Registry;
  let url: string;
  const base10 = dist(
    'pt/base',
    {},
    'public static function hello(): string { return "base 1.0"; }',
  );
  const base11 = dist(
    'pt/base',
    {},
    'public static function hello(): string { return "base 1.1"; }',
  );
  const hello = dist(
    'pt/hello',
    { 'pt/base': '^1.0' },
    'public static function both(): string { return \\Pt\\Base\\Base::hello() . " via hello"; }',
  );
  const gamma = dist('pt/gamma', {}, '');

  const project = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'composer.json'),
      JSON.stringify({
        name: 'me/app',
        repositories: [{ type: 'composer', url: `${url}/composer` }, { 'packagist.org': false }],
        require: { 'pt/hello': '^2.0' },
        config: { 'secure-http': false },
      }),
    );
    return dir;
  };

  beforeAll(async () => {
    composer.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-composer-proxy-'));
    up = new StaticComposer();
    await up.start();
    up.add('pt/base', '1.0.0', base10);
    up.add('pt/base', '1.1.0', base11);
    up.add('pt/hello', '2.0.0', hello, { 'pt/base': '^1.0' });
    up.add('pt/gamma', '0.1.0', gamma);
    up.add('pt/private', '0.1.0', gamma);
    ({ reg, url } = await openProxied(root, 'composer', up.url, ['pkg:composer/pt/private']));
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('composer install through Sigil; composer.lock shasums are the observed records; sigil verify reports them logged', async () => {
    const app = project(join(root, 'app'));
    const r = await run(['install'], app);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(join(app, 'vendor', 'pt', 'base', 'src', 'Base.php'))).toBe(true);
    expect(await runPhp(app, 'echo \\Pt\\Hello\\Hello::both();')).toBe('base 1.1 via hello'); // the minified p2's second version
    const lock = JSON.parse(readFileSync(join(app, 'composer.lock'), 'utf8')) as {
      packages: { name: string; version: string; dist: { shasum: string; url: string } }[];
    };
    expect(lock.packages.map((p) => [p.name, p.version]).sort()).toEqual([
      ['pt/base', '1.1.0'],
      ['pt/hello', '2.0.0'],
    ]);
    for (const p of lock.packages) {
      const row = reg.store.get(`pkg:composer/${p.name}@${p.version}`)!;
      expect(row, p.name).toBeDefined();
      expect(p.dist.shasum).toBe((JSON.parse(row.native) as { sha1: string }).sha1);
      expect(p.dist.url.startsWith(`${url}/composer/dists/`)).toBe(true);
      const st = statementOf(row);
      expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
      expect(st.predicate.evidence.indexDigest).toEqual({
        algorithm: 'sha1',
        value: p.dist.shasum,
      });
    }
    expect(reg.store.get('pkg:composer/pt/base@1.0.0')).toBeUndefined(); // listed, never fetched: never logged
    const v = await runCli(['verify', join(app, 'composer.lock'), '--server', url, '--json'], {
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
  }, 180_000);

  it('an upstream that republishes a dist: a conflict record is logged, composer still gets the logged bytes', async () => {
    const evil = dist('pt/base', {}, 'public static function hello(): string { return "evil"; }');
    up.add('pt/base', '1.1.0', evil);
    const doc = (await (await fetch(`${url}/composer/p2/pt/base.json`)).json()) as {
      packages: Record<string, { version: string; dist: { shasum: string } }[]>;
    };
    const v11 = doc.packages['pt/base']!.find((v) => v.version === '1.1.0')!;
    expect(v11.dist.shasum).toBe(sha1(base11));
    expect(await conflictsAt(url)).toEqual([['pkg:composer/pt/base@1.1.0', up.url]]);
    const app = project(join(root, 'app-2'));
    const r = await run(['install'], app);
    expect(r.code, r.out).toBe(0);
    expect(await runPhp(app, 'echo \\Pt\\Base\\Base::hello();')).toBe('base 1.1');
  }, 180_000);

  it('upstream failures (500, timeout, wrong shasum) answer an error naming the upstream and log nothing', async () => {
    const dl = `${url}/composer/dists/pt/gamma/0.1.0/gamma-0.1.0.zip`;
    const nothingLogged = () =>
      expect(reg.store.get('pkg:composer/pt/gamma@0.1.0')).toBeUndefined();
    const message = async (r: Response) => ((await r.json()) as { message: string }).message;

    up.fault = { path: '/p2/pt/gamma', kind: '500' };
    let r = await fetch(`${url}/composer/p2/pt/gamma.json`);
    expect(r.status).toBe(502);
    expect(await message(r)).toContain(`Composer upstream ${up.url} answered 500`);
    r = await fetch(dl);
    expect(r.status).toBe(502);
    nothingLogged();

    up.fault = { path: '/dists/pt-gamma', kind: 'slow' };
    r = await fetch(dl);
    expect(r.status).toBe(504);
    expect(await message(r)).toContain(`Composer upstream ${up.url} did not answer within 1000 ms`);
    nothingLogged();

    up.fault = undefined;
    up.listedSha.set('pt-gamma-0.1.0.zip', sha1(hello));
    r = await fetch(dl);
    expect(r.status).toBe(502);
    expect(await message(r)).toMatch(
      new RegExp(
        `composer upstream ${up.url} served bytes .* sha1 is not the one its own index lists`,
      ),
    );
    nothingLogged();

    up.listedSha.delete('pt-gamma-0.1.0.zip');
    r = await fetch(dl);
    expect(r.status).toBe(200);
    expect(sha1(Buffer.from(await r.arrayBuffer()))).toBe(sha1(gamma));
  }, 60_000);

  it('a private name is never asked upstream', async () => {
    const before = up.requests.length;
    expect((await fetch(`${url}/composer/p2/pt/private.json`)).status).toBe(404);
    expect((await fetch(`${url}/composer/dists/pt/private/0.1.0/private-0.1.0.zip`)).status).toBe(
      404,
    );
    expect(up.requests.slice(before).filter((p) => p.includes('private'))).toEqual([]);
  });
});
