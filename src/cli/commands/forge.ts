/**
 * sigil forge bind: bind a namespace to the SSH keys a forge account lists
 * (docs/git.md, "Forge key bindings"). Verify with
 * `sigil verify binding.json --scheme forge-binding [--forge-keys FILE] [--namespace N]`.
 */
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import {
  FORGE_BINDING_NAMESPACE,
  makeForgeBindingStatement,
  parseForgeKeys,
} from '../../foreign/ssh/forge-binding.js';
import { parseSshPublicKeyLine } from '../../foreign/ssh/public-key.js';
import { sshsigArmor, sshsigSignedData } from '../../foreign/ssh/sshsig.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import type { Io } from '../output.js';
import { loadSshSigner } from '../ssh-signer.js';
import { collect } from '../verify/flags.js';

interface BindFlags {
  namespace: string;
  forge: string;
  account: string;
  forgeKeys: string;
  sshKey: string;
  bind?: string[];
  out?: string;
}

export function registerForge(program: Command, ctx: CommandContext): void {
  const forge = program
    .command('forge')
    .description('bind a namespace to the SSH keys your forge account lists (GitHub, GitLab, …)');
  forge
    .command('bind')
    .description(
      "sign a binding of NAMESPACE to your forge account's SSH keys, with one of those keys",
    )
    .addHelpText(
      'before',
      '\nExample:\n  $ curl -s https://github.com/ada.keys > ada.keys\n  $ sigil forge bind --namespace pkg:npm/left-pad --forge github.com --account ada --forge-keys ada.keys --ssh-key ~/.ssh/id_ed25519 -o binding.json\n',
    )
    .requiredOption('-n, --namespace <ns>', 'the namespace (purl without version, or a pattern)')
    .requiredOption('--forge <host>', 'the forge, e.g. github.com')
    .requiredOption('--account <name>', 'your account on the forge')
    .requiredOption(
      '--forge-keys <file>',
      "the forge's listing of your keys (https://github.com/<account>.keys)",
    )
    .requiredOption(
      '--ssh-key <file>',
      'one of the listed keys, to sign with (through ssh-agent when loaded there)',
    )
    .option(
      '--bind <pubkey>',
      'a listed key (.pub file) to bind; can be repeated (default: the signing key)',
      collect,
    )
    .option('-o, --out <file>', 'write the binding here (default: stdout)')
    .action(async (flags: BindFlags) => ctx.setExitCode(await bind(ctx.io, flags)));
}

async function bind(io: Io, flags: BindFlags): Promise<number> {
  const listing = parseForgeKeys(
    readTextFile(flags.forgeKeys, 'forge key listing'),
    flags.forgeKeys,
  );
  if (listing.length === 0)
    throw new InputError('FORGE_KEYS_EMPTY', `${flags.forgeKeys} lists no keys`, {
      hint: `fetch https://${flags.forge}/${flags.account}.keys`,
    });
  const signer = await loadSshSigner(io, flags.sshKey);
  const bound = flags.bind?.length
    ? flags.bind.map((f) => parseSshPublicKeyLine(readTextFile(f, 'SSH public key'), f))
    : [signer.ssh];
  const statement = makeForgeBindingStatement({
    namespace: flags.namespace,
    forge: flags.forge,
    account: flags.account,
    forgeKeys: listing,
    bind: bound,
    listedAt: new Date(),
  });
  if (!listing.some((k) => k.blob.equals(signer.ssh.blob))) {
    throw new InputError(
      'FORGE_SIGNER_NOT_LISTED',
      `${flags.sshKey} (${signer.ssh.fingerprint}) is not in ${flags.forgeKeys}: sign with a key the forge lists`,
    );
  }
  const text = JSON.stringify(statement);
  const sigBlob = await signer.signSsh(
    sshsigSignedData(FORGE_BINDING_NAMESPACE, 'sha512', Buffer.from(text, 'utf8')),
  );
  const out = `${JSON.stringify({ statement: text, signature: sshsigArmor(signer.ssh.blob, FORGE_BINDING_NAMESPACE, 'sha512', sigBlob) }, null, 2)}\n`;
  if (flags.out) {
    writeFileAtomic(flags.out, out);
    io.err(
      `bound ${bound.length} key(s) of ${flags.forge}/${flags.account} to ${flags.namespace} → ${flags.out}\n`,
    );
  } else io.out(out);
  return 0;
}
