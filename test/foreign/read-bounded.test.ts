// readBoundedFile: the size cap the npm-registry and Sigstore file readers share.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBoundedFile } from '../../src/foreign/read-bounded.js';

describe('readBoundedFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-bounded-'));
  const path = join(dir, 'doc.json');
  writeFileSync(path, '{"a":1}');

  it('reads a file at or under the cap', async () => {
    expect((await readBoundedFile(path, 7, 'X_MALFORMED')).toString()).toBe('{"a":1}');
  });
  it("refuses one byte more with the caller's code, naming the file", async () => {
    await expect(readBoundedFile(path, 6, 'SIGSTORE_BUNDLE_MALFORMED')).rejects.toMatchObject({
      code: 'SIGSTORE_BUNDLE_MALFORMED',
      message: `${path} is larger than 6 bytes`,
      file: path,
    });
  });
});
