// Which upstream files of one PyPI version a lookup observes (observed/pypi-proxy.ts
// filesToObserve): served kinds only, pure wheel and sdist first, bounded so one lookup cannot
// make Sigil download a whole wheel matrix.
import { describe, expect, it } from 'vitest';
import {
  filesToObserve,
  MAX_FILES_OBSERVED_PER_LOOKUP,
} from '../../src/registry/observed/pypi-proxy.js';
import type { UpstreamFile } from '../../src/registry/upstream/pypi.js';

const file = (filename: string): UpstreamFile => ({
  filename,
  url: `https://files.example/${filename}`,
  version: '2.0',
  sha256: null,
  uploadTime: null,
});

describe('filesToObserve', () => {
  it('keeps wheels and .tar.gz/.zip sdists, pure wheel then sdist first; leaves out eggs and installers', () => {
    const got = filesToObserve([
      file('np-2.0-cp312-cp312-manylinux_2_17_x86_64.whl'),
      file('np-2.0-py2.7.egg'),
      file('np-2.0.tar.gz'),
      file('np-2.0.win32.exe'),
      file('np-2.0-py3-none-any.whl'),
    ]).map((f) => f.filename);
    expect(got).toEqual([
      'np-2.0-py3-none-any.whl',
      'np-2.0.tar.gz',
      'np-2.0-cp312-cp312-manylinux_2_17_x86_64.whl',
    ]);
  });

  it(`observes at most ${MAX_FILES_OBSERVED_PER_LOOKUP} files of a wheel matrix, the sdist among them`, () => {
    const matrix = [];
    for (const py of ['cp39', 'cp310', 'cp311', 'cp312', 'cp313'])
      for (const plat of ['manylinux_2_17_x86_64', 'macosx_11_0_arm64', 'win_amd64'])
        matrix.push(file(`np-2.0-${py}-${py}-${plat}.whl`));
    matrix.push(file('np-2.0.tar.gz'));
    const got = filesToObserve(matrix);
    expect(got).toHaveLength(MAX_FILES_OBSERVED_PER_LOOKUP);
    expect(got[0]!.filename).toBe('np-2.0.tar.gz');
  });
});
