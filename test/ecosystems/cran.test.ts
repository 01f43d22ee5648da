import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cranAdapter } from '../../src/ecosystems/cran/index.js';
import { fileArtifact, hasTool, makeTarGz, memArtifact, run, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems/cran');

describe('cran adapter', () => {
  const have = hasTool('R', ['--version']);

  it.skipIf(!have)(
    'identifies what `R CMD build` writes and matches tools::md5sum (PACKAGES MD5sum)',
    async () => {
      const tmp = tempDir();
      cpSync(join(FIX, 'tinyr'), join(tmp, 'tinyr'), { recursive: true });
      run('R', ['CMD', 'build', '--no-build-vignettes', '--no-manual', 'tinyr'], tmp);
      const path = join(tmp, 'tinyr_0.4-2.tar.gz');
      const art = fileArtifact(path);
      expect(cranAdapter.detect(art.name, readFileSync(path).subarray(0, 512))).toBe('yes');
      expect((await cranAdapter.identify(art)).purl).toBe('pkg:cran/tinyr@0.4-2');
      const md5 = run('Rscript', ['-e', `cat(unname(tools::md5sum("${path}")))`], tmp).trim();
      expect(await cranAdapter.digest(art)).toEqual({ algorithm: 'md5', value: md5 });
    },
  );

  it('refuses broken source packages', async () => {
    const desc = 'Package: tinyr\nVersion: 0.4-2\n';
    const cases = [
      makeTarGz([{ name: 'tinyr/R/x.R', data: '' }]),
      makeTarGz([{ name: 'tinyr/DESCRIPTION', data: 'Package: tinyr\n' }]),
      makeTarGz([{ name: 'other/DESCRIPTION', data: desc }]),
      makeTarGz([{ name: 'tinyr/DESCRIPTION', data: desc }]).subarray(0, 25),
      makeTarGz([{ name: '../tinyr/DESCRIPTION', data: desc }]),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        cranAdapter.identify(memArtifact('tinyr_0.4-2.tar.gz', b)),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'tinyr_0.4-2.tar.gz' });
    }
  });

  it('reads renv.lock (renv hashes are not tarball digests)', () => {
    expect(
      cranAdapter.lockfiles![0]!.read('renv.lock', readFileSync(join(FIX, 'renv.lock'))),
    ).toEqual([
      {
        purl: 'pkg:cran/jsonlite@1.8.8',
        digests: [{ algorithm: 'renv-hash', value: 'e1b9c55281c5adc4dd113652d9e26768' }],
        resolved: 'https://cloud.r-project.org',
      },
      { purl: 'pkg:cran/renv@1.0.3', digests: [], resolved: 'https://cloud.r-project.org' },
    ]);
  });
});
