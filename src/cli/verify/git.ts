/**
 * sigil verify for git-hosted packages and SSH signatures:
 *   <repo> --tag v1.2.3 | --commit SHA      (OpenPGP: --keyring; SSH: --allowed-signers)
 *   <archive> --from-tag <repo>@v1.2.3      (the archive's tree must be the signed tag's tree)
 *   <file> --sshsig file.sig --allowed-signers F [--principal P] [--ssh-namespace file]
 */
import { InputError } from '../../core/errors.js';
import { fail, pass, verdict, type VerificationResult } from '../../core/verdict.js';
import {
  compareArchiveWithTree,
  GitRepo,
  readArchiveTree,
  treeOid,
  verifyGitCommit,
  verifyGitTag,
  type GitTrust,
} from '../../foreign/git/index.js';
import type { PolicyName } from '../../foreign/openpgp/index.js';
import { parseAllowedSigners, verifySshsig } from '../../foreign/ssh/index.js';
import { verifyForgeBinding } from '../../foreign/ssh/forge-binding.js';
import { readTextFile, statFile } from '../files.js';
import type { VerifyFlags } from './flags.js';
import { readFileSync } from 'node:fs';

function gitTrust(flags: VerifyFlags): GitTrust {
  const policy = (flags.openpgpPolicy ?? 'standard') as PolicyName;
  if (policy !== 'standard' && policy !== 'legacy')
    throw new InputError('USAGE', `--openpgp-policy must be standard or legacy, not "${policy}"`);
  if (flags.keyring === undefined && flags.allowedSigners === undefined) {
    throw new InputError(
      'USAGE',
      'verifying a git signature needs --keyring FILE (OpenPGP) or --allowed-signers FILE (SSH)',
      {
        hint: 'the allowed_signers format is git\'s gpg.ssh.allowedSignersFile: "<principal> <key type> <base64 key>"',
      },
    );
  }
  if (flags.keyring !== undefined && statFile(flags.keyring, 'keyring').isDirectory())
    throw new InputError(
      'USAGE',
      `--keyring ${flags.keyring} is a folder; an OpenPGP keyring is a file`,
    );
  return {
    openpgpPolicy: policy,
    ...(flags.keyring !== undefined ? { keyring: readFileSync(flags.keyring) } : {}),
    ...(flags.allowedSigners !== undefined
      ? {
          allowedSigners: parseAllowedSigners(
            readTextFile(flags.allowedSigners, 'allowed signers file'),
            flags.allowedSigners,
          ),
        }
      : {}),
    ...(flags.principal !== undefined ? { principal: flags.principal } : {}),
  };
}

export async function verifyGitObject(
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  if (flags.tag !== undefined && flags.commit !== undefined)
    throw new InputError('USAGE', 'give --tag or --commit, not both');
  const trust = gitTrust(flags);
  const {
    commit: _c,
    tree: _t,
    signer: _s,
    ...result
  } = flags.tag !== undefined
    ? await verifyGitTag(target, flags.tag, trust)
    : await verifyGitCommit(target, flags.commit!, trust);
  return result;
}

/** parseTagRef splits "<repo>@<tag>" at the last "@" (paths may hold "@"; tag names may not start with one). */
function parseTagRef(value: string): { repo: string; tag: string } {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1)
    throw new InputError(
      'USAGE',
      `--from-tag "${value}" must be <repo>@<tag>, e.g. ./left-pad@v1.3.0`,
    );
  return { repo: value.slice(0, at), tag: value.slice(at + 1) };
}

export async function verifyArchiveFromTag(
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  const { repo: repoPath, tag } = parseTagRef(flags.fromTag!);
  statFile(target, 'archive');
  const tagResult = await verifyGitTag(repoPath, tag, gitTrust(flags));
  const checks = [...tagResult.checks];
  if (tagResult.tree === undefined) {
    throw new InputError(
      'GIT_TAG_NOT_A_TREE',
      `tag ${tag} does not point to a commit or tree, so there is no source tree to compare ${target} with`,
    );
  }
  const cmp = await compareArchiveWithTree(
    GitRepo.open(repoPath),
    tagResult.tree,
    target,
    `tag ${tag}`,
  );
  checks.push(...cmp.checks);
  return verdict(`${target} from tag ${tag}`, checks);
}

export function verifySshsigFile(target: string, flags: VerifyFlags): VerificationResult {
  if (flags.allowedSigners === undefined)
    throw new InputError(
      'USAGE',
      'an SSH signature needs --allowed-signers FILE (as `ssh-keygen -Y verify -f`)',
    );
  statFile(target, 'file');
  const sigPath = flags.sshsig ?? flags.signature ?? `${target}.sig`;
  const message = readFileSync(target);
  const {
    signature: _sig,
    principals: _p,
    ...result
  } = verifySshsig(message, readTextFile(sigPath, 'SSH signature'), {
    namespace: flags.sshNamespace ?? 'file',
    allowedSigners: parseAllowedSigners(
      readTextFile(flags.allowedSigners, 'allowed signers file'),
      flags.allowedSigners,
    ),
    subject: target,
    ...(flags.principal !== undefined ? { principal: flags.principal } : {}),
    ...(flags.at !== undefined ? { at: parseAt(flags.at) } : {}),
  });
  return result;
}

function parseAt(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new InputError(
      'USAGE',
      `--at "${value}" is not a date (use ISO 8601, e.g. 2024-06-01T00:00:00Z)`,
    );
  return d;
}

export function verifyForgeBindingFile(target: string, flags: VerifyFlags): VerificationResult {
  const { boundKeys: _b, ...result } = verifyForgeBinding(readTextFile(target, 'forge binding'), {
    file: target,
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.forgeKeys !== undefined
      ? { forgeListing: readTextFile(flags.forgeKeys, 'forge key listing') }
      : {}),
  });
  return result;
}

/**
 * verifyArchiveTreeHash: the archive holds exactly the git tree with this id (Julia's
 * git-tree-sha1 in Registry/Manifest.toml; any tag's tree). A single top folder is tried
 * both ways, since forges wrap archives in one.
 */
export async function verifyArchiveTreeHash(
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult> {
  const expected = flags.gitTreeSha1!.toLowerCase();
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(expected))
    throw new InputError(
      'USAGE',
      `--git-tree-sha1 "${flags.gitTreeSha1}" is not a 40- or 64-hex git object id`,
    );
  const format = expected.length === 64 ? 'sha256' : 'sha1';
  const { files } = await readArchiveTree(target, format);
  const top = files[0]?.path.split('/')[0];
  const candidates = [files];
  if (top !== undefined && files.every((f) => f.path.startsWith(`${top}/`)))
    candidates.push(files.map((f) => ({ ...f, path: f.path.slice(top.length + 1) })));
  const ids = candidates.map((c) => treeOid(c, format));
  const hit = ids.indexOf(expected);
  return verdict(target, [
    hit >= 0
      ? pass(
          'archive-tree',
          'ARCHIVE_TREE_MATCHES',
          `${target} holds git tree ${expected}${hit === 1 ? ` (inside its top folder ${top}/)` : ''} (${files.length} files)`,
        )
      : fail(
          'archive-tree',
          'ARCHIVE_TREE_MISMATCH',
          `${target} is not git tree ${expected}: its tree is ${ids.join(' (or, inside its top folder, ')}${ids.length > 1 ? ')' : ''}`,
          { expected, actual: ids },
        ),
  ]);
}
