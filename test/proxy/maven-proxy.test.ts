// Interop: the real mvn 3.8 (`maven-dependency-plugin:get` with checksumPolicy=fail on Sigil's
// repository; Debian's packaged plugins from /usr/share/maven-repo as the mirror of central, as
// in test/personalities/maven.test.ts) resolves an artifact that was never published to Sigil,
// through `sigil serve --upstream maven=<static Maven 2 repository>`. The upstream is a folder
// with the jar and POM of test/fixtures/ecosystems/maven and their .sha1 files, behind a plain
// HTTP server.
// Then: jar and POM are logged as observed (each checked against the upstream's .sha1);
// `sigil verify` of Gradle's verification-metadata.xml reports them logged; an upstream that
// republishes the jar yields a conflict record (seen through its .sha1, and a republished POM
// on the POM's own download) while mvn still gets the logged bytes; upstream failures (500, timeout, wrong checksum) answer an error naming the
// upstream and log nothing; a private name is never asked upstream.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { inCI, needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/proxy/maven-proxy.test.ts';
const mvn = needsProgram('mvn', ['-v'], 'apt-get install maven', FILE);
const PLUGIN = '/usr/share/maven-repo/org/apache/maven/plugins/maven-dependency-plugin';
const hasPlugin = existsSync(PLUGIN);
if (!hasPlugin && !inCI)
  console.warn(
    `${FILE}: SKIPPED — Debian's maven-dependency-plugin is missing (apt-get install libmaven-dependency-plugin-java junit4)`,
  );
const skip = skipUnlessPresent(mvn) || (!hasPlugin && !inCI);
const FIX = join(import.meta.dirname, '../fixtures/ecosystems/maven');
const jar = readFileSync(join(FIX, 'sigil-demo-1.0.0.jar'));
const pom = readFileSync(join(FIX, 'sigil-demo-1.0.0.pom'));
const BASE = 'org/example/sigil/sigil-demo/1.0.0/sigil-demo-1.0.0';
const GAMMA = 'org/example/sigil/gamma/0.1/gamma-0.1.pom';
const gammaPom = Buffer.from(
  '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>org.example.sigil</groupId><artifactId>gamma</artifactId><version>0.1</version></project>',
);
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const latestIn = (dir: string) =>
  readdirSync(dir)
    .filter((v) => /^\d/.test(v))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .at(-1) ?? 'debian';

