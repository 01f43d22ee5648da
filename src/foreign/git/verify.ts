/**
 * verifyGitTag / verifyGitCommit: `git verify-tag` and `git verify-commit`, as
 * verdicts. The object is read with the real git; the signature is checked by
 * Sigil's OpenPGP verifier (with its policies) or SSHSIG verifier (namespace
 * "git", allowed_signers, validity judged at the tagger/committer time as git
 * does). Beyond git: a tag whose `tag` header does not name the requested tag
 * (a signed v1.0 moved to refs/tags/v2.0) fails.
 */
import {
  fail,
  pass,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { InputError } from '../../core/errors.js';
import { verifyDetached, type PolicyName } from '../openpgp/index.js';
import type { AllowedSigner } from '../ssh/allowed-signers.js';
import { verifySshsig } from '../ssh/verify.js';
import { parseCommit, parseTag, type SignedParts } from './objects.js';
import { GitRepo } from './repo.js';

export interface GitTrust {
  /** OpenPGP keyring bytes (armored or binary). */
  readonly keyring?: Buffer;
  readonly allowedSigners?: readonly AllowedSigner[];
  readonly openpgpPolicy?: PolicyName;
  /** SSH: require this principal. */
  readonly principal?: string;
}

export interface GitVerifyResult extends VerificationResult {
  /** The commit the tag (or commit) names, when it is one. */
  readonly commit?: string;
  /** The tree of that commit. */
  readonly tree?: string;
  readonly signer?: string;
}

async function checkSignature(
  parts: SignedParts,
  trust: GitTrust,
  subject: string,
  at: Date | undefined,
): Promise<{ checks: Check[]; signer?: string }> {
  if (parts.signature === undefined) {
    return {
      checks: [
        fail('signature', 'GIT_UNSIGNED', `${subject} is not signed`, {
          hint: 'the author signs with `git tag -s` (or `git commit -S`)',
        }),
      ],
    };
  }
  if (parts.format === 'x509')
    return {
      checks: [
        fail(
          'signature',
          'GIT_SIGNATURE_UNSUPPORTED',
          `${subject} carries an X.509 (gpgsm) signature, which sigil does not verify`,
        ),
      ],
    };
  if (parts.format === 'ssh') {
    if (!trust.allowedSigners) {
      throw new InputError(
        'USAGE',
        `${subject} has an SSH signature: give --allowed-signers FILE (the gpg.ssh.allowedSignersFile format)`,
      );
    }
    const r = verifySshsig(parts.payload, parts.signature, {
      namespace: 'git',
      allowedSigners: trust.allowedSigners,
      subject,
      ...(trust.principal !== undefined ? { principal: trust.principal } : {}),
      ...(at ? { at } : {}),
    });
    return {
      checks: [
        pass('scheme', 'GIT_SIGNATURE_SSH', 'SSH signature (sshsig, namespace "git")'),
        ...r.checks,
      ],
      ...(r.principals.length ? { signer: r.principals.join(', ') } : {}),
    };
  }
  if (!trust.keyring)
    throw new InputError(
      'USAGE',
      `${subject} has an OpenPGP signature: give --keyring FILE (the author's public key)`,
    );
  const r = await verifyDetached(
    parts.payload,
    Buffer.from(parts.signature, 'latin1'),
    trust.keyring,
    { policy: trust.openpgpPolicy ?? 'standard', subject },
  );
  const signer = r.signer
    ? `${r.signer.userIDs[0] ?? ''} ${r.signer.fingerprint}`.trim()
    : undefined;
  return {
    checks: [pass('scheme', 'GIT_SIGNATURE_OPENPGP', 'OpenPGP signature'), ...r.checks],
    ...(signer ? { signer } : {}),
  };
}

export async function verifyGitTag(
  repoPath: string,
  tagName: string,
  trust: GitTrust,
): Promise<GitVerifyResult> {
  const repo = GitRepo.open(repoPath);
  const subject = `tag ${tagName}`;
  const ref = tagName.startsWith('refs/') ? tagName : `refs/tags/${tagName}`;
  const oid = repo.resolve(ref);
  if (oid === undefined)
    throw new InputError('GIT_TAG_MISSING', `${repoPath} has no tag ${tagName}`, {
      hint: 'list tags with `git tag -l`; fetch them with `git fetch --tags`',
    });
  const obj = repo.read(oid);
  if (obj.type !== 'tag') {
    return verdict(subject, [
      fail(
        'signature',
        'GIT_UNSIGNED',
        `${subject} is a lightweight tag (it points straight at a ${obj.type}): it carries no signature`,
        { hint: 'the author signs with `git tag -s`' },
      ),
    ]);
  }
  const tag = parseTag(obj.bytes, `${subject} (${oid})`);
  const checks: Check[] = [
    pass('object', 'GIT_TAG_OBJECT', `annotated tag object ${oid} → ${tag.type} ${tag.object}`, {
      oid,
    }),
  ];
  const expectedName = ref.replace(/^refs\/tags\//, '');
  if (tag.tag !== expectedName) {
    checks.push(
      fail(
        'tag-name',
        'GIT_TAG_NAME_MISMATCH',
        `the signed tag object is named "${tag.tag}" but is stored as ${ref}: a tag signed for one version was moved to another`,
        { expected: expectedName, actual: tag.tag },
      ),
    );
  } else
    checks.push(pass('tag-name', 'GIT_TAG_NAME_OK', `the signed tag names itself "${tag.tag}"`));
  const sig = await checkSignature(tag, trust, subject, tag.tagger?.time);
  checks.push(...sig.checks);
  let commit: string | undefined;
  let tree: string | undefined;
  if (tag.type === 'commit') {
    commit = tag.object;
    tree = parseCommit(repo.read(commit).bytes, `commit ${commit}`).tree;
  } else {
    checks.push(
      warn(
        'target',
        'GIT_TAG_NOT_A_COMMIT',
        `the tag points to a ${tag.type}, not a commit: it does not name a source tree release`,
      ),
    );
    if (tag.type === 'tree') tree = tag.object;
  }
  return {
    ...verdict(subject, checks),
    ...(commit ? { commit } : {}),
    ...(tree ? { tree } : {}),
    ...(sig.signer ? { signer: sig.signer } : {}),
  };
}

export async function verifyGitCommit(
  repoPath: string,
  rev: string,
  trust: GitTrust,
): Promise<GitVerifyResult> {
  const repo = GitRepo.open(repoPath);
  const oid = repo.resolve(`${rev}^{commit}`);
  if (oid === undefined)
    throw new InputError('GIT_COMMIT_MISSING', `${repoPath} has no commit ${rev}`);
  const subject = `commit ${oid}`;
  const c = parseCommit(repo.read(oid).bytes, subject);
  const sig = await checkSignature(c, trust, subject, c.committer?.time);
  return {
    ...verdict(subject, [
      pass('object', 'GIT_COMMIT_OBJECT', `commit ${oid}, tree ${c.tree}`, { oid }),
      ...sig.checks,
    ]),
    commit: oid,
    tree: c.tree,
    ...(sig.signer ? { signer: sig.signer } : {}),
  };
}
