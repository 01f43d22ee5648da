// apt checks Sigil's countersignature itself: `sigil publish hello.deb`, then the real
// apt-get (in a throw-away root: its own lists, cache, dpkg status and --root) updates
// from `sigil serve`'s signed repository with `signed-by` the registry's OpenPGP key and
// installs the package. An InRelease checked against another key, an expired Valid-Until,
// a changed Packages and a changed .deb each make apt refuse.
// Under CI=true missing apt-get/dpkg-deb fail; locally the suite is skipped, loudly.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { AptRepository } from '../../src/registry/personalities/apt/index.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { aptRoot as aptClientRoot } from '../helpers/apt-client.js';
import { needsCondition, needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/personalities/apt.test.ts';
const aptGet = needsProgram('apt-get', ['--version'], 'apt-get is part of Debian', FILE);
const dpkgDeb = needsProgram('dpkg-deb', ['--version'], 'apt-get install dpkg', FILE);
const asRoot = needsCondition(
  'root (apt-get install into a throw-away root)',
  process.getuid?.() === 0,
  'run the test as root',
  FILE,
);
const skip = skipUnlessPresent(aptGet) || skipUnlessPresent(dpkgDeb) || skipUnlessPresent(asRoot);

let dir: string;
let registry: Registry;
let url: string;

function buildDeb(name: string, version: string, body: string): string {
  const root = join(dir, `${name}-${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Ada <ada@example.com>\nDescription: a package published to Sigil\n installed by the real apt-get.\n`,
  );
  writeFileSync(join(root, 'usr', 'bin', name), `#!/bin/sh\necho ${body}\n`);
  chmodSync(join(root, 'usr', 'bin', name), 0o755);
  const out = join(dir, `${name}_${version}_all.deb`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, out], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`dpkg-deb: ${r.stderr}`);
  return out;
}

function aptRoot(name: string, repoUrl: string, keyFile: string) {
  return aptClientRoot(dir, name, [{ url: repoUrl, suite: 'sigil', keyFile }]);
}

/** A static mirror of a repository snapshot whose files a test can change. */
async function mirror(
  files: Map<string, Buffer | string>,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const body = files.get((req.url ?? '').replace(/^\/debian\//, ''));
    if (body === undefined) {
      res.statusCode = 404;
      return res.end();
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${a.port}/debian` };
}

async function fetchText(path: string): Promise<string> {
  return (await fetch(`${url}${path}`)).text();
}
async function fetchBytes(path: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${url}${path}`)).arrayBuffer());
}