function settings(dir: string, repoUrl: string): string {
  const file = join(dir, `settings-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(
    file,
    `<settings><localRepository>${join(dir, `m2-${Math.random().toString(36).slice(2)}`)}</localRepository>
  <mirrors><mirror><id>debian</id><mirrorOf>central</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors>
  <profiles><profile><id>sigil</id><repositories><repository><id>sigil</id><url>${repoUrl}</url>
    <releases><enabled>true</enabled><checksumPolicy>fail</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>
  </repository></repositories></profile></profiles>
  <activeProfiles><activeProfile>sigil</activeProfile></activeProfiles></settings>`,
  );
  return file;
}

function dependencyGet(settingsFile: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      'mvn',
      [
        '-B',
        '-s',
        settingsFile,
        `org.apache.maven.plugins:maven-dependency-plugin:${latestIn(PLUGIN)}:get`,
        '-Dartifact=org.example.sigil:sigil-demo:1.0.0',
        '-Dtransitive=false',
      ],
      { cwd: tmpdir() },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

/** A static Maven 2 repository: files and their .sha1; faults on demand. */
class StaticMaven extends StaticUpstream {
  readonly files = new Map<string, Buffer>();
  readonly listedSha1 = new Map<string, string>();
  protected readonly root = '/maven2';

  protected serve(rawPath: string, res: ServerResponse): void {
    const path = rawPath.replace(/^\/maven2\//, '');
    let bytes = this.files.get(path);
    if (!bytes && path.endsWith('.sha1')) {
      const of = this.files.get(path.slice(0, -5));
      if (of) bytes = Buffer.from(this.listedSha1.get(path.slice(0, -5)) ?? sha1(of));
    }
    sendBytes(res, bytes);
  }
}

describe.skipIf(skip)('mvn through the verifying proxy', () => {
  let root: string;
  let up: StaticMaven;
  let reg: Registry;
  let url: string;

  beforeAll(async () => {
    mvn.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-maven-proxy-'));
    up = new StaticMaven();
    up.files.set(`${BASE}.jar`, jar);
    up.files.set(`${BASE}.pom`, pom);
    up.files.set(GAMMA, gammaPom);
    up.files.set('org/example/secret/lib/1.0/lib-1.0.jar', jar);
    up.files.set(
      'org/example/sigil/sigil-demo/maven-metadata.xml',
      Buffer.from(
        '<metadata><groupId>org.example.sigil</groupId><artifactId>sigil-demo</artifactId><versioning><release>1.0.0</release><versions><version>1.0.0</version></versions></versioning></metadata>',
      ),
    );
    await up.start();
    ({ reg, url } = await openProxied(root, 'maven', up.url, ['pkg:maven/org.example.secret/*']));
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('mvn dependency:get (checksumPolicy=fail) resolves an artifact never published to Sigil; jar and POM are logged as observed; sigil verify reports them logged', async () => {
    const r = await dependencyGet(settings(root, `${url}/maven2`));
    expect(r.status, r.out).toBe(0);
    for (const [purl, bytes] of [
      ['pkg:maven/org.example.sigil/sigil-demo@1.0.0', jar],
      ['pkg:maven/org.example.sigil/sigil-demo@1.0.0?type=pom', pom],
    ] as const) {
      const row = reg.store.get(purl);
      expect(row, purl).toBeDefined();
      expect(row!.sha256).toBe(sha256(bytes));
      const st = statementOf(row!);
      expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
      expect(st.predicate.evidence.indexDigest).toEqual({ algorithm: 'sha1', value: sha1(bytes) });
    }
    // maven-metadata.xml of an upstream artifact is the upstream's.
    expect(
      await (await fetch(`${url}/maven2/org/example/sigil/sigil-demo/maven-metadata.xml`)).text(),
    ).toContain('<release>1.0.0</release>');

    const meta = join(root, 'verification-metadata.xml');
    writeFileSync(
      meta,
      `<?xml version="1.0" encoding="UTF-8"?>\n<verification-metadata xmlns="https://schema.gradle.org/dependency-verification"><components><component group="org.example.sigil" name="sigil-demo" version="1.0.0"><artifact name="sigil-demo-1.0.0.jar"><sha256 value="${sha256(jar)}"/></artifact><artifact name="sigil-demo-1.0.0.pom"><sha256 value="${sha256(pom)}"/></artifact></component></components></verification-metadata>\n`,
    );
    const v = await runCli(['verify', meta, '--server', url, '--json'], {
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

  it('an upstream that republishes the jar: a conflict record is logged, mvn still gets the logged bytes', async () => {
    const evil = Buffer.concat([jar, Buffer.from('evil')]);
    up.files.set(`${BASE}.jar`, evil);
    const side = await (await fetch(`${url}/maven2/${BASE}.jar.sha1`)).text();
    expect(side.trim()).toBe(sha1(jar));
    expect(await conflictsAt(url)).toEqual([
      ['pkg:maven/org.example.sigil/sigil-demo@1.0.0', up.url],
    ]);
    const r = await dependencyGet(settings(root, `${url}/maven2`));
    expect(r.status, r.out).toBe(0);
    const got = await fetch(`${url}/maven2/${BASE}.jar`);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(jar));
  }, 180_000);

  it('a republished artifact is noticed on the download of the artifact itself, with no checksum request', async () => {
    const before = up.requests.length;
    const evilPom = Buffer.concat([pom, Buffer.from('<!-- evil -->')]);
    up.files.set(`${BASE}.pom`, evilPom);
    const got = await fetch(`${url}/maven2/${BASE}.pom`);
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(pom));
    expect(await conflictsAt(url)).toContainEqual([
      'pkg:maven/org.example.sigil/sigil-demo@1.0.0?type=pom',
      up.url,
    ]);
    // Only the upstream's checksum file was asked, never the bytes again.
    expect(up.requests.slice(before)).toEqual([
      `/maven2/${BASE}.pom.sha256`,
      `/maven2/${BASE}.pom.sha1`,
    ]);
    up.files.set(`${BASE}.pom`, pom);
  }, 60_000);

  it('upstream failures (500, timeout, wrong checksum) answer an error naming the upstream and log nothing', async () => {
    const at = `${url}/maven2/${GAMMA}`;
    const nothingLogged = () =>
      expect(reg.store.get('pkg:maven/org.example.sigil/gamma@0.1?type=pom')).toBeUndefined();
    const message = async (r: Response) => JSON.stringify(await r.json());

    up.fault = { path: `/maven2/${GAMMA}`, kind: '500' };
    let r = await fetch(at);
    expect(r.status).toBe(502);
    expect(await message(r)).toContain(`Maven upstream ${up.url} answered 500`);
    nothingLogged();

    up.fault = { path: `/maven2/${GAMMA}`, kind: 'slow' };
    r = await fetch(at);
    expect(r.status).toBe(504);
    expect(await message(r)).toContain(`Maven upstream ${up.url} did not answer within 1000 ms`);
    nothingLogged();

    up.fault = undefined;
    up.listedSha1.set(GAMMA, sha1(pom));
    r = await fetch(at);
    expect(r.status).toBe(502);
    expect(await message(r)).toContain('UPSTREAM_DIGEST_MISMATCH');
    nothingLogged();

    up.listedSha1.delete(GAMMA);
    r = await fetch(at);
    expect(r.status).toBe(200);
    expect(sha1(Buffer.from(await r.arrayBuffer()))).toBe(sha1(gammaPom));
  }, 60_000);

  it('a private name is never asked upstream', async () => {
    const before = up.requests.length;
    expect((await fetch(`${url}/maven2/org/example/secret/lib/1.0/lib-1.0.jar`)).status).toBe(404);
    expect((await fetch(`${url}/maven2/org/example/secret/lib/maven-metadata.xml`)).status).toBe(
      404,
    );
    expect(up.requests.slice(before).filter((p) => p.includes('secret'))).toEqual([]);
  });
});
