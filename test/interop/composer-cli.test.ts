// Interop: composer 2 (Debian `composer`) installs from `sigil serve` as a Composer v2
// repository, unchanged. Composer has no upload command: packages are published with
// `sigil publish <dist.zip> --type composer --version V`.
//
// 1. Two packages (one requiring the other) published with `sigil publish`; `composer install`
//    in a fresh project (`repositories: [{type: composer, url}]`, packagist off, secure-http off
//    for loopback) installs both; composer.lock's dist.shasum is the sha1 in Sigil's record;
//    `sigil verify composer.lock --server` passes.
// 2. A dist altered in transit (a proxy in front of Sigil flips a byte in the zip download,
//    metadata passed through) makes composer fail with its own checksum error; nothing installed.
// 3. A tampered stored dist is never served (the blob store checks every read): composer gets a
//    500 and installs nothing.
// COMPOSER_HOME and COMPOSER_CACHE_DIR are fresh per run.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { composerDist, runComposer, runPhp } from '../helpers/composer-client.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';

const composer = needsProgram(
  'composer',
  ['--version', '--no-interaction'],
  'apt-get install composer php-cli',
  'test/interop/composer-cli.test.ts',
);

let reg: Registry;
let url: string;
let root: string;

const run = (args: string[], cwd: string) => runComposer(args, cwd, root);

const dist = (name: string, require: Record<string, string>, php: string) =>
  composerDist(name, require, php, 'Acme', 'sigil test package');

describe.skipIf(skipUnlessPresent(composer))('composer against sigil serve', () => {
  beforeAll(async () => {
    composer.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-composer-'));
    reg = await openRegistry({
      dataDir: join(root, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
    });
    url = await reg.listen();
    const files: [string, string, Buffer][] = [
      [
        'acme/base',
        '1.2.0',
        dist(
          'acme/base',
          {},
          'public static function hello(): string { return "hello from base"; }',
        ),
      ],
      [
        'acme/hello',
        '2.0.0',
        dist(
          'acme/hello',
          { 'acme/base': '^1.0' },
          'public static function both(): string { return \\Acme\\Base\\Base::hello() . " via hello"; }',
        ),
      ],
    ];
    for (const [name, version, zip] of files) {
      const file = join(root, `${name.replace('/', '-')}-${version}.zip`);
      writeFileSync(file, zip);
      const r = await runCli(
        [
          'publish',
          file,
          '--type',
          'composer',
          '--version',
          version,
          '--server',
          url,
          '--token',
          reg.adminToken!,
        ],
        { SIGIL_CONFIG_DIR: join(root, 'sigil-config') },
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const project = (dir: string, base = url) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'composer.json'),
      JSON.stringify({
        name: 'me/app',
        repositories: [{ type: 'composer', url: `${base}/composer` }, { 'packagist.org': false }],
        require: { 'acme/hello': '^2.0' },
        config: { 'secure-http': false },
      }),
    );
    return dir;
  };

  it("composer install resolves and installs both; composer.lock shasums are Sigil's records; sigil verify passes", async () => {
    const app = project(join(root, 'app'));
    const r = await run(['install'], app);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(join(app, 'vendor', 'acme', 'base', 'src', 'Base.php'))).toBe(true);
    const php = await runPhp(app, 'echo \\Acme\\Hello\\Hello::both();');
    expect(php).toBe('hello from base via hello');
    const lock = JSON.parse(readFileSync(join(app, 'composer.lock'), 'utf8')) as {
      packages: { name: string; version: string; dist: { shasum: string } }[];
    };
    for (const p of lock.packages) {
      const row = reg.store.get(`pkg:composer/${p.name}@${p.version}`)!;
      expect(p.dist.shasum).toBe((JSON.parse(row.native) as { sha1: string }).sha1);
    }
    expect(lock.packages.map((p) => p.name).sort()).toEqual(['acme/base', 'acme/hello']);
    const v = await runCli(['verify', join(app, 'composer.lock'), '--server', url, '--json'], {
      SIGIL_CONFIG_DIR: join(root, 'sigil-config'),
    });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 180_000);

  it('a dist altered in transit makes composer fail with its own checksum error and install nothing', async () => {
    const proxy = await startTamperProxy(url, (path) => path.startsWith('/composer/dists/'));
    try {
      const app = project(join(root, 'app-mitm'), proxy.url);
      const r = await run(['install'], app);
      expect(r.code, r.out).not.toBe(0);
      expect(proxy.tampered.length).toBeGreaterThan(0);
      // Composer wraps its error box to the terminal width.
      expect(r.out.replace(/\s+/g, ' ')).toContain(
        'The checksum verification of the file failed (downloaded from',
      );
      // composer.lock is written before the downloads (composer's order); no package reaches vendor/.
      expect(existsSync(join(app, 'vendor', 'acme'))).toBe(false);
    } finally {
      await proxy.close();
    }
  }, 180_000);

  it('a tampered stored dist is never served: composer gets a 500 and installs nothing', async () => {
    const row = reg.store.get('pkg:composer/acme/base@1.2.0')!;
    const tampered = Buffer.from(reg.store.readBlob(row.sha256)!);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1);
    overwriteStoredBlob(reg.store, row.sha256, tampered);
    const r = await run(['install'], project(join(root, 'app-tampered')));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/\b500\b/);
    const served = await reg.app.inject('/composer/dists/acme/base/1.2.0/base-1.2.0.zip');
    expect(served.statusCode).toBe(500);
    expect(served.body).toContain('does not match its digest is never served');
  }, 180_000);
});
