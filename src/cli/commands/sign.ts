/** sigil sign: sign a release artifact, writing <artifact>.sigstore.json. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { serializeBundle } from '../../core/bundle.js';
import { signReleaseWith } from '../../core/sign.js';
import { privateKeySigner } from '../../core/dsse.js';
import { InputError } from '../../core/errors.js';
import { loadSshSigner } from '../ssh-signer.js';
import { describeArtifact } from '../../ecosystems/describe.js';
import { describeOptions } from '../artifact-flags.js';
import { fileArtifact, writeFileAtomic } from '../files.js';
import { loadPrivateKey } from '../keyring.js';
import type { Io } from '../output.js';

export interface SignFlags {
  key?: string;
  sshKey?: string;
  out?: string;
  type?: string;
  namespace?: string;
  name?: string;
  version?: string;
  json?: boolean;
}

export function registerSign(program: Command, ctx: CommandContext): void {
  program
    .command('sign')
    .summary('sign a release artifact; writes <artifact>.sigstore.json (Sigstore bundle v0.3)')
    .description(
      examplesFirst(
        'sign a release artifact; writes <artifact>.sigstore.json (Sigstore bundle v0.3)',
        [
          'sigil sign left-pad-1.3.0.tgz --key ~/.sigil/sigil-7c0f1a2b.key',
          'sigil sign app.bin --name app --version 2.0.0 --key KEY',
        ],
      ),
    )
    .argument('<artifact>', 'the file to sign (npm tarball, or any file with --name/--version)')
    .option('-k, --key <file>', 'private key file made by `sigil keygen`')
    .option(
      '--ssh-key <file>',
      'sign with this SSH key (ed25519 or ecdsa P-256) through ssh-agent, or from its unencrypted key file',
    )
    .option('-o, --out <file>', 'where to write the bundle (default: <artifact>.sigstore.json)')
    .option('-t, --type <type>', 'package type, when it cannot be detected (npm, generic, …)')
    .option(
      '--namespace <ns>',
      'package namespace when the artifact does not say (e.g. the CPAN author id)',
    )
    .option('--name <name>', 'package name (generic files)')
    .option('--version <version>', 'package version (generic files)')
    .option('--json', 'print the result as JSON')
    .action(async (artifact: string, flags: SignFlags) =>
      ctx.setExitCode(await sign(ctx.io, artifact, flags)),
    );
}

export async function sign(io: Io, artifactPath: string, flags: SignFlags): Promise<number> {
  if ((flags.key === undefined) === (flags.sshKey === undefined)) {
    throw new InputError(
      'USAGE',
      'give -k/--key FILE (a sigil key) or --ssh-key FILE (an SSH key), one of them',
      {
        hint: 'make a key with `sigil keygen`, or use the SSH key you have: --ssh-key ~/.ssh/id_ed25519',
      },
    );
  }
  const signer =
    flags.sshKey !== undefined
      ? await loadSshSigner(io, flags.sshKey)
      : privateKeySigner(loadPrivateKey(io, flags.key!));
  const artifact = fileArtifact(artifactPath, io, { quiet: Boolean(flags.json) });
  const d = await describeArtifact(artifact, describeOptions(flags));
  const bundle = await signReleaseWith({ purl: d.identity.purl, digests: d.digests, signer });
  const key = { publicKey: signer.publicKey };
  const out = flags.out ?? `${artifactPath}.sigstore.json`;
  writeFileAtomic(out, serializeBundle(bundle));
  if (flags.json) {
    io.out(
      `${JSON.stringify({ purl: d.identity.purl, digests: d.digests, native: d.native, keyId: key.publicKey.keyId, bundle: out }, null, 2)}\n`,
    );
  } else {
    io.out(`signed ${d.identity.purl}  ${d.native.value}  →  ${out}\n`);
  }
  return 0;
}
