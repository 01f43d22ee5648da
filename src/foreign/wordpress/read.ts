/**
 * File-system edge of WordPress verification: reads the file and its `.sig`
 * sidecar (or takes an `X-Content-Signature` header value), then calls the
 * pure {@link verifyWordPressSignature}.
 */
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { VerificationResult } from '../../core/verdict.js';
import {
  MAX_SIGNATURE_FILE_BYTES,
  parseWordPressSignatures,
  verifyWordPressSignature,
} from './verify.js';

/** WordPressFileOptions: where the signature comes from, and the trusted keys. */
export interface WordPressFileOptions {
  readonly trustedKeys: readonly string[];
  /** A header value (`X-Content-Signature`); takes precedence over the sidecar, as in download_url(). */
  readonly signatureHeader?: string;
  /** Path of the signature file; default `<file>.sig`. */
  readonly signatureFile?: string;
}

async function readHead(path: string, max: number): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

/** verifyWordPressFile verifies a package file against its signature(s). A missing `.sig` gives `WP_SIGNATURE_MISSING`. */
export async function verifyWordPressFile(
  path: string,
  options: WordPressFileOptions,
): Promise<VerificationResult> {
  const file = await readFile(path);
  const text =
    options.signatureHeader ??
    (await readHead(options.signatureFile ?? `${path}.sig`, MAX_SIGNATURE_FILE_BYTES)) ??
    '';
  return verifyWordPressSignature(file, parseWordPressSignatures(text), {
    trustedKeys: options.trustedKeys,
    subject: basename(path),
  });
}
