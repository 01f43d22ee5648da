import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { gemAdapter } from '../../src/ecosystems/gem/index.js';
import { readGemfileLock } from '../../src/ecosystems/gem/lockfile.js';
import { mavenAdapter, mavenChecksums } from '../../src/ecosystems/maven/index.js';
import { readGradleVerificationMetadata } from '../../src/ecosystems/maven/lockfile.js';
import { nugetAdapter } from '../../src/ecosystems/nuget/index.js';
import { normalizeNuGetVersion } from '../../src/ecosystems/nuget/identify.js';
import { readPackagesLockJson } from '../../src/ecosystems/nuget/lockfile.js';
import {
  bytesArtifact,
  fileArtifact,
  fixture,
  hasTool,
  inputError,
  onlyInputErrors,
  tarOf,
} from './eco2-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-eco2-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (alg: string, p: string) => execFileSync(`${alg}sum`, [p]).toString().split(' ')[0];

describe('gem', () => {
  it('identifies the fixture and gives the file sha256', async () => {
    const a = fileArtifact(fixture('gem', 'sigil_demo-0.1.0.gem'));
    expect(gemAdapter.detect(a.name, (await a.bytes()).subarray(0, 512))).toBe('yes');
    expect((await gemAdapter.identify(a)).purl).toBe('pkg:gem/sigil_demo@0.1.0');
    expect((await gemAdapter.digest(a)).value).toBe(sha('sha256', a.path!));
  });

  it('agrees with `gem build` and `gem specification` on a gem built now, platform included', async () => {
    if (!hasTool('gem')) return;
    const dir = join(tmp, 'gem');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'x.rb'), '');
    writeFileSync(
      join(dir, 'x.gemspec'),
      'Gem::Specification.new { |s| s.name = "made-now"; s.version = "2.0.0.pre1"; s.summary = "x"; s.authors = ["x"]; s.files = ["lib/x.rb"]; s.platform = "x86_64-linux" }\n',
    );
    execFileSync('gem', ['build', 'x.gemspec'], { cwd: dir, stdio: 'ignore' });
    const path = join(dir, 'made-now-2.0.0.pre1-x86_64-linux.gem');
    const a = fileArtifact(path);
    const id = await gemAdapter.identify(a);
    const name = execFileSync('gem', ['specification', path, 'name']).toString();
    expect(name).toContain(id.name);
    expect(id).toMatchObject({
      version: '2.0.0.pre1',
      purl: 'pkg:gem/made-now@2.0.0.pre1?platform=x86_64-linux',
    });
    expect((await gemAdapter.digest(a)).value).toBe(sha('sha256', path));
  });

  it('refuses hostile gems with InputError', async () => {
    expect(
      (
        await inputError(
          gemAdapter.identify(bytesArtifact('x.gem', tarOf([{ name: 'data.tar.gz', data: 'x' }]))),
        )
      ).code,
    ).toBe('GEM_METADATA_MISSING');
    const yaml = (s: string) =>
      bytesArtifact('x.gem', tarOf([{ name: 'metadata.gz', data: gzipSync(s) }]));
    expect(
      (
        await inputError(
          gemAdapter.identify(yaml('--- !ruby/object:Gem::Specification\nname: [unclosed\n')),
        )
      ).code,
    ).toBe('GEM_METADATA_INVALID');
    expect(
      (
        await inputError(
          gemAdapter.identify(
            yaml('--- !ruby/object:Gem::Specification\nname: "a b"\nversion: 1\n'),
          ),
        )
      ).message,
    ).toContain('not a gem name');
    const bomb =
      'a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
      Array.from(
        { length: 12 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ).join('\n');
    expect((await inputError(gemAdapter.identify(yaml(bomb)))).code).toBe('GEM_METADATA_INVALID');
    const good = readFileSync(fixture('gem', 'sigil_demo-0.1.0.gem'));
    expect(
      (await inputError(gemAdapter.identify(bytesArtifact('t.gem', good.subarray(0, 900))))).code,
    ).toMatch(/ARCHIVE_|GEM_/);
    expect(
      (
        await inputError(
          gemAdapter.identify(
            bytesArtifact('t.gem', tarOf([{ name: '../../metadata.gz', data: 'x' }])),
          ),
        )
      ).code,
    ).toBe('ARCHIVE_PATH_TRAVERSAL');
  });

  it('reads Gemfile.lock with its CHECKSUMS section', () => {
    const entries = readGemfileLock('Gemfile.lock', readFileSync(fixture('gem', 'Gemfile.lock')));
    expect(entries.map((e) => e.purl)).toEqual([
      'pkg:gem/nokogiri@1.16.0?platform=x86_64-linux',
      'pkg:gem/racc@1.7.3',
      'pkg:gem/rake@13.1.0',
    ]);
    expect(entries[1]!.digests).toEqual([
      {
        algorithm: 'sha256',
        value: 'b785ab8a30ec43bce073c51dbbe791fd27000f68d1c996c95da98bf685316905',
      },
    ]);
    expect(entries[2]!.digests).toEqual([]);
    expect(entries[0]!.resolved).toBe('https://rubygems.org/');
  });

  it('Gemfile.lock errors name the line', async () => {
    const e = await inputError(() =>
      readGemfileLock('Gemfile.lock', Buffer.from('GEM\n  specs:\n    bad spec line\n')),
    );
    expect(e.field).toBe('line 3');
  });
});

