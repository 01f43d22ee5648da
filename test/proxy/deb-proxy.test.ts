// Interop: the real apt-get installs, through `sigil serve` with `upstreams.deb`, a package that
// was never published to Sigil. The upstream is a static Debian archive (InRelease clear-signed
// by a test key that the config names as the "archive keyring", Packages and Packages.xz listed
// in the Release, .debs built by dpkg-deb). apt trusts only Sigil's key (signed-by).
// Then: the .deb is logged as observed with the upstream's signature evidence; apt fetched the
// .xz indexes; an upstream that republishes a logged version yields a conflict while apt still
// gets the logged bytes; an InRelease by another key, an expired Valid-Until, a Packages file
// that is not the one the Release lists, and a .deb that is not the one Packages lists are each
// refused with an error naming the upstream, and nothing is logged.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { aptRoot } from '../helpers/apt-client.js';
import { runCli } from '../helpers/cli.js';
import { needsCondition, needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { conflictsAt, statementOf } from './static-upstream.js';
import { archiveSigningKey, sha256, StaticArchive, SUITE, xzOf } from './static-debian.js';

const FILE = 'test/proxy/deb-proxy.test.ts';
const aptGet = needsProgram('apt-get', ['--version'], 'apt-get is part of Debian', FILE);
const dpkgDeb = needsProgram('dpkg-deb', ['--version'], 'apt-get install dpkg', FILE);
const xz = needsProgram('xz', ['--version'], 'apt-get install xz-utils', FILE);
const asRoot = needsCondition(
  'root (apt-get install into a throw-away root)',
  process.getuid?.() === 0,
  'run the test as root',
  FILE,
);
const skip =
  skipUnlessPresent(aptGet) ||
  skipUnlessPresent(dpkgDeb) ||
  skipUnlessPresent(xz) ||
  skipUnlessPresent(asRoot);

describe.skipIf(skip)('apt installs from a Debian upstream through sigil serve', () => {
  let dir: string;
  let archive: StaticArchive;
  let archiveKey: openpgp.PrivateKey;
  let registry: Registry;
  let url: string;
  let sigilKeyFile: string;
  const helloPath = 'pool/main/h/hello-up/hello-up_1.0-1_all.deb';
  const otherPath = 'pool/main/o/other-up/other-up_2.0-1_all.deb';
  let helloV1: Buffer;

  beforeAll(async () => {
    aptGet.require();
    dpkgDeb.require();
    xz.require();
    asRoot.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-deb-proxy-'));
    archive = new StaticArchive(dir);
    archiveKey = await archiveSigningKey('Upstream Archive Signing Key');
    const keyringFile = join(dir, 'archive-keyring.asc');
    writeFileSync(keyringFile, archiveKey.toPublic().armor());
    helloV1 = archive.buildDeb('hello-up', '1.0-1', 'hello v1 from the upstream');
    archive.debs.set(helloPath, { name: 'hello-up', version: '1.0-1', bytes: helloV1 });
    archive.debs.set(otherPath, {
      name: 'other-up',
      version: '2.0-1',
      bytes: archive.buildDeb('other-up', '2.0-1', 'other'),
    });
    await archive.publish(archiveKey);
    await archive.start();
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      openWrites: true,
      proxy: parseProxyConfig(
        {
          upstreams: {
            deb: { url: archive.url, suite: SUITE, architectures: ['amd64'], keyring: keyringFile },
          },
          limits: { indexTtlMs: 0, timeoutMs: 2_000 },
        },
        'test',
      ),
    });
    url = await registry.listen();
    sigilKeyFile = join(dir, 'sigil-archive-keyring.asc');
    writeFileSync(
      sigilKeyFile,
      await (await fetch(`${url}/debian/sigil-archive-keyring.asc`)).text(),
    );
  });
  afterAll(async () => {
    await registry?.close();
    await archive?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sources = () => [
    { url: `${url}/debian`, suite: SUITE, keyFile: sigilKeyFile },
    { url: `${url}/debian`, suite: 'sigil', keyFile: sigilKeyFile },
  ];

  it('apt-get update and install through Sigil: the .deb is checked from the archive keyring down and logged as observed; apt reads Packages.xz', async () => {
    // a package published here too: the hosted suite and the upstream suite side by side
    const own = archive.buildDeb('sigil-own', '1.0', 'own');
    writeFileSync(join(dir, 'sigil-own_1.0_all.deb'), own);
    const k = JSON.parse((await runCli(['keygen', '--out', join(dir, 'keys'), '--json'])).stdout);
    const pub = await runCli(
      ['publish', join(dir, 'sigil-own_1.0_all.deb'), '--server', url, '--key', k.privateKey],
      { SIGIL_CONFIG_DIR: join(dir, 'config') },
    );
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);

    const apt = aptRoot(dir, 'good', sources());
    const up = await apt.run('-o', 'Debug::Acquire::http=true', 'update');
    expect(up.status, up.stdout + up.stderr).toBe(0);
    const log = up.stdout + up.stderr;
    expect(log).toContain(`GET /debian/dists/${SUITE}/main/binary-amd64/Packages.xz`);
    expect(log).toContain('GET /debian/dists/sigil/main/binary-amd64/Packages.xz');
    expect(log).not.toMatch(/W: |E: /);
    const inst = await apt.run('install', '-y', '--no-install-recommends', 'hello-up', 'sigil-own');
    expect(inst.status, inst.stdout + inst.stderr).toBe(0);
    expect(readFileSync(join(apt.root, 'usr/bin/hello-up'), 'utf8')).toContain('hello v1');
    expect(existsSync(join(apt.root, 'usr/bin/sigil-own'))).toBe(true);

    const row = registry.store.get('pkg:deb/debian/hello-up@1.0-1?arch=all')!;
    expect(row.sha256).toBe(sha256(helloV1));
    const st = statementOf(row);
    expect(st.predicateType).toMatch(/observed/);
    expect(st.predicate.artifactUrl).toBe(`${archive.url}/${helloPath}`);
    expect(st.predicate.evidence.registrySignature.verdict).toBe('valid');
    expect(st.predicate.evidence.indexDigest).toEqual({
      algorithm: 'sha256',
      value: sha256(helloV1),
    });
    expect(archive.requests.filter((p) => p.endsWith(helloPath))).toHaveLength(1);
    // the hosted suite lists only what was published here; the observed .deb stays in the upstream suite
    const hosted = await (
      await fetch(`${url}/debian/dists/sigil/main/binary-amd64/Packages`)
    ).text();
    expect(hosted).toContain('Package: sigil-own');
    expect(hosted).not.toContain('hello-up');
    // Sigil's Release is signed by Sigil's key and lists the .xz
    const inRelease = await (await fetch(`${url}/debian/dists/${SUITE}/InRelease`)).text();
    expect(inRelease).toMatch(/main\/binary-amd64\/Packages\.xz/);
    const verified = await openpgp.verify({
      message: await openpgp.readCleartextMessage({ cleartextMessage: inRelease }),
      verificationKeys: await openpgp.readKey({ armoredKey: readFileSync(sigilKeyFile, 'utf8') }),
      expectSigned: true,
    });
    expect(verified.data).toContain(`Suite: ${SUITE}`);
  });

  it('an upstream that republishes a logged version: a conflict is logged, apt still gets the logged bytes', async () => {
    const helloV2 = archive.buildDeb('hello-up', '1.0-1', 'hello v2 REPUBLISHED');
    archive.debs.set(helloPath, { name: 'hello-up', version: '1.0-1', bytes: helloV2 });
    await archive.publish(archiveKey);
    const packages = await (
      await fetch(`${url}/debian/dists/${SUITE}/main/binary-amd64/Packages`)
    ).text();
    expect(packages).toContain(`SHA256: ${sha256(helloV1)}`);
    expect(packages).not.toContain(sha256(helloV2));
    expect(await conflictsAt(url)).toContainEqual([
      'pkg:deb/debian/hello-up@1.0-1?arch=all',
      archive.url,
    ]);
    const apt = aptRoot(dir, 'conflict', sources());
    expect((await apt.run('update')).status).toBe(0);
    const inst = await apt.run('install', '-y', '--no-install-recommends', 'hello-up');
    expect(inst.status, inst.stdout + inst.stderr).toBe(0);
    expect(readFileSync(join(apt.root, 'usr/bin/hello-up'), 'utf8')).toContain('hello v1');
    archive.debs.set(helloPath, { name: 'hello-up', version: '1.0-1', bytes: helloV1 });
    await archive.publish(archiveKey);
  });

  let refusals = 0;
  async function refused(code: RegExp): Promise<void> {
    const r = await fetch(`${url}/debian/dists/${SUITE}/InRelease`);
    const body = await r.text();
    expect(r.status, body).toBe(502);
    expect(body).toMatch(code);
    expect(body).toContain(archive.url);
    // apt says why too (apt-get update exits 0 on a failed source: match its words)
    const up = await aptRoot(dir, `refused-${refusals++}`, sources().slice(0, 1)).run(
      '-o',
      'Acquire::Retries=0',
      'update',
    );
    expect(up.stdout + up.stderr).toMatch(/502/);
    expect(up.stdout + up.stderr).toMatch(code); // the status line carries Sigil's reason
    // and the package not yet logged is not fetched, nor logged
    const deb = await fetch(`${url}/debian/${otherPath}`);
    expect(deb.status).toBe(502);
    expect(registry.store.get('pkg:deb/debian/other-up@2.0-1?arch=all')).toBeUndefined();
    expect(archive.requests.filter((p) => p.endsWith(otherPath))).toHaveLength(0);
  }

  it('an upstream InRelease signed by a key outside the archive keyring is refused', async () => {
    await archive.publish(await archiveSigningKey('Eve'));
    await refused(/UPSTREAM_SIGNATURE_INVALID/);
    // a logged .deb is still served while the upstream is refused
    const logged = await fetch(`${url}/debian/${helloPath}`);
    expect(logged.status).toBe(200);
    expect(sha256(Buffer.from(await logged.arrayBuffer()))).toBe(sha256(helloV1));
  });

  it('an upstream InRelease whose Valid-Until has passed is refused', async () => {
    const past = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    await archive.publish(archiveKey, {
      now: past,
      validUntil: new Date(past.getTime() + 24 * 3600 * 1000),
    });
    await refused(/UPSTREAM_RELEASE_EXPIRED/);
  });

  it('an upstream Packages.xz that is not the one its Release lists is refused', async () => {
    await archive.publish(archiveKey, { packagesOverride: xzOf(Buffer.from('Package: evil\n')) });
    await refused(/UPSTREAM_INDEX_MISMATCH/);
  });

  it('an upstream .deb that is not the one its Packages lists is refused and not logged', async () => {
    await archive.publish(archiveKey);
    archive.files.set(otherPath, archive.buildDeb('other-up', '2.0-1', 'swapped'));
    const r = await fetch(`${url}/debian/${otherPath}`);
    const body = await r.text();
    expect(r.status, body).toBe(502);
    expect(body).toMatch(/UPSTREAM_DIGEST_MISMATCH/);
    expect(registry.store.get('pkg:deb/debian/other-up@2.0-1?arch=all')).toBeUndefined();
    // the right bytes again: eight clients at once on this first good fetch share one upstream
    // download and one record
    archive.files.set(otherPath, archive.debs.get(otherPath)!.bytes);
    const asked = archive.requests.filter((p) => p.endsWith(otherPath)).length;
    const all = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const each = await fetch(`${url}/debian/${otherPath}`);
        return { status: each.status, sha: sha256(Buffer.from(await each.arrayBuffer())) };
      }),
    );
    expect(all.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(all.map((a) => a.sha))).toEqual(
      new Set([sha256(archive.debs.get(otherPath)!.bytes)]),
    );
    expect(archive.requests.filter((p) => p.endsWith(otherPath)).length - asked).toBe(1);
    expect(registry.store.get('pkg:deb/debian/other-up@2.0-1?arch=all')).toBeDefined();
  });

  it("sigil verify --scheme debian checks Sigil's re-signed suite down to the observed .deb, with Sigil's key and not the upstream's", async () => {
    const args = (keyring: string) => [
      'verify',
      '--scheme',
      'debian',
      `${url}/debian`,
      '--suite',
      `dists/${SUITE}`,
      '--keyring',
      keyring,
      '--check',
      helloPath,
      '--json',
    ];
    const v = await runCli(args(sigilKeyFile));
    expect(v.code, v.stdout + v.stderr).toBe(0);
    // the upstream archive's key does not sign Sigil's suite: apt users pin Sigil's key only
    const upstreamKey = join(dir, 'upstream-only.asc');
    writeFileSync(upstreamKey, archiveKey.toPublic().armor());
    const bad = await runCli(args(upstreamKey));
    expect(bad.code, bad.stdout).not.toBe(0);
    expect(bad.stdout).toMatch(/DEBIAN_RELEASE_NO_KEY|DEBIAN_RELEASE_BAD_SIGNATURE/);
  });
});
