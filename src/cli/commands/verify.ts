/** sigil verify: check an artifact against its bundle and trusted keys. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { InputError } from '../../core/errors.js';
import { firstFailure } from '../../core/verdict.js';
import { verifyRelease } from '../../core/verify.js';
import { describeArtifact, type ArtifactDescription } from '../../ecosystems/describe.js';
import { digestStream } from '../../core/digest.js';
import { fileArtifact, readTextFile } from '../files.js';
import { loadPublicKeys } from '../keyring.js';
import { formatChecks, printError, type Io } from '../output.js';

export interface VerifyFlags {
  bundle?: string;
  key?: string[];
  keyring?: string;
  type?: string;
  name?: string;
  version?: string;
  json?: boolean;
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description('verify an artifact against its Sigstore bundle and trusted keys')
    .argument('<artifact>', 'the file to verify')
    .option('-b, --bundle <file>', 'the bundle (default: <artifact>.sigstore.json)')
    .option('-k, --key <file>', 'a trusted public key file; can be repeated', (v: string, prev: string[] = []) => [...prev, v])
    .option('--keyring <dir>', 'trust every public key (*.pub, *.pem) in this folder')
    .option('-t, --type <type>', 'package type, when it cannot be detected')
    .option('--name <name>', 'expected package name (generic files)')
    .option('--version <version>', 'expected package version (generic files)')
    .option('--json', 'print the verdict as JSON')
    .action(async (artifact: string, flags: VerifyFlags) => ctx.setExitCode(await verify(ctx.io, artifact, flags)));
}

export async function verify(io: Io, artifactPath: string, flags: VerifyFlags): Promise<number> {
  if (flags.key && flags.keyring !== undefined) {
    throw new InputError('USAGE', '-k/--key and --keyring can\'t be used together', { hint: 'use --keyring DIR to trust every key in a folder, or repeat -k/--key' });
  }
  if (!flags.key && flags.keyring === undefined) {
    throw new InputError('USAGE', 'no trusted keys: give -k/--key PUB or --keyring DIR', { hint: 'the signer\'s public key is the .pub file `sigil keygen` wrote' });
  }
  const keys = loadPublicKeys(flags.key ?? [], flags.keyring);
  const bundlePath = flags.bundle ?? `${artifactPath}.sigstore.json`;
  const bundleText = readTextFile(bundlePath, 'bundle');
  const artifact = fileArtifact(artifactPath, io, { quiet: Boolean(flags.json) });
  let description: ArtifactDescription | undefined;
  let unidentified: string | undefined;
  try {
    description = await describeArtifact(artifact, {
      ...(flags.type !== undefined ? { type: flags.type } : {}),
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      ...(flags.version !== undefined ? { version: flags.version } : {}),
    });
  } catch (e) {
    if (!(e instanceof InputError) || e.code === 'UNKNOWN_TYPE' || e.code === 'FILE_NOT_FOUND' || e.code === 'NOT_A_FILE') throw e;
    // A generic file verified without --name/--version: check bytes and signature, skip the name.
    // Anything else (unreadable or hostile archive) still gets a verdict: the digest says whether these are the signed bytes.
    if (e.code !== 'TYPE_UNKNOWN' && e.code !== 'GENERIC_NAME_REQUIRED') unidentified = e.message;
  }
  const digests = description?.digests ?? (await digestStream(artifact.open())).digests;
  const result = verifyRelease({
    bundle: bundleText,
    bundleFile: bundlePath,
    artifact: { name: artifact.name, digests, ...(description ? { purl: description.identity.purl } : {}), ...(unidentified ? { unidentified } : {}) },
    trustedKeys: keys,
  });
  if (flags.json) {
    const { bundle: _b, ...rest } = result;
    io.out(`${JSON.stringify({ ...rest, artifact: artifactPath, bundleFile: bundlePath }, null, 2)}\n`);
  } else {
    io.out(formatChecks(result));
  }
  if (!result.ok) {
    const f = firstFailure(result)!;
    if (!flags.json) printError(io, f.code === 'DIGEST_MISMATCH' ? `${artifact.name} is not the artifact that was signed` : f.reason);
    return 1;
  }
  return 0;
}
