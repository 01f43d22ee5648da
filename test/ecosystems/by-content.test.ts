// Artifacts are recognised by what they contain (the file a package declares
// itself in), not by their file name: every artifact in the fixtures —
// the real released ones in test/fixtures/ecosystems/real and the ones made
// with each ecosystem's tools — is described without --type. A name only
// breaks a tie; two readings that still fit are named, and --type is asked for.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeArtifact } from '../../src/ecosystems/describe.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildTgz } from '../helpers/tar-builder.js';
import { bytesArtifact, fileArtifact, fixture, inputError } from './eco2-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-by-content-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: [dir: string, file: string, purl: string][] = [
  ['real/npm', 'ms-2.1.3.tgz', 'pkg:npm/ms@2.1.3'],
  ['real/npm', 'sigstore-bundle-4.0.0.tgz', 'pkg:npm/%40sigstore/bundle@4.0.0'],
  [
    'real/pypi',
    'hurry.filesize-0.9.tar.gz',
    'pkg:pypi/hurry-filesize@0.9?file_name=hurry.filesize-0.9.tar.gz',
  ],
  ['real/cargo', 'fnv-1.0.7.crate', 'pkg:cargo/fnv@1.0.7'],
  ['real/cargo', 'pin-utils-0.1.0.crate', 'pkg:cargo/pin-utils@0.1.0'],
  // Hackage sdists were taken for PyPI (then failed for lack of PKG-INFO) or Puppet by name.
  ['real/hackage', 'data-default-0.7.1.1.tar.gz', 'pkg:hackage/data-default@0.7.1.1'],
  ['real/hackage', 'string-qq-0.0.4.tar.gz', 'pkg:hackage/string-qq@0.0.4'],
  ['real/cran', 'ini_0.3.1.tar.gz', 'pkg:cran/ini@0.3.1'],
  ['real/puppet', 'asciiduck-sssd-0.3.0.tar.gz', 'pkg:puppet/asciiduck/sssd@0.3.0'],
  // CPAN dists were "cannot tell which package manager"; the author id still comes from --namespace.
  ['real/cpan', 'Any-URI-Escape-0.01.tar.gz', 'pkg:cpan/PHRED/Any-URI-Escape@0.01'],
  ['real/cpan', 'File-Path-Expand-1.02.tar.gz', 'pkg:cpan/PHRED/File-Path-Expand@1.02'],
  ['real/deb', 'netbase_6.4_all.deb', 'pkg:deb/debian/netbase@6.4?arch=all'],
  ['bower', 'sigil-demo-1.4.0.tar.gz', 'pkg:bower/sigil-demo@1.4.0'],
  ['hex', 'sigil_demo-1.2.3.tar', 'pkg:hex/sigil_demo@1.2.3'],
  ['gem', 'sigil_demo-0.1.0.gem', 'pkg:gem/sigil_demo@0.1.0'],
  ['nuget', 'Sigil.Demo.1.2.0.nupkg', 'pkg:nuget/Sigil.Demo@1.2.0'],
  ['maven', 'sigil-demo-1.0.0.jar', 'pkg:maven/org.example.sigil/sigil-demo@1.0.0'],
  ['carthage', 'SigilDemo.framework.zip', 'pkg:carthage/SigilDemo@3.1.4'],
  ['meteor', 'sigil_demo-1.0.3-source.tgz', 'pkg:meteor/sigil/demo@1.0.3'],
  ['puppet', 'sigil-demo-2.0.1.tar.gz', 'pkg:puppet/sigil/demo@2.0.1'],
];

