import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pypiAdapter } from '../../src/ecosystems/pypi/index.js';
import { fileArtifact, hasTool, makeTarGz, makeZip, memArtifact, run, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems/pypi');
const PY = '/usr/bin/python3';
const reader = (name: string) => pypiAdapter.lockfiles!.find((r) => r.matches(name))!;

describe('pypi adapter', () => {
  const have = hasTool(PY, ['-c', 'import setuptools, wheel, pip']);

  it.skipIf(!have)(
    'identifies the wheel and sdist setuptools builds, and digests them as `pip hash` does',
    async () => {
      const tmp = tempDir();
      cpSync(join(FIX, 'sample'), tmp, { recursive: true });
      run(PY, ['setup.py', '-q', 'sdist', 'bdist_wheel'], tmp);
      const dist = join(tmp, 'dist');
      const files = readdirSync(dist);
      expect(files.length).toBe(2);
      for (const f of files) {
        const path = join(dist, f);
        const art = fileArtifact(path);
        expect(pypiAdapter.detect(f, readFileSync(path).subarray(0, 512))).not.toBe('no');
        const id = await pypiAdapter.identify(art);
        // Sigil_Sample.pkg → PEP 503 name sigil-sample-pkg (what pip, PyPI and lockfiles use);
        // each distribution is its own file of the version (purl-spec's pypi file_name).
        expect(id.purl).toBe(
          `pkg:pypi/sigil-sample-pkg@1.2.0rc1?file_name=${encodeURIComponent(f)}`,
        );
        const pipHash = run(PY, ['-m', 'pip', 'hash', '-a', 'sha256', path], tmp);
        const d = await pypiAdapter.digest(art);
        expect(pipHash).toContain(`--hash=sha256:${d.value}`);
      }
    },
  );

  it('refuses hostile or broken distributions with an InputError', async () => {
    const meta = 'Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n';
    const cases: [string, Buffer][] = [
      ['foo-1.0-py3-none-any.whl', makeZip([{ name: 'foo.py', data: 'x' }])],
      [
        'foo-1.0-py3-none-any.whl',
        makeZip([{ name: 'foo-1.0.dist-info/METADATA', data: 'Name: foo\n' }]),
      ],
      [
        'foo-1.0-py3-none-any.whl',
        makeZip([{ name: 'foo-1.0.dist-info/METADATA', data: 'Name: bar\nVersion: 1.0\n' }]),
      ],
      [
        'foo-1.0-py3-none-any.whl',
        makeZip([{ name: '../foo-1.0.dist-info/METADATA', data: meta }]),
      ],
      [
        'foo-1.0-py3-none-any.whl',
        makeZip([
          { name: 'foo-1.0.dist-info/METADATA', data: meta },
          { name: 'foo-1.0.dist-info/METADATA', data: meta },
        ]),
      ],
      [
        'foo-1.0-py3-none-any.whl',
        makeZip([{ name: 'foo-1.0.dist-info/METADATA', data: meta }]).subarray(0, 50),
      ],
      ['foo-1.0.tar.gz', makeTarGz([{ name: 'foo-1.0/setup.py', data: '' }])],
      ['foo-1.0.tar.gz', makeTarGz([{ name: 'foo-1.0/PKG-INFO', data: meta }]).subarray(0, 60)],
      ['foo-1.0.tar.gz', makeTarGz([{ name: 'foo-1.0/../../PKG-INFO', data: meta }])],
      [
        'foo-1.0.tar.gz',
        makeTarGz([{ name: 'foo-1.0/PKG-INFO', data: Buffer.from([0xff, 0xfe, 0x00]) }]),
      ],
    ];
    for (const [i, [name, bytes]] of cases.entries()) {
      await expect(
        pypiAdapter.identify(memArtifact(name, bytes)),
        `case ${i}`,
      ).rejects.toMatchObject({ file: name, message: expect.stringContaining(name) });
    }
  });

  it('reads requirements.txt, poetry.lock, Pipfile.lock, uv.lock and pylock.toml', () => {
    const sdist = {
      algorithm: 'sha256',
      value: '0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f',
    };
    const wheel = {
      algorithm: 'sha256',
      value: 'dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1',
    };
    const read = (f: string) => reader(f).read(f, readFileSync(join(FIX, f)));
    expect(read('requirements.txt')).toEqual([
      { purl: 'pkg:pypi/certifi@2024.2.2', digests: [sdist, wheel] },
      { purl: 'pkg:pypi/zope-interface@6.0', digests: [sdist] },
      { purl: 'pkg:pypi/requests', digests: [] },
    ]);
    expect(read('poetry.lock')).toEqual([
      { purl: 'pkg:pypi/certifi@2024.2.2', digests: [wheel, sdist] },
    ]);
    expect(read('Pipfile.lock')).toEqual([{ purl: 'pkg:pypi/certifi@2024.2.2', digests: [sdist] }]);
    expect(read('uv.lock')).toEqual([
      {
        purl: 'pkg:pypi/certifi@2024.2.2',
        digests: [sdist, wheel],
        resolved: 'https://pypi.org/simple',
      },
      { purl: 'pkg:pypi/myproject@0.1.0', digests: [] },
    ]);
    expect(read('pylock.toml')).toEqual([
      {
        purl: 'pkg:pypi/certifi@2024.2.2',
        digests: [sdist, wheel],
        resolved: 'https://pypi.org/simple',
      },
    ]);
    expect(() =>
      reader('poetry.lock').read('poetry.lock', Buffer.from('[[package]]\nname = 3\n')),
    ).toThrow(/poetry\.lock: package\[0\]\.name/);
  });
});
