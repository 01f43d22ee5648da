// Maven resolves from Sigil's Maven 2 repository: a jar and its POM
// (test/fixtures/ecosystems/maven) are published over /api/v1, and the real mvn 3.8
// (`maven-deploy-plugin:deploy-file` with a Bearer token, then `maven-dependency-plugin:get`, Debian's packaged plugin from /usr/share/maven-repo as
// the mirror of central) downloads them with checksumPolicy=fail on Sigil's repository
// only (a global -C fails on Debian's mirror, which has no checksum files). A mirror that
// serves a changed jar with Sigil's genuine .sha1 makes the build fail. The .asc beside each
// file verifies with the registry's OpenPGP key.
// Under CI=true a missing mvn or plugin fails; locally the suite is skipped, loudly.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { needsCondition, needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/personalities/maven.test.ts';
const mvn = needsProgram('mvn', ['-v'], 'apt-get install maven', FILE);
const PLUGIN = '/usr/share/maven-repo/org/apache/maven/plugins/maven-dependency-plugin';
const plugin = needsCondition(
  "Debian's maven-dependency-plugin",
  existsSync(PLUGIN),
  'apt-get install libmaven-dependency-plugin-java junit4',
  FILE,
);
const skip = skipUnlessPresent(mvn) || skipUnlessPresent(plugin);
const FIX = join(import.meta.dirname, '../fixtures/ecosystems/maven');
const jar = readFileSync(join(FIX, 'sigil-demo-1.0.0.jar'));
const pom = readFileSync(join(FIX, 'sigil-demo-1.0.0.pom'));
const BASE = 'org/example/sigil/sigil-demo/1.0.0/sigil-demo-1.0.0';

