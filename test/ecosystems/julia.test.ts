import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { juliaAdapter } from '../../src/ecosystems/julia/index.js';
import { fileArtifact, hasTool, makeTarGz, memArtifact, run, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems/julia');
const PROJECT =
  'name = "Example"\nuuid = "7876af07-990d-54b4-ab0e-23690620f79a"\nversion = "0.5.3"\n';

describe('julia adapter', () => {
  const have = hasTool('git', ['--version']) && hasTool('tar', ['--version']);

  it.skipIf(!have)(
    'git-tree-sha1 equals `git write-tree` of the unpacked tree (exec bits, symlinks, nested dirs, git name order)',
    async () => {
      const tmp = tempDir();
      const pkg = join(tmp, 'Example');
      mkdirSync(join(pkg, 'src/sub'), { recursive: true });
      mkdirSync(join(pkg, 'empty'));
      mkdirSync(join(pkg, 'a'));
      writeFileSync(join(pkg, 'Project.toml'), PROJECT);
      writeFileSync(join(pkg, 'src/Example.jl'), 'module Example\nend\n');
      writeFileSync(join(pkg, 'src/sub/x.jl'), 'x\n');
      writeFileSync(join(pkg, 'src.jl'), 'sorts before the src/ tree in git order\n');
      writeFileSync(join(pkg, 'a/b'), '');
      writeFileSync(join(pkg, 'a.b'), 'dot\n');
      writeFileSync(join(pkg, 'run.sh'), '#!/bin/sh\n');
      chmodSync(join(pkg, 'run.sh'), 0o755);
      symlinkSync('src/Example.jl', join(pkg, 'link'));
      run('git', ['init', '-q'], pkg);
      run('git', ['add', '-A'], pkg);
      const tree = run('git', ['write-tree'], pkg).trim();
      for (const [name, args] of [
        ['flat.tar.gz', ['czf', join(tmp, 'flat.tar.gz'), '--exclude=.git', '-C', pkg, '.']],
        ['top.tar.gz', ['czf', join(tmp, 'top.tar.gz'), '--exclude=.git', '-C', tmp, 'Example']],
      ] as const) {
        run('tar', [...args], tmp);
        const art = fileArtifact(join(tmp, name));
        expect(await juliaAdapter.digest(art), name).toEqual({
          algorithm: 'git-tree-sha1',
          value: tree,
        });
        expect((await juliaAdapter.identify(art)).purl).toBe(
          'pkg:julia/Example@0.5.3?uuid=7876af07-990d-54b4-ab0e-23690620f79a',
        );
      }
    },
  );

  it('refuses broken trees', async () => {
    const cases = [
      makeTarGz([{ name: 'src/x.jl', data: '' }]),
      makeTarGz([{ name: 'Project.toml', data: 'name = "Example"\nversion = "0.5.3"\n' }]),
      makeTarGz([{ name: 'Project.toml', data: 'name = [' }]),
      makeTarGz([{ name: 'Project.toml', data: PROJECT }]).subarray(0, 40),
      makeTarGz([
        { name: 'Project.toml', data: PROJECT },
        { name: '../x', data: '' },
      ]),
      makeTarGz([
        { name: 'Project.toml', data: PROJECT },
        { name: 'l', type: 'symlink', linkTarget: '../../etc/passwd' },
      ]),
      makeTarGz([
        { name: 'Project.toml', data: PROJECT },
        { name: 'x', data: '' },
        { name: 'x', data: 'y' },
      ]),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        juliaAdapter.identify(memArtifact('Example.tar.gz', b)),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'Example.tar.gz' });
    }
  });

  it('reads Manifest.toml formats 2.0 and 1.0', () => {
    const r = juliaAdapter.lockfiles![0]!;
    const json = {
      purl: 'pkg:julia/JSON@0.21.4?uuid=682c06a0-de6a-54ab-a142-c8b1cf79cde6',
      digests: [{ algorithm: 'git-tree-sha1', value: '31e996f0a15c7b280ba9f76636b3ff9e2ae58c9a' }],
    };
    expect(r.read('Manifest.toml', readFileSync(join(FIX, 'Manifest.toml')))).toEqual([
      { purl: 'pkg:julia/Dates?uuid=ade2ca70-3891-5945-98fb-dc099432e06a', digests: [] },
      json,
    ]);
    expect(r.read('Manifest.toml', readFileSync(join(FIX, 'Manifest-v1.toml')))).toEqual([json]);
  });
});
