/** sigil keygen: make a signing key pair. */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { InputError } from '../../core/errors.js';
import {
  formatPrivateKeyFile,
  formatPublicKeyFile,
  generateKey,
  KEY_ALGORITHMS,
  npmKeyId,
  type KeyAlgorithm,
} from '../../core/keys.js';
import { shortHex } from '../../core/digest.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { parseSshPublicKeyLine } from '../../foreign/ssh/public-key.js';
import { sigilKeyOfSsh } from '../ssh-signer.js';
import { printWarning, type Io } from '../output.js';
import { readNewPassphrase } from '../passphrase.js';

export interface KeygenFlags {
  algorithm: string;
  out: string;
  unencrypted?: boolean;
  fromSsh?: string;
  json?: boolean;
}

export function registerKeygen(program: Command, ctx: CommandContext): void {
  program
    .command('keygen')
    .summary('make a new signing key pair (private key encrypted with a passphrase)')
    .description(
      examplesFirst('make a new signing key pair (private key encrypted with a passphrase)', [
        'sigil keygen --out ~/.sigil',
        'sigil keygen -a ecdsa-p256 --out keys --json',
      ]),
    )
    .option('-a, --algorithm <alg>', `key algorithm: ${KEY_ALGORITHMS.join(' or ')}`, 'ed25519')
    .option('-o, --out <dir>', 'folder to write the key files to', '.')
    .option('--unencrypted', 'write the private key without a passphrase (not recommended)')
    .option(
      '--from-ssh <pubkey>',
      'import an SSH public key (ssh-ed25519 or ecdsa-sha2-nistp256) as a Sigil public key; sign with `sigil sign --ssh-key`',
    )
    .option('--json', 'print the result as JSON')
    .action((flags: KeygenFlags) =>
      ctx.setExitCode(
        flags.fromSsh !== undefined
          ? importSshKey(ctx.io, flags, flags.fromSsh)
          : keygen(ctx.io, flags),
      ),
    );
}

/** makeKeyFolder creates the -o folder keys go into, private to the user (0700). */
function makeKeyFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new InputError(
      'FILE_WRITE_FAILED',
      `cannot create folder ${dir}: ${(e as Error).message}`,
      {
        file: dir,
      },
    );
  }
}

/** importSshKey writes the Sigil public key file of an SSH key; the private half stays where it is (ssh-agent or ~/.ssh). */
export function importSshKey(io: Io, flags: KeygenFlags, pubPath: string): number {
  const ssh = parseSshPublicKeyLine(readTextFile(pubPath, 'SSH public key'), pubPath);
  const key = sigilKeyOfSsh(ssh, pubPath);
  makeKeyFolder(flags.out);
  const out = join(flags.out, `sigil-${key.keyId.slice(0, 8)}.pub`);
  const text = `# imported from SSH key ${ssh.fingerprint}${ssh.comment ? ` (${ssh.comment})` : ''}\n${formatPublicKeyFile(key)}`;
  writeFileAtomic(out, text, { mode: 0o644, exclusive: true });
  const signWith = pubPath.endsWith('.pub') ? pubPath.slice(0, -4) : pubPath;
  if (flags.json) {
    io.out(
      `${JSON.stringify({ algorithm: key.algorithm, keyId: key.keyId, npmKeyId: npmKeyId(key.keyId), sshFingerprint: ssh.fingerprint, publicKey: out }, null, 2)}\n`,
    );
    return 0;
  }
  io.out(
    [
      `imported ${ssh.type} key ${ssh.fingerprint} as sigil ${key.algorithm} key ${shortHex(key.keyId)}`,
      `  public   ${out}`,
      `  key id   ${key.keyId}`,
      `next: sigil sign <artifact> --ssh-key ${signWith}   (through ssh-agent when the key is loaded there)`,
      '',
    ].join('\n'),
  );
  return 0;
}

export function keygen(io: Io, flags: KeygenFlags): number {
  if (!(KEY_ALGORITHMS as readonly string[]).includes(flags.algorithm)) {
    throw new InputError(
      'USAGE',
      `-a/--algorithm must be ${KEY_ALGORITHMS.join(' or ')}, not "${flags.algorithm}"`,
    );
  }
  const passphrase = flags.unencrypted ? undefined : readNewPassphrase(io);
  const key = generateKey(flags.algorithm as KeyAlgorithm);
  const created = new Date();
  const privText = formatPrivateKeyFile(key, {
    ...(passphrase ? { passphrase } : {}),
    unencrypted: Boolean(flags.unencrypted),
    created,
  });
  const pubText = formatPublicKeyFile(key.publicKey, created);
  makeKeyFolder(flags.out);
  const base = join(flags.out, `sigil-${key.publicKey.keyId.slice(0, 8)}`);
  const privPath = `${base}.key`;
  const pubPath = `${base}.pub`;
  writeFileAtomic(privPath, privText, { mode: 0o600, exclusive: true });
  chmodSync(privPath, 0o600);
  writeFileAtomic(pubPath, pubText, { mode: 0o644, exclusive: true });
  if (flags.unencrypted)
    printWarning(io, `${privPath} is not encrypted: anyone who can read it can sign as you`);
  if (flags.json) {
    io.out(
      `${JSON.stringify({ algorithm: key.algorithm, keyId: key.publicKey.keyId, npmKeyId: npmKeyId(key.publicKey.keyId), privateKey: privPath, publicKey: pubPath, encrypted: !flags.unencrypted }, null, 2)}\n`,
    );
    return 0;
  }
  io.out(
    [
      `created ${key.algorithm} key ${shortHex(key.publicKey.keyId)}`,
      `  private  ${privPath}   (${flags.unencrypted ? 'NOT encrypted' : 'encrypted'})`,
      `  public   ${pubPath}`,
      `  key id   ${key.publicKey.keyId}`,
      `next: sigil sign <artifact> --key ${privPath}`,
      '',
    ].join('\n'),
  );
  return 0;
}
