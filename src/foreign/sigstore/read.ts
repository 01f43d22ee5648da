/**
 * File-system edge of Sigstore bundle verification: reads the bundle, the
 * artifact and an optional trusted root from disk, then calls the pure
 * {@link verifySigstoreBundle}.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { VerificationResult } from '../../core/verdict.js';
import { verifySigstoreBundle, type IdentityPolicy } from './verify.js';

/** MAX_BUNDLE_BYTES: bundles are a few KiB; refuse absurd ones before parsing. */
const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

/** readTrustedRootFile reads a `trusted_root.json` (e.g. one refreshed from the Sigstore TUF repository). */
export async function readTrustedRootFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new InputError(
      'SIGSTORE_TRUSTED_ROOT_INVALID',
      `${path} is not a readable JSON trusted root`,
      { file: path, cause },
    );
  }
}

/** verifySigstoreBundleFile verifies `<bundlePath>` (e.g. `pkg.tgz.sigstore.json`), optionally against the artifact file. */
export async function verifySigstoreBundleFile(
  bundlePath: string,
  options: {
    artifactPath?: string;
    trustedRootPath?: string;
    identity?: IdentityPolicy;
    keys?: readonly KeyObject[];
  } = {},
): Promise<VerificationResult> {
  const bytes = await readFile(bundlePath);
  if (bytes.length > MAX_BUNDLE_BYTES)
    throw new InputError(
      'SIGSTORE_BUNDLE_MALFORMED',
      `${bundlePath} is larger than ${MAX_BUNDLE_BYTES} bytes`,
      { file: bundlePath },
    );
  return verifySigstoreBundle(bytes, {
    subject: basename(options.artifactPath ?? bundlePath),
    ...(options.artifactPath === undefined
      ? {}
      : { artifact: await readFile(options.artifactPath) }),
    ...(options.trustedRootPath === undefined
      ? {}
      : { trustedRoot: await readTrustedRootFile(options.trustedRootPath) }),
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    ...(options.keys === undefined ? {} : { keys: options.keys }),
  });
}
