/**
 * Reading a foreign document (packument, Sigstore bundle) from disk with a
 * size cap, so an absurd file is refused with the scheme's own code.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';

/** readBoundedFile reads `path` whole; more than `maxBytes` is InputError `code` naming the file. */
export async function readBoundedFile(
  path: string,
  maxBytes: number,
  code: string,
): Promise<Buffer> {
  const bytes = await readFile(path);
  if (bytes.length > maxBytes)
    throw new InputError(code, `${path} is larger than ${maxBytes} bytes`, { file: path });
  return bytes;
}
