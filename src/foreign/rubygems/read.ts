/**
 * File-system edge of RubyGems verification: reads a `.gem` and a trust
 * directory, then calls the pure {@link verifyGem}.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { VerificationResult } from '../../core/verdict.js';
import { verifyGem, type GemVerifyOptions } from './verify.js';

/**
 * readTrustDir reads every `*.pem` in a directory laid out like `~/.gem/trust`
 * (what `gem cert --add` writes). A missing directory is an empty trust store.
 */
export async function readTrustDir(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const pems = names.filter((n) => n.endsWith('.pem')).sort();
  return Promise.all(pems.map((n) => readFile(join(dir, n), 'utf8')));
}

/** verifyGemFile reads a `.gem` from disk and verifies it; the verdict's subject is the file name. */
export async function verifyGemFile(
  path: string,
  options: Omit<GemVerifyOptions, 'subject'>,
): Promise<VerificationResult> {
  const bytes = await readFile(path);
  return verifyGem(bytes, { ...options, subject: basename(path) });
}