describe('nuget', () => {
  it('identifies the nupkg and gives base64 sha512', async () => {
    const a = fileArtifact(fixture('nuget', 'Sigil.Demo.1.2.0.nupkg'));
    expect(nugetAdapter.detect(a.name, await a.bytes())).toBe('yes');
    expect(await nugetAdapter.identify(a)).toMatchObject({
      name: 'Sigil.Demo',
      version: '1.2.0',
      purl: 'pkg:nuget/Sigil.Demo@1.2.0',
    });
    const b64 = execFileSync('sh', [
      '-c',
      `openssl dgst -sha512 -binary '${a.path}' | base64 -w0`,
    ]).toString();
    expect(await nugetAdapter.digest(a)).toEqual({ algorithm: 'sha512-base64', value: b64 });
  });
  it('normalizes versions as NuGet does', () => {
    expect(normalizeNuGetVersion('1.02')).toBe('1.2.0');
    expect(normalizeNuGetVersion('1.0.0.0')).toBe('1.0.0');
    expect(normalizeNuGetVersion('1.0.0.4-beta+sha')).toBe('1.0.0.4-beta');
  });
  it('refuses a nupkg without a nuspec, and a broken zip', async () => {
    expect(
      (
        await inputError(
          nugetAdapter.identify(fileArtifact(fixture('maven', 'sigil-demo-1.0.0.jar'))),
        )
      ).code,
    ).toBe('NUGET_NUSPEC_MISSING');
    const good = readFileSync(fixture('nuget', 'Sigil.Demo.1.2.0.nupkg'));
    expect(
      (
        await inputError(
          nugetAdapter.identify(bytesArtifact('t.nupkg', good.subarray(0, good.length - 30))),
        )
      ).code,
    ).toMatch(/ARCHIVE_/);
  });
  it('reads packages.lock.json', () => {
    const entries = readPackagesLockJson(
      'packages.lock.json',
      readFileSync(fixture('nuget', 'packages.lock.json')),
    );
    expect(entries.map((e) => e.purl)).toEqual([
      'pkg:nuget/Newtonsoft.Json@13.0.3',
      'pkg:nuget/Serilog@3.1.1',
    ]);
    expect(entries[0]!.digests[0]!.algorithm).toBe('sha512-base64');
  });
  it('packages.lock.json errors name the field', async () => {
    const e = await inputError(() =>
      readPackagesLockJson(
        'packages.lock.json',
        Buffer.from(
          '{"version":1,"dependencies":{"net8.0":{"A":{"resolved":"1.0.0","contentHash":"nope"}}}}',
        ),
      ),
    );
    expect(e.field).toBe('dependencies.net8.0.A.contentHash');
  });
});

