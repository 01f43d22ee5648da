// Puppet installs from Sigil's Forge v3 API: a module tarball
// (test/fixtures/ecosystems/puppet/sigil-demo-2.0.1.tar.gz) is published over /api/v1, and
// the real `puppet module install --module_repository <sigil>/puppet` (Debian's puppet)
// installs it into a temp modulepath. A mirror serving a changed tarball with Sigil's
// genuine release JSON (file_sha256) is refused by puppet's checksum check.
// Under CI=true a missing puppet fails; locally the suite is skipped, loudly.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTarGz } from '../ecosystems/helpers.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { puppetInstall } from '../helpers/puppet-client.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/personalities/puppet.test.ts';
const puppet = needsProgram(
  'puppet',
  ['--version'],
  'apt-get install --no-install-recommends puppet',
  FILE,
);
const tarball = readFileSync(
  join(import.meta.dirname, '../fixtures/ecosystems/puppet/sigil-demo-2.0.1.tar.gz'),
);

describe.skipIf(skipUnlessPresent(puppet))('puppet module install from sigil serve', () => {
  let t: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    puppet.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-puppet-'));
    t = await startRegistry('puppet');
    const r = await t.publish(await t.tokenFor('ada'), tarball, {
      filename: 'sigil-demo-2.0.1.tar.gz',
      type: 'puppet',
    });
    expect(r.status, r.text).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the Forge API lists the release with file_md5 and file_sha256 of the logged bytes', async () => {
    const rel = (await (await fetch(`${t.url}/puppet/v3/releases?module=sigil-demo`)).json()) as {
      results: { version: string; file_uri: string; file_md5: string; file_sha256: string }[];
    };
    expect(rel.results.map((r) => r.version)).toEqual(['2.0.1']);
    expect(rel.results[0]!.file_sha256).toBe(createHash('sha256').update(tarball).digest('hex'));
    expect(rel.results[0]!.file_md5).toBe(createHash('md5').update(tarball).digest('hex'));
    expect(
      Buffer.from(await (await fetch(`${t.url}/puppet${rel.results[0]!.file_uri}`)).arrayBuffer()),
    ).toEqual(tarball);
    const mod = (await (await fetch(`${t.url}/puppet/v3/modules/sigil-demo`)).json()) as {
      current_release: { version: string };
    };
    expect(mod.current_release.version).toBe('2.0.1');
  });

  it('puppet module install installs the module into a temp modulepath', async () => {
    const target = join(dir, 'modules');
    const r = await puppetInstall(dir, `${t.url}/puppet`, target);
    expect(r.status, r.out).toBe(0);
    expect(existsSync(join(target, 'demo', 'manifests', 'init.pp'))).toBe(true);
    expect(JSON.parse(readFileSync(join(target, 'demo', 'metadata.json'), 'utf8')).version).toBe(
      '2.0.1',
    );
  }, 120_000);

  it('a changed tarball with the genuine release JSON is refused', async () => {
    const evil = Buffer.from(tarball);
    evil[evil.length - 20]! ^= 0xff;
    const server: Server = createServer(async (req, res) => {
      if ((req.url ?? '').startsWith('/v3/files/')) return res.end(evil);
      const up = await fetch(`${t.url}/puppet${req.url}`);
      res.statusCode = up.status;
      res.setHeader('content-type', 'application/json');
      res.end(Buffer.from(await up.arrayBuffer()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const target = join(dir, 'modules-evil');
      const r = await puppetInstall(
        dir,
        `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        target,
      );
      expect(r.status, r.out).not.toBe(0);
      expect(r.out).toMatch(/checksum/i);
      expect(existsSync(join(target, 'demo'))).toBe(false);
    } finally {
      server.close();
    }
  }, 120_000);

  it('bad input over HTTP: malformed metadata.json, contradicting names, overwrite, oversize, traversal — clear errors, nothing stored', async () => {
    const token = await t.tokenFor('bob');
    const before = t.reg.store.count();
    const bad = makeTarGz([
      { name: 'sigil-other-1.0.0/metadata.json', data: '{"name": "sigil-other", "version": ' },
    ]);
    const a = await t.publish(token, bad, { filename: 'sigil-other-1.0.0.tar.gz', type: 'puppet' });
    expect(a.status, a.text).toBe(400);
    expect(a.json.error?.message).toContain('metadata.json');
    const contra = makeTarGz([
      {
        name: 'sigil-other-1.0.0/metadata.json',
        data: JSON.stringify({
          name: 'sigil-other',
          version: '2.0.0',
          author: 'sigil',
          dependencies: [],
        }),
      },
    ]);
    expect(
      (await t.publish(token, contra, { filename: 'sigil-other-1.0.0.tar.gz', type: 'puppet' }))
        .status,
    ).toBe(400);
    // The released version again, a well-formed module with other bytes: refused as an overwrite.
    const other = makeTarGz([
      {
        name: 'sigil-demo-2.0.1/metadata.json',
        data: JSON.stringify({
          name: 'sigil-demo',
          version: '2.0.1',
          author: 'sigil',
          summary: 'other bytes',
          license: 'Apache-2.0',
          source: 'https://example.org',
          dependencies: [],
        }),
      },
      { name: 'sigil-demo-2.0.1/manifests/init.pp', data: 'class demo { notify { "other": } }\n' },
    ]);
    const over = await t.publish(await t.tokenFor('ada2'), other, {
      filename: 'sigil-demo-2.0.1.tar.gz',
      type: 'puppet',
    });
    expect([403, 409], over.text).toContain(over.status);
    expect(over.text).not.toMatch(/\n\s+at /);
    const adaToken = (await t.reg.auth.createToken('ada', { actions: ['publish'] })).token;
    const overOwner = await t.publish(adaToken, other, {
      filename: 'sigil-demo-2.0.1.tar.gz',
      type: 'puppet',
    });
    expect(overOwner.status, overOwner.text).toBe(409);
    // Oversized (the test registry's limit is 1 MiB).
    const big = await t.publish(token, Buffer.alloc(1100 * 1024, 7), {
      filename: 'sigil-big-1.0.0.tar.gz',
      type: 'puppet',
    });
    expect(big.status, big.text).toBe(413);
    expect(t.reg.store.count()).toBe(before);
    for (const p of [
      '/puppet/v3/files/..%2F..%2Fkeys%2Fregistry.key',
      '/puppet/v3/files/sigil-demo-9.9.9.tar.gz',
      '/puppet/v3/modules/..%2Fx',
      '/puppet/v3/releases?module=../x',
    ]) {
      const r = await fetch(`${t.url}${p}`);
      expect([400, 404], p).toContain(r.status);
      expect(await r.text()).not.toMatch(/PRIVATE KEY/);
    }
  });
});