function settings(dir: string, repoUrl: string, token?: string): string {
  const file = join(dir, `settings-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(
    file,
    `<settings><localRepository>${join(dir, `m2-${Math.random().toString(36).slice(2)}`)}</localRepository>
  ${token ? `<servers><server><id>sigil</id><configuration><httpHeaders><property><name>Authorization</name><value>Bearer ${token}</value></property></httpHeaders></configuration></server></servers>` : ''}
  <mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors>
  <profiles><profile><id>sigil</id><repositories><repository><id>sigil</id><url>${repoUrl}</url>
    <releases><enabled>true</enabled><checksumPolicy>fail</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>
  </repository></repositories></profile></profiles>
  <activeProfiles><activeProfile>sigil</activeProfile></activeProfiles></settings>`,
  );
  return file;
}

function pluginVersion(): string {
  // Debian installs the plugin under its upstream version and "debian"
  return latestIn(PLUGIN);
}
function latestIn(dir: string): string {
  return (
    readdirSync(dir)
      .filter((v) => /^\d/.test(v))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .at(-1) ?? 'debian'
  );
}

// async: the repository is served by this same process, so a blocking spawn would deadlock
function dependencyGet(settingsFile: string): Promise<{ status: number | null; out: string }> {
  return runMvn([
    '-B',
    '-s',
    settingsFile,
    `org.apache.maven.plugins:maven-dependency-plugin:${pluginVersion()}:get`,
    '-Dartifact=org.example.sigil:sigil-demo:1.0.0',
    '-Dtransitive=false',
  ]);
}

function runMvn(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('mvn', args, { cwd: tmpdir() });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

describe.skipIf(skip)('mvn resolves from sigil serve with strict checksums', () => {
  let t: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    mvn.require();
    plugin.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-maven-'));
    t = await startRegistry('maven');
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('mvn deploy:deploy-file PUTs the jar and POM with a token; they become logged releases', async () => {
    const token = await t.tokenFor('ada');
    const r = await runMvn([
      '-B',
      '-s',
      settings(dir, `${t.url}/maven2`, token),
      `org.apache.maven.plugins:maven-deploy-plugin:${latestIn('/usr/share/maven-repo/org/apache/maven/plugins/maven-deploy-plugin')}:deploy-file`,
      `-Dfile=${join(FIX, 'sigil-demo-1.0.0.jar')}`,
      `-DpomFile=${join(FIX, 'sigil-demo-1.0.0.pom')}`,
      `-Durl=${t.url}/maven2`,
      '-DrepositoryId=sigil',
    ]);
    expect(r.status, r.out.slice(-3000)).toBe(0);
    expect(t.reg.store.get('pkg:maven/org.example.sigil/sigil-demo@1.0.0')?.sha256).toBe(
      createHash('sha256').update(jar).digest('hex'),
    );
    expect(t.reg.store.get('pkg:maven/org.example.sigil/sigil-demo@1.0.0?type=pom')?.sha256).toBe(
      createHash('sha256').update(pom).digest('hex'),
    );
  }, 120_000);

  it('serves the layout, checksums, maven-metadata.xml and an .asc by the registry OpenPGP key', async () => {
    const get = async (p: string) => fetch(`${t.url}/maven2/${p}`);
    expect(Buffer.from(await (await get(`${BASE}.jar`)).arrayBuffer())).toEqual(jar);
    for (const alg of ['sha1', 'sha256', 'sha512', 'md5'])
      expect(await (await get(`${BASE}.jar.${alg}`)).text()).toBe(
        createHash(alg).update(jar).digest('hex'),
      );
    const meta = await (await get('org/example/sigil/sigil-demo/maven-metadata.xml')).text();
    expect(meta).toContain('<release>1.0.0</release>');
    expect(await (await get('org/example/sigil/sigil-demo/maven-metadata.xml.sha1')).text()).toBe(
      createHash('sha1').update(meta).digest('hex'),
    );
    const asc = await (await get(`${BASE}.jar.asc`)).text();
    const key = await openpgp.readKey({ armoredKey: t.reg.openpgpKey.publicArmored });
    const ok = await openpgp.verify({
      message: await openpgp.createMessage({ binary: jar }),
      signature: await openpgp.readSignature({ armoredSignature: asc }),
      verificationKeys: key,
    });
    await expect(ok.signatures[0]!.verified).resolves.toBe(true);
    const bad = await openpgp.verify({
      message: await openpgp.createMessage({ binary: Buffer.concat([jar, Buffer.from('x')]) }),
      signature: await openpgp.readSignature({ armoredSignature: asc }),
      verificationKeys: key,
    });
    await expect(bad.signatures[0]!.verified).rejects.toThrow();
    // unsigned upload: no author bundle to serve
    expect((await get(`${BASE}.jar.sigstore.json`)).status).toBe(404);
  });

  it('mvn dependency:get downloads the jar with checksumPolicy=fail', async () => {
    const r = await dependencyGet(settings(dir, `${t.url}/maven2`));
    expect(r.status, r.out.slice(-3000)).toBe(0);
    expect(r.out).toMatch(/BUILD SUCCESS/);
  }, 120_000);

  it('a changed jar with the genuine .sha1 fails the build', async () => {
    const evil = Buffer.from(jar);
    evil[evil.length - 30]! ^= 0xff;
    const server: Server = createServer(async (req, res) => {
      const path = (req.url ?? '').replace(/^\/maven2\//, '');
      if (path === `${BASE}.jar`) return res.end(evil);
      const up = await fetch(`${t.url}/maven2/${path}`);
      res.statusCode = up.status;
      res.end(Buffer.from(await up.arrayBuffer()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await dependencyGet(
        settings(dir, `http://127.0.0.1:${(server.address() as { port: number }).port}/maven2`),
      );
      expect(r.status, r.out.slice(-3000)).not.toBe(0);
      expect(r.out).toMatch(/[Cc]hecksum validation failed|ChecksumFailure|checksum/);
    } finally {
      server.close();
    }
  }, 120_000);

  it('bad input over HTTP: mismatching coordinates or checksums, overwrite, traversal, malformed metadata, oversize — clear errors, nothing stored', async () => {
    const token = await t.tokenFor('bob');
    const before = t.reg.store.count();
    // file name says another version than the POM inside
    const a = await t.publish(token, pom, { filename: 'sigil-demo-2.0.0.pom', type: 'maven' });
    expect(a.status, a.text).toBeGreaterThanOrEqual(400);
    const b = await t.publish(token, Buffer.from('<project><groupId>g</groupId>'), {
      filename: 'x-1.pom',
      type: 'maven',
    });
    expect(b.status, b.text).toBe(400);
    expect(b.json.error?.message).toContain('x-1.pom');
    // the released jar again with other bytes
    const evil = Buffer.from(jar);
    evil[evil.length - 30]! ^= 0xff;
    const c = await t.publish(token, evil, { filename: 'sigil-demo-1.0.0.jar', type: 'maven' });
    expect([403, 409], c.text).toContain(c.status);
    expect(t.reg.store.count()).toBe(before);
    for (const p of [
      'org/example/../../../keys/registry.key',
      'org/example/sigil/sigil-demo/1.0.0/..%2F..%2F..%2Fkeys%2Fregistry.key',
      '..%2Fkeys/registry.key/x/y',
    ]) {
      const r = await fetch(`${t.url}/maven2/${p}`);
      expect(r.status, p).toBe(404);
      expect(await r.text()).not.toMatch(/PRIVATE KEY/);
    }
    const put = (p: string, body: Buffer | string, tok: string | undefined = token) =>
      fetch(`${t.url}/maven2/${p}`, {
        method: 'PUT',
        body,
        headers: tok ? { authorization: `Bearer ${tok}` } : {},
      });
    const anon = await put(`${BASE}.jar`, jar, '');
    expect(anon.status, await anon.clone().text()).toBe(401);
    const other = await t.tokenFor('carol');
    const wrongPlace = await put(
      'org/example/sigil/sigil-demo/2.0.0/sigil-demo-2.0.0.jar',
      jar,
      other,
    );
    expect(wrongPlace.status).toBe(400);
    expect(((await wrongPlace.json()) as { error: { code: string } }).error.code).toBe(
      'MAVEN_COORDINATES_MISMATCH',
    );
    const badSum = await put(`${BASE}.jar.sha1`, '0'.repeat(40), other);
    expect(badSum.status).toBe(400);
    expect(((await badSum.json()) as { error: { code: string } }).error.code).toBe(
      'MAVEN_CHECKSUM_MISMATCH',
    );
    expect(
      (await put(`${BASE}.jar.sha1`, createHash('sha1').update(jar).digest('hex'), other)).status,
    ).toBe(201);
    const overwrite = await put(`${BASE}.jar`, evil, other);
    expect([403, 409]).toContain(overwrite.status);
    const badMeta = await put(
      'org/example/sigil/sigil-demo/maven-metadata.xml',
      '<metadata><groupId>evil</groupId><artifactId>x</artifactId></metadata>',
      other,
    );
    expect(((await badMeta.json()) as { error: { code: string } }).error.code).toBe(
      'MAVEN_COORDINATES_MISMATCH',
    );
    expect(
      (await put('org/example/sigil/sigil-demo/maven-metadata.xml', 'not xml', other)).status,
    ).toBe(400);
    expect((await put('..%2F..%2Fkeys/x/1/x-1.jar', jar, other)).status).toBe(400);
    const big = await put('org/example/big/1/big-1.jar', Buffer.alloc(1024 * 1024 + 10), other);
    expect(big.status).toBe(413);
    expect(t.reg.store.count()).toBe(before);
  });
});
