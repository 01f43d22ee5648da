// renv's Hash (src/ecosystems/cran/renv-hash.ts) against renv's own test vectors: the DESCRIPTION
// files and expected hashes of rstudio/renv tests/testthat (test-hash.R, _snaps/snapshot.md),
// copied to test/fixtures/ecosystems/cran/renv-hash/ (origin in SOURCES.md there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renvHash, renvHashOfFields } from '../../src/ecosystems/cran/renv-hash.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems/cran/renv-hash');
const read = (f: string) => readFileSync(join(FIX, f));

describe("renv's Hash of a DESCRIPTION", () => {
  it.each([
    ['breakfast.DESCRIPTION', '0fcd2a795901b4b21326a3e35442c97c'],
    ['bread.DESCRIPTION', '3d2aa8db4086921058b23ce646e01c7a'],
    ['oatmeal.DESCRIPTION', '1997110c04a1a14551dc791abb7cf8cf'],
    ['toast.DESCRIPTION', 'd2f51ee89552a4668cbe9fc25b1f7c1e'],
    // multi-line Description, empty and comma-only dependency fields
    ['dummy.DESCRIPTION', '2edf28b7db72297da02d913babfc1ef3'],
  ])('%s is %s, as renv computes it', (file, hash) => {
    expect(renvHash(read(file))).toBe(hash);
  });

  it('ignores whitespace and fields renv does not hash (renv test-hash.R "whitespace does not affect hash")', () => {
    const text = read('breakfast.DESCRIPTION').toString('utf8');
    const spaced = text
      .split('\n')
      .map((l) => (l === '' ? l : `${l} \t`))
      .join('\n');
    expect(renvHash(Buffer.from(spaced))).toBe('0fcd2a795901b4b21326a3e35442c97c');
    expect(renvHash(Buffer.from(`${text.trimEnd()}\nPackaged: 2026-01-01\nBuilt: R 4.2.2\n`))).toBe(
      '0fcd2a795901b4b21326a3e35442c97c',
    );
    // a hashed field changes it
    expect(renvHash(Buffer.from(text.replace('Suggests: egg', 'Suggests: ham')))).not.toBe(
      '0fcd2a795901b4b21326a3e35442c97c',
    );
  });

  it('gives no Hash for a DESCRIPTION whose Author/Maintainer R derives from Authors@R at install (not built by R CMD build)', () => {
    expect(
      renvHash(
        Buffer.from('Package: p\nVersion: 1.0\nAuthors@R: person("A", "B", role = "cre")\n'),
      ),
    ).toBeUndefined();
    expect(
      renvHash(
        Buffer.from(
          'Package: p\nVersion: 1.0\nAuthors@R: person("A", "B", role = "cre")\nAuthor: A B [cre]\nMaintainer: A B <a@b>\n',
        ),
      ),
    ).toMatch(/^[0-9a-f]{32}$/);
  });

  it('hashes Remote* fields of a non-CRAN install, and of a CRAN-like one only with a commit hash', () => {
    const base = new Map([
      ['Package', 'p'],
      ['Version', '1.0'],
    ]);
    const plain = renvHashOfFields(base);
    const gh = new Map([
      ...base,
      ['RemoteType', 'github'],
      ['RemoteRef', 'HEAD'],
      ['RemoteSha', 'abc'],
    ]);
    expect(renvHashOfFields(gh)).not.toBe(plain);
    // RemoteRef: HEAD is left out
    const gh2 = new Map([...base, ['RemoteType', 'github'], ['RemoteSha', 'abc']]);
    expect(renvHashOfFields(gh)).toBe(renvHashOfFields(gh2));
    const cranShort = new Map([...base, ['RemoteType', 'standard'], ['RemoteSha', '1.0']]);
    expect(renvHashOfFields(cranShort)).toBe(plain);
    const cranLong = new Map([
      ...base,
      ['RemoteType', 'repository'],
      ['RemoteSha', 'a'.repeat(40)],
    ]);
    expect(renvHashOfFields(cranLong)).not.toBe(plain);
  });
});
