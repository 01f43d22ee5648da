/** Verifying a Sigil release bundle (key-signed Sigstore bundle v0.3) against trusted keys. */
import { digestStream } from '../../core/digest.js';
import { InputError } from '../../core/errors.js';
import type { VerificationResult } from '../../core/verdict.js';
import { verifyRelease } from '../../core/verify.js';
import { describeArtifact, type ArtifactDescription } from '../../ecosystems/describe.js';
import { describeOptions } from '../artifact-flags.js';
import { fileArtifact, readTextFile } from '../files.js';
import { loadPublicKeys } from '../keyring.js';
import type { Io } from '../output.js';
import type { VerifyFlags } from './flags.js';
import { withTlogPolicy } from './tlog-policy.js';

export async function verifySigilBundle(
  io: Io,
  artifactPath: string,
  bundlePath: string,
  bundleText: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  if (flags.key && flags.keyring !== undefined) {
    throw new InputError('USAGE', "-k/--key and --keyring can't be used together", {
      hint: 'use --keyring DIR to trust every key in a folder, or repeat -k/--key',
    });
  }
  if (!flags.key && flags.keyring === undefined) {
    throw new InputError('USAGE', 'no trusted keys: give -k/--key PUB or --keyring DIR', {
      hint: "the signer's public key is the .pub file `sigil keygen` wrote",
    });
  }
  const keys = loadPublicKeys(flags.key ?? [], flags.keyring);
  const artifact = fileArtifact(artifactPath, io, { quiet: Boolean(flags.json) });
  let description: ArtifactDescription | undefined;
  let unidentified: string | undefined;
  try {
    description = await describeArtifact(artifact, describeOptions(flags));
  } catch (e) {
    if (
      !(e instanceof InputError) ||
      e.code === 'UNKNOWN_TYPE' ||
      e.code === 'FILE_NOT_FOUND' ||
      e.code === 'NOT_A_FILE'
    )
      throw e;
    // A generic file verified without --name/--version: check bytes and signature, skip the name.
    // Anything else (unreadable or hostile archive) still gets a verdict: the digest says whether these are the signed bytes.
    if (e.code !== 'TYPE_UNKNOWN' && e.code !== 'GENERIC_NAME_REQUIRED') unidentified = e.message;
  }
  const digests =
    description?.digests ??
    (await digestStream((artifact.openTransient ?? artifact.open).call(artifact))).digests;
  const {
    bundle: _parsed,
    statement: _statement,
    ...result
  } = verifyRelease({
    bundle: bundleText,
    bundleFile: bundlePath,
    artifact: {
      name: artifact.name,
      digests,
      ...(description ? { purl: description.identity.purl } : {}),
      ...(unidentified ? { unidentified } : {}),
    },
    trustedKeys: keys,
  });
  if (flags.tlogProof !== undefined && flags.tlogPolicy === undefined)
    throw new InputError('USAGE', '--tlog-proof needs --tlog-policy', {
      hint: 'the policy names the log and witness keys the proof is checked against',
    });
  if (flags.tlogPolicy !== undefined)
    return withTlogPolicy(result, bundleText, bundlePath, flags.tlogPolicy, flags.tlogProof);
  return result;
}

export { readTextFile };
