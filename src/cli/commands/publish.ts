/**
 * sigil publish: sign (when given a key and no bundle) and upload a release
 * to a Sigil registry. On a namespace's first signed publish it also sends
 * the author's self-signed `add` key event, so the key is established in the
 * log for everyone to see.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeModuleZip } from '../../ecosystems/golang/make-zip.js';
import { moduleDirective } from '../../ecosystems/golang/identify.js';
import type { Command } from 'commander';
import { serializeBundle } from '../../core/bundle.js';
import { InputError } from '../../core/errors.js';
import { checkServerUrl } from '../server-url.js';
import { purlWithoutVersion } from '../../core/purl.js';
import { signReleaseWith } from '../../core/sign.js';
import { privateKeySigner } from '../../core/dsse.js';
import { loadSshSigner } from '../ssh-signer.js';
import { describeArtifact } from '../../ecosystems/describe.js';
import { describeOptions } from '../artifact-flags.js';
import { buildKeyEvent, cosignKeyEventWith } from '../../ledger/event.js';
import { RegistryClient, RegistryRequestError } from '../../client/registry-client.js';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { fileArtifact, readTextFile, writeFileAtomic } from '../files.js';
import { loadPrivateKey } from '../keyring.js';
import type { Io } from '../output.js';

export interface PublishFlags {
  server?: string;
  token?: string;
  otp?: string;
  bundle?: string;
  key?: string;
  sshKey?: string;
  type?: string;
  namespace?: string;
  name?: string;
  version?: string;
  json?: boolean;
}

export function registerPublish(program: Command, ctx: CommandContext): void {
  program
    .command('publish')
    .summary('sign (with --key) and upload a release to a Sigil registry')
    .description(
      examplesFirst('sign (with --key) and upload a release to a Sigil registry', [
        'sigil publish left-pad-1.3.0.tgz -s http://127.0.0.1:8080 --key KEY',
        'sigil publish ./gomodule --version v1.2.0 -s URL --key KEY',
      ]),
    )
    .argument(
      '<artifact>',
      'the file to publish (or a Go module folder holding go.mod, with --version)',
    )
    .option('-s, --server <url>', 'registry URL (default: $SIGIL_SERVER)')
    .option('--token <token>', 'publish token (default: $SIGIL_TOKEN)')
    .option('--otp <code>', 'two-factor code, when the account has 2FA')
    .option(
      '-k, --key <file>',
      'sign with this private key first (and establish it on a first publish)',
    )
    .option(
      '--ssh-key <file>',
      'sign with this SSH key (through ssh-agent when loaded there) instead of a sigil key',
    )
    .option(
      '-b, --bundle <file>',
      'an existing bundle (default: <artifact>.sigstore.json when it exists)',
    )
    .option('-t, --type <type>', 'package type, when it cannot be detected')
    .option('--namespace <ns>', 'package namespace when the artifact does not say')
    .option('--name <name>', 'package name (generic files)')
    .option('--version <version>', 'package version (generic files)')
    .option('--json', 'print the release record as JSON')
    .action(async (artifact: string, flags: PublishFlags) =>
      ctx.setExitCode(await publish(ctx.io, artifact, flags)),
    );
}

/**
 * goModuleZipFromDir builds the module zip of a Go module directory the way
 * the go command does (x/mod/zip CreateFromDir) into a fresh temporary
 * folder, and returns its path (the bundle is written beside it).
 */
function goModuleZipFromDir(io: Io, dir: string, flags: PublishFlags): string {
  // A folder with go.mod is a Go module: no --type golang needed.
  const isGoModule =
    flags.type === 'golang' || (flags.type === undefined && existsSync(join(dir, 'go.mod')));
  if (!isGoModule) {
    throw new InputError(
      'USAGE',
      `${dir} is a directory; only a Go module can be published from a directory`,
      {
        hint: 'a Go module folder has a go.mod; without one pass --type golang --name MODULE --version vX.Y.Z',
      },
    );
  }
  if (flags.version === undefined) {
    throw new InputError(
      'USAGE',
      `${dir} is a Go module folder: give the version to publish with --version vX.Y.Z`,
      {
        hint: 'a module folder does not say its version; the go command takes it from the git tag',
      },
    );
  }
  let modulePath = flags.name;
  if (modulePath === undefined) {
    const gomod = join(dir, 'go.mod');
    modulePath = existsSync(gomod) ? moduleDirective(readFileSync(gomod, 'utf8')) : undefined;
    if (modulePath === undefined)
      throw new InputError('GO_MODULE_INVALID', `${dir} has no go.mod with a module directive`, {
        hint: 'add a go.mod, or give the module path with --name',
      });
  }
  const zip = makeModuleZip(dir, modulePath, flags.version);
  const out = join(mkdtempSync(join(tmpdir(), 'sigil-go-')), `${flags.version}.zip`);
  writeFileSync(out, zip);
  if (!flags.json) io.err(`built ${out} (${modulePath}@${flags.version}, ${zip.length} bytes)\n`);
  return out;
}