describe.skipIf(skip)('apt installs from sigil serve and checks its signature', () => {
  let keyFile: string;
  let deb: string;
  beforeAll(async () => {
    aptGet.require();
    asRoot.require();
    dpkgDeb.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-apt-'));
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      origin: 'apt.test/log',
      openWrites: true,
      batchIntervalMs: 2,
    });
    url = await registry.listen();
    const key = JSON.parse((await runCli(['keygen', '--out', join(dir, 'keys'), '--json'])).stdout);
    deb = buildDeb('sigil-hello', '1.0-1', 'hello from sigil');
    const pub = await runCli(['publish', deb, '--server', url, '--key', key.privateKey], {
      SIGIL_CONFIG_DIR: join(dir, 'config'),
    });
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    keyFile = join(dir, 'sigil-archive-keyring.asc');
    writeFileSync(keyFile, await fetchText('/debian/sigil-archive-keyring.asc'));
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('apt-get update verifies InRelease with signed-by the registry key; apt-get install installs the logged bytes', async () => {
    const apt = aptRoot('good', `${url}/debian`, keyFile);
    const up = await apt.run('update');
    expect(up.status, up.stdout + up.stderr).toBe(0);
    const inst = await apt.run('install', '-y', '--no-install-recommends', 'sigil-hello');
    expect(inst.status, inst.stdout + inst.stderr).toBe(0);
    expect(readFileSync(join(apt.root, 'usr/bin/sigil-hello'), 'utf8')).toContain(
      'hello from sigil',
    );
    // the Packages stanza names exactly the release Sigil logged
    const packages = await fetchText('/debian/dists/sigil/main/binary-amd64/Packages');
    const record = registry.store.ofType('deb')[0]!;
    expect(packages).toContain(`SHA256: ${record.sha256}`);
  });

  it('an InRelease checked against another key is refused (NO_PUBKEY)', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'Eve' }],
      format: 'object',
    });
    const other = join(dir, 'eve.asc');
    writeFileSync(other, privateKey.toPublic().armor());
    const apt = aptRoot('otherkey', `${url}/debian`, other);
    const up = await apt.run('update');
    expect(up.status).not.toBe(0);
    expect(up.stdout + up.stderr).toMatch(/NO_PUBKEY|not signed/);
  });

  it('an expired Valid-Until is refused', async () => {
    // The same repository, signed by the same key with a one-second window, replayed later by a mirror.
    const shortLived = new AptRepository(registry.storage, registry.openpgpKey.privateKey, {
      ...registry.apt.options,
      validitySeconds: 1,
    });
    const snap = await shortLived.snapshot();
    const files = new Map<string, Buffer | string>([['dists/sigil/InRelease', snap.inRelease]]);
    for (const [p, b] of snap.indexes) files.set(`dists/sigil/${p}`, b);
    await new Promise((r) => setTimeout(r, 2500));
    const m = await mirror(files);
    try {
      const up = await aptRoot('expired', m.url, keyFile).run('update');
      expect(up.status, up.stdout + up.stderr).not.toBe(0);
      expect(up.stdout + up.stderr).toMatch(/expired/i);
    } finally {
      m.server.close();
    }
  });

  it('a changed Packages index and a changed .deb are each refused', async () => {
    const files = new Map<string, Buffer | string>();
    files.set('dists/sigil/InRelease', await fetchText('/debian/dists/sigil/InRelease'));
    for (const arch of ['amd64', 'all']) {
      for (const f of ['Packages', 'Packages.gz'])
        files.set(
          `dists/sigil/main/binary-${arch}/${f}`,
          await fetchBytes(`/debian/dists/sigil/main/binary-${arch}/${f}`),
        );
    }
    const poolPath = [...(await registry.apt.snapshot()).pool.keys()][0]!;
    const good = await fetchBytes(`/debian/${poolPath}`);

    // 1. Packages changed (another SHA256 for the .deb), InRelease untouched
    const changed = new Map(files);
    for (const arch of ['amd64', 'all']) {
      const text = files
        .get(`dists/sigil/main/binary-${arch}/Packages`)!
        .toString()
        .replace(/SHA256: [0-9a-f]{64}/, `SHA256: ${'0'.repeat(64)}`);
      changed.set(`dists/sigil/main/binary-${arch}/Packages`, text);
      changed.delete(`dists/sigil/main/binary-${arch}/Packages.gz`);
    }
    const m1 = await mirror(changed);
    try {
      const up = await aptRoot('packages', m1.url, keyFile).run('update');
      expect(up.status).not.toBe(0);
      expect(up.stdout + up.stderr).toMatch(
        /Hash Sum mismatch|unexpected size|File has unexpected/i,
      );
    } finally {
      m1.server.close();
    }

    // 2. the .deb changed, indexes intact: update passes, install refuses
    const evil = Buffer.from(good);
    evil[evil.length - 10]! ^= 0xff;
    const withDeb = new Map(files);
    withDeb.set(poolPath, evil);
    const m2 = await mirror(withDeb);
    try {
      const apt = aptRoot('deb', m2.url, keyFile);
      expect((await apt.run('update')).status).toBe(0);
      const inst = await apt.run('install', '-y', 'sigil-hello');
      expect(inst.status).not.toBe(0);
      expect(inst.stdout + inst.stderr).toMatch(/Hash Sum mismatch|hash/i);
      expect(existsSync(join(apt.root, 'usr/bin/sigil-hello'))).toBe(false);
    } finally {
      m2.server.close();
    }
  });
});
