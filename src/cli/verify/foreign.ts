/**
 * The verifiers for signatures ecosystems already have, behind `sigil verify`:
 * OpenPGP (detached and clear-signed), Debian repositories, CPAN SIGNATURE,
 * RubyGems, WordPress, npm registry signatures and keyless Sigstore bundles.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { installedRootPath } from '../commands/sigstore.js';
import type { Io } from '../output.js';

import { InputError } from '../../core/errors.js';
import type { VerificationResult } from '../../core/verdict.js';
import {
  verifyCpanSignature,
  readDistDirectory,
  readDistTarball,
} from '../../foreign/cpan/index.js';
import { directoryReader, mirrorReader, verifyRepository } from '../../foreign/debian/index.js';
import { verifyNpmSignaturesFile } from '../../foreign/npm-registry/index.js';
import { verifyCleartext, verifyDetached, type PolicyName } from '../../foreign/openpgp/index.js';
import { readTrustDir, verifyGemFile } from '../../foreign/rubygems/index.js';
import { verifySigstoreBundleFile } from '../../foreign/sigstore/index.js';
import { verifyWordPressFile } from '../../foreign/wordpress/index.js';
import { readTextFile, statFile } from '../files.js';
import { StepProgress } from '../step-progress.js';
import type { VerifyFlags } from './flags.js';

function readBytes(path: string, what: string): Buffer {
  statFile(path, what);
  return readFileSync(path);
}

function openpgpOptions(
  flags: VerifyFlags,
  subject: string,
): { policy: PolicyName; now?: Date; subject: string } {
  const policy = flags.openpgpPolicy ?? 'standard';
  if (policy !== 'standard' && policy !== 'legacy') {
    throw new InputError('USAGE', `--openpgp-policy must be standard or legacy, not "${policy}"`, {
      hint: 'standard follows Sequoia (sqv); legacy follows GnuPG (gpgv)',
    });
  }
  const out: { policy: PolicyName; now?: Date; subject: string } = { policy, subject };
  if (flags.at !== undefined) {
    const d = new Date(flags.at);
    if (Number.isNaN(d.getTime()))
      throw new InputError(
        'USAGE',
        `--at "${flags.at}" is not a date (use ISO 8601, e.g. 2024-06-01T00:00:00Z)`,
      );
    out.now = d;
  }
  return out;
}

function openpgpKeyring(flags: VerifyFlags): Buffer {
  if (flags.keyring === undefined) {
    throw new InputError(
      'USAGE',
      'OpenPGP verification needs --keyring FILE (armored or binary keys)',
      {
        hint: 'e.g. --keyring /usr/share/keyrings/debian-archive-keyring.gpg, or the upstream signing-key.asc',
      },
    );
  }
  if (statFile(flags.keyring, 'keyring').isDirectory())
    throw new InputError(
      'USAGE',
      `--keyring ${flags.keyring} is a folder; OpenPGP needs a keyring file`,
    );
  return readBytes(flags.keyring, 'keyring');
}

export async function verifyOpenpgpDetached(
  target: string,
  signaturePath: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  return verifyDetached(
    readBytes(target, 'file'),
    readBytes(signaturePath, 'signature'),
    openpgpKeyring(flags),
    openpgpOptions(flags, target),
  );
}

export async function verifyOpenpgpCleartext(
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  return verifyCleartext(
    readBytes(target, 'clear-signed file'),
    openpgpKeyring(flags),
    openpgpOptions(flags, target),
  );
}

export async function verifyDebianRepository(
  target: string,
  flags: VerifyFlags,
  io?: Io,
): Promise<VerificationResult> {
  if (flags.suite === undefined) {
    throw new InputError(
      'USAGE',
      'a Debian repository needs --suite (e.g. --suite dists/bookworm)',
      { hint: 'the suite is the folder holding InRelease or Release' },
    );
  }
  const reader = /^https?:\/\//.test(target) ? mirrorReader(target) : directoryReader(target);
  const progress = io ? new StepProgress(io, io.stderrIsTTY && !flags.json) : undefined;
  const { release: _r, ...result } = await verifyRepository(reader, {
    ...(progress
      ? {
          onProgress: (s: { what: string; index: number; total: number }) =>
            progress.step(`reading ${s.what}`, s.index, s.total),
        }
      : {}),
    suite: flags.suite,
    keyring: openpgpKeyring(flags),
    ...(flags.index ? { indexes: flags.index } : {}),
    ...(flags.check ? { artifacts: flags.check } : {}),
    ...openpgpOptions(flags, target),
  }).finally(() => progress?.done());
  return result;
}

export async function verifyCpan(target: string, flags: VerifyFlags): Promise<VerificationResult> {
  const files = statFile(target, 'distribution').isDirectory()
    ? await readDistDirectory(target)
    : await readDistTarball(readBytes(target, 'distribution'), target);
  const signature = files.get('SIGNATURE');
  if (!signature)
    throw new InputError('CPAN_SIGNATURE_MISSING', `${target} has no SIGNATURE file`, {
      file: target,
      hint: 'the author did not sign this distribution with Module::Signature',
    });
  // Module::Signature (cpansign) still signs with SHA-1 or RIPEMD-160 by default; the policy names that plainly.
  const { signature: _s, ...result } = await verifyCpanSignature(
    signature,
    files,
    openpgpKeyring(flags),
    openpgpOptions(flags, target),
  );
  return result;
}

export async function verifyGem(target: string, flags: VerifyFlags): Promise<VerificationResult> {
  const trustedCerts = [
    ...(flags.trustedCert ?? []).map((f) => readTextFile(f, 'certificate')),
    ...(flags.trustDir ? await readTrustDir(flags.trustDir) : []),
  ];
  const policy = flags.gemPolicy ?? 'HighSecurity';
  if (policy !== 'HighSecurity' && policy !== 'MediumSecurity')
    throw new InputError(
      'USAGE',
      `--gem-policy must be HighSecurity or MediumSecurity, not "${policy}"`,
    );
  statFile(target, 'gem');
  return verifyGemFile(target, { trustedCerts, policy });
}

export async function verifyWordPress(
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  statFile(target, 'file');
  return verifyWordPressFile(target, {
    trustedKeys: flags.wpKey ?? [],
    ...(flags.signatureHeader !== undefined ? { signatureHeader: flags.signatureHeader } : {}),
    ...(flags.signature !== undefined ? { signatureFile: flags.signature } : {}),
  });
}

export async function verifyNpmRegistry(
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult[]> {
  statFile(target, 'packument');
  statFile(flags.npmKeys!, 'keys file');
  return verifyNpmSignaturesFile(target, flags.npmKeys!, {
    ...(flags.npmVersion ? { versions: flags.npmVersion } : {}),
    ...(flags.publishedAt !== undefined ? { publishedAt: flags.publishedAt } : {}),
  });
}

export async function verifyKeyless(
  io: Io,
  target: string,
  bundlePath: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  if (flags.certIdentity !== undefined && flags.certIdentityRegexp !== undefined) {
    throw new InputError(
      'USAGE',
      "--cert-identity and --cert-identity-regexp can't be used together",
    );
  }
  let san: string | RegExp | undefined = flags.certIdentity;
  if (flags.certIdentityRegexp !== undefined) {
    try {
      san = new RegExp(flags.certIdentityRegexp);
    } catch (e) {
      throw new InputError(
        'USAGE',
        `--cert-identity-regexp is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  }
  const identity = {
    ...(flags.certOidcIssuer !== undefined ? { issuer: flags.certOidcIssuer } : {}),
    ...(san !== undefined ? { subjectAlternativeName: san } : {}),
  };
  const artifactIsBundle = target === bundlePath;
  const trustedRootPath =
    flags.trustedRoot ?? (existsSync(installedRootPath(io)) ? installedRootPath(io) : undefined);
  const keys = (flags.key ?? []).map((file) => readSigstoreKey(file));
  if (flags.keyring !== undefined)
    throw new InputError('USAGE', '--keyring does not apply to Sigstore bundles', {
      hint: "give the signer's public key with -k/--key FILE (repeatable)",
    });
  return verifySigstoreBundleFile(bundlePath, {
    ...(keys.length > 0 ? { keys } : {}),
    ...(artifactIsBundle ? {} : { artifactPath: target }),
    ...(trustedRootPath !== undefined ? { trustedRootPath } : {}),
    ...(Object.keys(identity).length > 0 ? { identity } : {}),
  });
}

export { isCpanDirectory, isDebianRepository } from './detect.js';
/** readSigstoreKey reads a PEM public key (a Sigil .pub file, or cosign's / the conformance suite's key.pub). */
function readSigstoreKey(file: string): KeyObject {
  const text = readTextFile(file, 'key');
  const pem = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/.exec(text)?.[0];
  if (pem === undefined)
    throw new InputError(
      'KEY_INVALID',
      `${file} is not a PEM public key (expected -----BEGIN PUBLIC KEY-----)`,
      { file },
    );
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new InputError(
      'KEY_INVALID',
      `${file} holds an unreadable public key: ${(cause as Error).message}`,
      { file, cause },
    );
  }
}