export async function publish(io: Io, artifactPath: string, flags: PublishFlags): Promise<number> {
  const serverArg = flags.server ?? io.env['SIGIL_SERVER'];
  if (!serverArg)
    throw new InputError('USAGE', 'no registry: give -s/--server URL or set SIGIL_SERVER', {
      hint: 'the URL `sigil serve` printed, e.g. http://127.0.0.1:8080',
    });
  const server = checkServerUrl(
    serverArg,
    flags.server !== undefined ? '-s/--server' : '$SIGIL_SERVER',
  );
  const token = flags.token ?? io.env['SIGIL_TOKEN'];
  if ((flags.key || flags.sshKey) && flags.bundle)
    throw new InputError('USAGE', "-k/--key and -b/--bundle can't be used together", {
      hint: 'give --key to sign now, or --bundle for a release signed earlier',
    });
  const client = new RegistryClient(server, {
    ...(token ? { token } : {}),
    ...(flags.otp ? { otp: flags.otp } : {}),
  });
  if (statSync(artifactPath, { throwIfNoEntry: false })?.isDirectory())
    artifactPath = goModuleZipFromDir(io, artifactPath, flags);

  const artifact = fileArtifact(artifactPath, io, { quiet: Boolean(flags.json) });
  const d = await describeArtifact(artifact, describeOptions(flags));

  let bundle: unknown = null;
  const keyEvents = [];
  if (flags.key && flags.sshKey)
    throw new InputError('USAGE', "-k/--key and --ssh-key can't be used together");
  if (flags.key || flags.sshKey) {
    const key = flags.sshKey
      ? await loadSshSigner(io, flags.sshKey)
      : privateKeySigner(loadPrivateKey(io, flags.key!));
    const signed = await signReleaseWith({
      purl: d.identity.purl,
      digests: d.digests,
      signer: key,
    });
    writeFileAtomic(`${artifactPath}.sigstore.json`, serializeBundle(signed));
    bundle = signed;
    const namespace = purlWithoutVersion(d.identity.purl);
    const ledger = await client.ledger(namespace).catch((e: unknown) => {
      if (e instanceof RegistryRequestError && e.status === 404) return undefined;
      throw e;
    });
    if (!ledger || ledger.keys.length === 0) {
      if (ledger?.head)
        throw new InputError(
          'NAMESPACE_LOCKED',
          `${namespace} has a key history but no usable key left`,
          { hint: 'ask the registry operator for a reset; see `sigil key history`' },
        );
      keyEvents.push(
        await cosignKeyEventWith(
          buildKeyEvent(
            {
              namespace,
              previous: null,
              action: 'add',
              keys: [key.publicKey],
              reason: 'first publish',
            },
            [],
          ).envelope,
          key,
        ),
      );
    } else if (!ledger.keys.some((k) => k.keyId === key.publicKey.keyId)) {
      throw new InputError(
        'KEY_NOT_AUTHORISED',
        `key ${key.publicKey.keyId.slice(0, 16)}… is not authorised for ${ledger.ledger}`,
        {
          hint: `authorised keys: ${ledger.keys.map((k) => k.keyId.slice(0, 16)).join(', ')}; add yours with \`sigil key add\` signed by one of them`,
        },
      );
    }
  } else {
    const bundlePath = flags.bundle ?? `${artifactPath}.sigstore.json`;
    try {
      bundle = JSON.parse(readTextFile(bundlePath, 'bundle'));
    } catch (e) {
      if (flags.bundle !== undefined)
        throw e instanceof InputError
          ? e
          : new InputError('BUNDLE_NOT_JSON', `${bundlePath} is not JSON`, { file: bundlePath });
      bundle = null; // no bundle beside the artifact: an unsigned upload, which the registry may refuse
    }
  }

  const { status, record } = await client
    .publish({
      filename: artifact.name,
      artifact: readFileSync(artifactPath),
      bundle,
      keyEvents,
      ...describeOptions(flags),
    })
    .catch((e: unknown) => {
      // Without a token the server's hint speaks HTTP (Authorization: Bearer); say which flag to use.
      if (e instanceof RegistryRequestError && e.status === 401 && token === undefined) {
        throw new InputError('TOKEN_REQUIRED', `${server} needs a publish token: ${e.message}`, {
          hint: 'give --token TOKEN or set SIGIL_TOKEN (the admin token `sigil serve` printed at its first start, or one from `sigil account token create`)',
        });
      }
      throw e;
    });
  if (flags.json) {
    io.out(`${JSON.stringify(record, null, 2)}\n`);
    return 0;
  }
  const already = status === 200 ? ' (already published with these bytes)' : '';
  io.out(
    [
      `published ${record.purl}${already}`,
      `  ${record.authorBundle ? `signed by the author (key ${String((record.authorBundle as { verificationMaterial: { publicKey: { hint: string } } }).verificationMaterial.publicKey.hint).slice(0, 16)}…)` : 'NOT signed by its author'}, countersigned by ${client.baseUrl}`,
      `  log ${record.log.origin}: ${record.log.author ? `author entry ${record.log.author.logIndex}, ` : ''}publish entry ${record.log.publish.logIndex}`,
      keyEvents.length > 0
        ? `  first publish: your key is now the namespace's key (logged for everyone to see)`
        : '',
      `  download ${record.downloadUrl ?? ''}`,
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
  return 0;
}
