/**
 * File-system edge of npm registry signature verification: reads a packument
 * (or a version manifest) and a keys document from JSON files.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.js';
import { fail, verdict, type VerificationResult } from '../../core/verdict.js';
import { readBoundedFile } from '../read-bounded.js';
import { parseNpmKeys } from './keys.js';
import { verifyNpmManifest, verifyNpmPackument } from './verify.js';

/** MAX_JSON_BYTES: the largest packuments on npmjs are tens of MiB. */
const MAX_JSON_BYTES = 128 * 1024 * 1024;

async function readJson(path: string): Promise<unknown> {
  const bytes = await readBoundedFile(path, MAX_JSON_BYTES, 'NPM_MANIFEST_MALFORMED');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new InputError('NPM_MANIFEST_MALFORMED', `${path} is not valid JSON`, {
      file: path,
      cause,
    });
  }
}

/**
 * verifyNpmSignaturesFile verifies a packument or version manifest file
 * against a keys file. A document with `versions` is a packument; one with
 * `dist` is a single manifest (give `publishedAt` for expiry). Bad JSON in the
 * document gives a failed verdict; a bad keys file throws {@link InputError}
 * (it is the user's trust configuration, not the thing being checked).
 */
export async function verifyNpmSignaturesFile(
  documentPath: string,
  keysPath: string,
  options: { versions?: readonly string[]; publishedAt?: string } = {},
): Promise<VerificationResult[]> {
  const keys = parseNpmKeys(await readFile(keysPath));
  let doc: unknown;
  try {
    doc = await readJson(documentPath);
  } catch (err) {
    if (err instanceof InputError)
      return [verdict(documentPath, [fail('manifest', err.code, err.message)])];
    throw err;
  }
  if (typeof doc === 'object' && doc !== null && 'versions' in doc)
    return verifyNpmPackument(doc, keys, options);
  return [
    verifyNpmManifest(
      doc,
      keys,
      options.publishedAt === undefined ? {} : { publishedAt: options.publishedAt },
    ),
  ];
}