describe('maven', () => {
  it('identifies the jar from pom.properties and gives sha1 like sha1sum', async () => {
    const a = fileArtifact(fixture('maven', 'sigil-demo-1.0.0.jar'));
    expect(mavenAdapter.detect(a.name, await a.bytes())).toBe('yes');
    expect(await mavenAdapter.identify(a)).toMatchObject({
      namespace: 'org.example.sigil',
      name: 'sigil-demo',
      purl: 'pkg:maven/org.example.sigil/sigil-demo@1.0.0',
    });
    expect(await mavenAdapter.digest(a)).toEqual({
      algorithm: 'sha1',
      value: sha('sha1', a.path!),
    });
    expect((await mavenChecksums(a))[1]).toEqual({
      algorithm: 'sha256',
      value: sha('sha256', a.path!),
    });
  });
  it('identifies a .pom with type=pom', async () => {
    const a = fileArtifact(fixture('maven', 'sigil-demo-1.0.0.pom'));
    expect((await mavenAdapter.identify(a)).purl).toBe(
      'pkg:maven/org.example.sigil/sigil-demo@1.0.0?type=pom',
    );
  });
  it('agrees with a jar built now by `jar` with a classifier', async () => {
    if (!hasTool('jar')) return;
    const dir = join(tmp, 'jar');
    const meta = join(dir, 'META-INF/maven/com.acme/widget');
    mkdirSync(meta, { recursive: true });
    writeFileSync(
      join(meta, 'pom.properties'),
      'groupId=com.acme\nartifactId=widget\nversion=2.1-SNAPSHOT\n',
    );
    const path = join(tmp, 'widget-2.1-SNAPSHOT-sources.jar');
    execFileSync('jar', ['--create', '--file', path, '-C', dir, '.']);
    const a = fileArtifact(path);
    expect((await mavenAdapter.identify(a)).purl).toBe(
      'pkg:maven/com.acme/widget@2.1-SNAPSHOT?classifier=sources',
    );
    expect((await mavenAdapter.digest(a)).value).toBe(sha('sha1', path));
  });
  it('refuses unresolved POM properties and contradictory paths', async () => {
    const pom = bytesArtifact(
      'x.pom',
      Buffer.from(
        '<project><groupId>g</groupId><artifactId>a</artifactId><version>${revision}</version></project>',
      ),
    );
    const e = await inputError(mavenAdapter.identify(pom));
    expect(e.code).toBe('MAVEN_COORDINATES_INVALID');
    expect(e.hint).toContain('${');
    expect(
      (
        await inputError(
          mavenAdapter.identify(bytesArtifact('x.pom', Buffer.from('<project><groupId>'))),
        )
      ).code,
    ).toBe('MAVEN_POM_INVALID');
  });
  it('reads Gradle verification-metadata.xml', () => {
    const entries = readGradleVerificationMetadata(
      'verification-metadata.xml',
      readFileSync(fixture('maven', 'verification-metadata.xml')),
    );
    expect(entries.map((e) => e.purl)).toEqual([
      'pkg:maven/com.google.guava/guava@33.0.0-jre',
      'pkg:maven/com.google.guava/guava@33.0.0-jre?type=module',
      'pkg:maven/junit/junit@4.13.2?classifier=sources',
    ]);
    expect(entries[1]!.digests).toHaveLength(2);
    expect(entries[2]!.digests.map((d) => d.algorithm)).toEqual(['sha1', 'sha256']);
  });
});

describe('eco2 readers throw only InputError', () => {
  it('Gemfile.lock, packages.lock.json, verification-metadata.xml', async () => {
    const pieces = fc.constantFrom(
      'GEM\n',
      'CHECKSUMS\n',
      '  specs:\n',
      '    a (1.0)\n',
      '  a (1.0) sha256=',
      '{',
      '}',
      '"version":1',
      '"dependencies":',
      '<components>',
      '<component group="g" name="a" version="1">',
      '<artifact name="a-1.jar">',
      '<sha256 value="x"/>',
      '</artifact>',
      '</component>',
      '</components>',
      '<verification-metadata>',
      '</verification-metadata>',
      ',',
      ':',
      '[',
      ']',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pieces, { maxLength: 30 }), fc.string(), async (parts, s) => {
        const text = Buffer.from(parts.join('') + s);
        await onlyInputErrors(() => readGemfileLock('Gemfile.lock', text));
        await onlyInputErrors(() => readPackagesLockJson('packages.lock.json', text));
        await onlyInputErrors(() =>
          readGradleVerificationMetadata('verification-metadata.xml', text),
        );
      }),
      { numRuns: 300 },
    );
  });
  it('identify on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1500 }), async (b) => {
        await onlyInputErrors(() => gemAdapter.identify(bytesArtifact('x.gem', b)));
        await onlyInputErrors(() => nugetAdapter.identify(bytesArtifact('x.nupkg', b)));
        await onlyInputErrors(() => mavenAdapter.identify(bytesArtifact('x.jar', b)));
        await onlyInputErrors(() => mavenAdapter.identify(bytesArtifact('x.pom', b)));
      }),
      { numRuns: 100 },
    );
  });
});
