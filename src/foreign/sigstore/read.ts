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
import { warn } from '../../core/verdict.js';
import { readBoundedFile } from '../read-bounded.js';
import { describePublisher, verifyPep740Provenance } from './pep740.js';
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
  const bytes = await readBoundedFile(bundlePath, MAX_BUNDLE_BYTES, 'SIGSTORE_BUNDLE_MALFORMED');
  const provenance = pep740Document(bytes);
  if (provenance !== undefined) return verifyPep740File(bundlePath, provenance, options);
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

/** pep740Document: the parsed JSON when the file is a PEP 740 provenance object (PyPI's Integrity API), else undefined. */
function pep740Document(bytes: Buffer): unknown {
  if (!bytes.includes('"attestation_bundles"')) return undefined;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && 'attestation_bundles' in doc
      ? doc
      : undefined;
  } catch {
    return undefined;
  }
}

/** verifyPep740File verifies a PEP 740 provenance against the distribution file it is for. */
async function verifyPep740File(
  provenancePath: string,
  doc: unknown,
  options: { artifactPath?: string; trustedRootPath?: string; identity?: IdentityPolicy },
): Promise<VerificationResult> {
  if (options.artifactPath === undefined)
    throw new InputError(
      'USAGE',
      `${provenancePath} is a PEP 740 provenance: give the distribution file it is for`,
      { hint: 'sigil verify --scheme sigstore <file.whl> -b <file.whl>.provenance' },
    );
  const r = verifyPep740Provenance(
    doc,
    basename(options.artifactPath),
    await readFile(options.artifactPath),
    {
      ...(options.trustedRootPath === undefined
        ? {}
        : { trustedRoot: await readTrustedRootFile(options.trustedRootPath) }),
      ...(options.identity === undefined ? {} : { identity: options.identity }),
    },
  );
  if (options.identity !== undefined || !r.ok) return r;
  // The publisher is the provenance's own claim (PyPI checks it against the project's Trusted
  // Publisher at upload); offline, only the verifier knows which publisher to expect.
  const who = r.publisher ? describePublisher(r.publisher) : 'an unnamed publisher';
  return {
    ...r,
    checks: [
      ...r.checks,
      warn(
        'identity',
        'SIGSTORE_IDENTITY_UNCHECKED',
        `published by ${who}, as the provenance itself says; pin the publisher you expect with --cert-identity-regexp and --cert-oidc-issuer`,
      ),
    ],
  };
}