describe('identification by content, without --type', () => {
  it.each(CASES)('%s/%s', async (dir, file, purl) => {
    const d = await describeArtifact(fileArtifact(fixture(dir, file)), { namespace: 'PHRED' });
    expect(d.identity.purl).toBe(purl);
  });

  it('the same bytes under an unhelpful name are still recognised (a CPAN dist renamed to .tgz, a crate to .tar.gz)', async () => {
    const cpan = await describeArtifact(
      bytesArtifact(
        'download.tgz',
        await fileArtifact(fixture('real/cpan', 'Any-URI-Escape-0.01.tar.gz')).bytes(),
      ),
      { namespace: 'PHRED' },
    );
    expect(cpan.identity.purl).toBe('pkg:cpan/PHRED/Any-URI-Escape@0.01');
    const crate = await describeArtifact(
      bytesArtifact(
        'fnv.tar.gz',
        await fileArtifact(fixture('real/cargo', 'fnv-1.0.7.crate')).bytes(),
      ),
    );
    expect(crate.identity.purl).toBe('pkg:cargo/fnv@1.0.7');
  });

  it('two readings that both fit are named, with the file that suggests each, and --type is asked for', async () => {
    const both = buildTgz([
      { name: 'acme-widget-1.0.0/composer.json', content: '{"name":"acme/widget"}' },
      { name: 'acme-widget-1.0.0/package.json', content: '{"name":"widget","version":"1.0.0"}' },
    ]);
    const e = await inputError(describeArtifact(bytesArtifact('acme-widget-1.0.0.tar.gz', both)));
    expect(e.code).toBe('TYPE_AMBIGUOUS');
    expect(e.message).toMatch(
      /npm .*package\.json.* or Composer.*composer\.json|Composer.*composer\.json.* or npm.*package\.json/,
    );
    expect(e.hint).toMatch(/--type npm or --type composer|--type composer or --type npm/);
    // The name breaks the tie: ".tgz" is npm's.
    const d = await describeArtifact(bytesArtifact('widget-1.0.0.tgz', both));
    expect(d.identity.purl).toBe('pkg:npm/widget@1.0.0');
  });

  it('an archive that declares no package says so, and what it looked for', async () => {
    const e = await inputError(
      describeArtifact(fileArtifact(fixture('real/pypi', 'python-toml_0.10.2.orig.tar.gz'))),
    );
    expect(e.code).toBe('TYPE_UNKNOWN');
    expect(e.message).toMatch(/PKG-INFO/);
    expect(e.hint).toMatch(/--type/);
  });

  it('`sigil sign` of a CPAN dist and a Hackage sdist needs no --type', async () => {
    const kg = JSON.parse(
      (await runCli(['keygen', '--out', join(tmp, 'keys'), '--json'])).stdout,
    ) as { privateKey: string; publicKey: string };
    for (const [dir, file, extra] of [
      ['real/cpan', 'Any-URI-Escape-0.01.tar.gz', ['--namespace', 'PHRED']],
      ['real/hackage', 'string-qq-0.0.4.tar.gz', []],
    ] as const) {
      const path = join(tmp, file);
      cpSync(fixture(dir, file), path);
      const r = await runCli(['sign', path, '--key', kg.privateKey, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const v = await runCli(['verify', path, '-k', kg.publicKey, ...extra]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
  });
});

describe('`sigil publish` of a folder holding go.mod', () => {
  let registry: Registry;
  let url: string;
  beforeAll(async () => {
    registry = await openRegistry({
      dataDir: join(tmp, 'data'),
      host: '127.0.0.1',
      port: 0,
      origin: 'by-content.test/log',
      openWrites: true,
      batchIntervalMs: 2,
    });
    url = await registry.listen();
  });
  afterAll(async () => registry?.close());

  it('is a Go module without --type golang; the version is asked for when missing', async () => {
    const kg = JSON.parse(
      (await runCli(['keygen', '--out', join(tmp, 'gokeys'), '--json'])).stdout,
    ) as { privateKey: string };
    const mod = join(tmp, 'hello');
    cpSync(fixture('golang', 'hello'), mod, { recursive: true });
    const env = { SIGIL_CONFIG_DIR: join(tmp, 'config') };
    const noVersion = await runCli(['publish', mod, '--server', url, '--key', kg.privateKey], env);
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toMatch(
      /is a Go module folder: give the version to publish with --version/,
    );
    const r = await runCli(
      ['publish', mod, '--server', url, '--key', kg.privateKey, '--version', 'v2.0.0'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pkg:golang\//);
  });
});
