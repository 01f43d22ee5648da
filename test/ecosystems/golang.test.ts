import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { golangAdapter, inspectGoModule } from '../../src/ecosystems/golang/index.js';
import { hash1 } from '../../src/ecosystems/golang/digest.js';
import { needsCondition } from '../helpers/real-program.js';
import { fileArtifact, hasTool, makeZip, memArtifact, run, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems/golang');
const goModDev = '/usr/share/gocode/src/golang.org/x/mod/zip/zip.go';

describe('golang adapter', () => {
  const modDev = needsCondition(
    'golang.org/x/mod sources',
    existsSync(goModDev),
    'apt-get install golang-golang-x-mod-dev',
    'test/ecosystems/golang.test.ts',
  );
  modDev.require();
  const haveGo = hasTool('go', ['version']) && modDev.present;

  it.skipIf(!haveGo)('matches golang.org/x/mod zip + dirhash for a zip the Go tooling made', () => {
    const tmp = tempDir();
    const gopath = join(tmp, 'gopath');
    cpSync(join(FIX, 'hashtool'), join(gopath, 'src/hashtool'), { recursive: true });
    const env = {
      GO111MODULE: 'off',
      GOPATH: `${gopath}:/usr/share/gocode`,
      GOCACHE: join(tmp, 'cache'),
      GOFLAGS: '',
    };
    run('go', ['build', '-o', join(tmp, 'hashtool'), 'hashtool'], gopath, env);
    const zipPath = join(tmp, 'v2.1.0.zip');
    const out = run(
      join(tmp, 'hashtool'),
      [join(FIX, 'hello'), 'example.com/sigil/hello/v2', 'v2.1.0', zipPath],
      tmp,
      env,
    )
      .trim()
      .split('\n');
    return (async () => {
      const art = fileArtifact(zipPath);
      expect(golangAdapter.detect(art.name, readFileSync(zipPath).subarray(0, 512))).toBe('yes');
      const facts = await inspectGoModule(art);
      expect(facts.purl).toBe('pkg:golang/example.com/sigil/hello/v2@v2.1.0');
      expect(facts.zipHash.value).toBe(out[0]);
      expect(facts.goModHash.value).toBe(out[1]);
      expect((await golangAdapter.digest(art)).value).toBe(out[0]);
    })();
  });

  it('hashes raw names sorted by bytes (known vector: empty file list)', () => {
    // dirhash.Hash1 of no files is base64(sha256("")).
    expect(hash1([])).toBe('h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('refuses zips that are not module zips', async () => {
    const bad = [
      makeZip([{ name: 'foo/go.mod', data: 'module foo\n' }]),
      makeZip([{ name: 'example.com/a@v1.0.0/go.mod', data: 'module example.com/b\n' }]),
      makeZip([
        { name: 'example.com/a@v1.0.0/go.mod', data: 'module example.com/a\n' },
        { name: 'other/x.go' },
      ]),
      makeZip([{ name: 'example.com/a@v1.0.0/../../x.go', data: 'x' }]),
      makeZip([{ name: 'example.com/a@v1.0.0/x.go' }, { name: 'example.com/a@v1.0.0/x.go' }]),
      makeZip([{ name: 'example.com/a@latest/x.go' }]),
      makeZip([{ name: 'example.com/a@v1.0.0/l', data: '../../etc/passwd', mode: 0o120777 }]),
      makeZip([{ name: 'example.com/a@v1.0.0/go.mod', data: 'module example.com/a\n' }]).subarray(
        0,
        40,
      ),
    ];
    for (const [i, b] of bad.entries()) {
      await expect(
        inspectGoModule(memArtifact(`v1.0.0-${i}.zip`, b)),
        `case ${i}`,
      ).rejects.toMatchObject({
        name: expect.stringMatching(/InputError|ArchiveError/),
        file: `v1.0.0-${i}.zip`,
      });
    }
  });

  it('synthesises go.mod for modules without one', async () => {
    const f = await inspectGoModule(
      memArtifact(
        'v1.0.0.zip',
        makeZip([{ name: 'example.com/old@v1.0.0/a.go', data: 'package old\n' }]),
      ),
    );
    expect(f.goModHash.value).toBe(
      hash1([{ name: 'go.mod', content: Buffer.from('module example.com/old\n') }]),
    );
  });

  it('reads go.sum into zip and go.mod hashes per module version', () => {
    const entries = golangAdapter.lockfiles![0]!.read('go.sum', readFileSync(join(FIX, 'go.sum')));
    expect(entries).toEqual([
      {
        purl: 'pkg:golang/github.com/google/go-cmp@v0.5.9',
        digests: [
          { algorithm: 'h1', value: 'h1:O2Tfq5qg4qc4AmwVlvv0oLiVAGB7enBSJ2x2DqQFi38=' },
          { algorithm: 'h1-go.mod', value: 'h1:17dUlkBOakJ0+DkrSSNjCkIjxS6bF9zb3elmeNGIjoY=' },
        ],
      },
      {
        purl: 'pkg:golang/golang.org/x/mod@v0.7.0',
        digests: [
          { algorithm: 'h1-go.mod', value: 'h1:iBbtSCu2XBx23ZKBPSOrRkjjQPZFPuis4dIYUhu/chs=' },
        ],
      },
      {
        purl: 'pkg:golang/github.com/Azure/go-autorest@v14.2.0+incompatible',
        digests: [{ algorithm: 'h1', value: 'h1:V5VMDjClD3GiElqLWO7mz2MxNAK/vTfRHdAubSIPRgs=' }],
      },
    ]);
    expect(() =>
      golangAdapter.lockfiles![0]!.read('go.sum', Buffer.from('foo v1.0.0 sha256:abc\n')),
    ).toThrow(/go\.sum: line 1/);
  });
});
