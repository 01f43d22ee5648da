// `sigil verify` picks the right verifier for the signatures ecosystems already have,
// and answers with the same verdict table and exit codes as for Sigil bundles.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const corpus = (p: string) => join('test/fixtures/openpgp/corpus', p);
const dir = mkdtempSync(join(tmpdir(), 'sigil-schemes-'));

describe('sigil verify with OpenPGP', () => {
  it('finds the .asc beside the file and says good', async () => {
    const r = await runCli([
      'verify',
      corpus('chrony/chrony_4.3.orig.tar.gz'),
      '--keyring',
      corpus('chrony/signing-key.asc'),
      '--json',
    ]);
    const j = JSON.parse(r.stdout);
    expect(j.scheme).toBe('openpgp');
    expect(j.openpgpVerdict).toBe('good');
    expect(r.code).toBe(0);
  });

  it('the policy decides, and the verdict names it: hello is bad as sqv says, good as gpgv says', async () => {
    const args = [
      'verify',
      corpus('hello/hello_2.10.orig.tar.gz'),
      '--keyring',
      corpus('hello/signing-key.asc'),
    ];
    const standard = await runCli([...args, '--json']);
    expect(JSON.parse(standard.stdout)).toMatchObject({
      openpgpVerdict: 'bad',
      reason: 'no-acceptable-self-sig-at-signing-time',
    });
    expect(standard.code).toBe(1);
    const legacy = await runCli([...args, '--openpgp-policy', 'legacy']);
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toMatch(/legacy/);
  });

  it('a tampered tarball is bad (exit 1)', async () => {
    const t = join(dir, 'chrony.tar.gz');
    const bytes = readFileSync(corpus('chrony/chrony_4.3.orig.tar.gz'));
    bytes[1000]! ^= 1;
    writeFileSync(t, bytes);
    copyFileSync(corpus('chrony/chrony_4.3.orig.tar.gz.asc'), `${t}.asc`);
    const r = await runCli(['verify', t, '--keyring', corpus('chrony/signing-key.asc')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✘/);
  });

  it('no key is reported as no key, never good or bad', async () => {
    const r = await runCli([
      'verify',
      corpus('pwgen/pwgen_2.08.orig.tar.gz'),
      '--keyring',
      corpus('hello/signing-key.asc'),
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).openpgpVerdict).toBe('nokey');
  });

  it('OpenPGP needs a keyring file', async () => {
    const r = await runCli(['verify', corpus('hello/hello_2.10.orig.tar.gz')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OpenPGP verification needs --keyring FILE/);
  });
});

describe('sigil verify with other schemes', () => {
  it('npm registry signatures in a real packument, with npmjs keys', async () => {
    const r = await runCli([
      'verify',
      'test/fixtures/npm-registry/venv.packument.json',
      '--npm-keys',
      'test/fixtures/npm-registry/npmjs-keys.json',
      '--json',
    ]);
    const j = JSON.parse(r.stdout);
    expect(j.scheme).toBe('npm-registry');
    expect(j.results.length).toBeGreaterThan(0);
    expect(r.code).toBe(j.ok ? 0 : 1);
  });

  it('a keyless Sigstore bundle (real npm provenance) verifies offline against the bundled root', async () => {
    const r = await runCli([
      'verify',
      'test/fixtures/sigstore/playwright-cli-0.1.1.provenance.sigstore.json',
      '--cert-oidc-issuer',
      'https://token.actions.githubusercontent.com',
      '--cert-identity-regexp',
      '^https://github\\.com/microsoft/',
      '--json',
    ]);
    const j = JSON.parse(r.stdout);
    expect(j.scheme).toBe('sigstore');
    expect(j.ok).toBe(true);
    expect(r.code).toBe(0);
  });

  it('a file with no signature anywhere says what to pass', async () => {
    const f = join(dir, 'lonely.bin');
    writeFileSync(f, 'x');
    const r = await runCli(['verify', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /found no signature for .*lonely\.bin[\s\S]*sigil: hint: give -b\/--bundle FILE, --signature FILE, or --scheme/,
    );
  });

  it('an unknown --scheme is a usage error', async () => {
    const r = await runCli(['verify', 'x', '--scheme', 'carrier-pigeon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--scheme must be one of/);
  });
});

describe('sigil verify: explicit schemes (issue 15 item 8)', () => {
  it('the general help lists the schemes and hides their flags; each scheme has its own help, example first', async () => {
    const general = await runCli(['verify', '--help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/Schemes \(--scheme NAME\)/);
    expect(general.stdout).toMatch(/^ {2}openpgp, pgp, gpg +an OpenPGP detached signature/m);
    expect(general.stdout).toContain('--key <file>');
    expect(general.stdout).not.toContain('--npm-keys');
    expect(general.stdout).not.toContain('--allowed-signers');

    const ssh = await runCli(['verify', '--scheme', 'ssh', '--help']);
    expect(ssh.code).toBe(0);
    const lines = ssh.stdout.split('\n');
    expect(lines[0]).toBe('sigil verify --scheme sshsig: an SSH signature (ssh-keygen -Y sign)');
    expect(lines.indexOf('Example:')).toBeLessThan(lines.indexOf('Usage:'));
    expect(lines.indexOf('Usage:')).toBeLessThan(lines.indexOf('Options:'));
    expect(ssh.stdout).toContain('--allowed-signers <file>');
    expect(ssh.stdout).not.toContain('--npm-keys');
    expect(ssh.stdout).toMatch(/Chosen without --scheme when: --sshsig/);
    // --help before --scheme gives the same page.
    expect((await runCli(['verify', '--help', '--scheme', 'sshsig'])).stdout).toBe(ssh.stdout);
  });

  it('--scheme names (and aliases) choose the verifier: pgp is openpgp', async () => {
    const r = await runCli([
      'verify',
      '--scheme',
      'pgp',
      corpus('chrony/chrony_4.3.orig.tar.gz'),
      '--keyring',
      corpus('chrony/signing-key.asc'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scheme: 'openpgp', openpgpVerdict: 'good' });
  });

  it('flags of two schemes together, or a flag of another scheme than --scheme, are usage errors naming both', async () => {
    const both = await runCli(['verify', 'repo', '--tag', 'v1', '--npm-keys', 'k.json']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /cannot tell which scheme to verify with: --npm-keys \(npm-registry\) and --tag \(git\)/,
    );
    expect(both.stderr).toMatch(/hint: say which with --scheme npm-registry\|git/);
    const other = await runCli(['verify', 'repo', '--scheme', 'openpgp', '--tag', 'v1']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--tag belongs to --scheme git, not openpgp/);
  });

  it('a flag the chosen scheme does not read is refused, not ignored (no check may look passed)', async () => {
    const r = await runCli([
      'verify',
      corpus('chrony/chrony_4.3.orig.tar.gz'),
      '--keyring',
      corpus('chrony/signing-key.asc'),
      '--principal',
      'alice@example.org',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--principal does not apply to --scheme openpgp/);
    expect(r.stderr).toMatch(
      /hint: `sigil verify --scheme openpgp --help` lists the flags it reads/,
    );
  });

  it('a .sig that is neither OpenPGP nor SSH needs --scheme; an armored OpenPGP .sig is OpenPGP', async () => {
    const f = join(dir, 'plugin.zip');
    writeFileSync(f, 'zip bytes');
    writeFileSync(`${f}.sig`, Buffer.alloc(64, 7).toString('base64')); // WordPress writes base64 .sig files
    const r = await runCli(['verify', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot tell which kind of signature .*plugin\.zip\.sig is/);
    expect(r.stderr).toMatch(/hint: say which with --scheme openpgp\|ssh\|wordpress/);

    const t = join(dir, 'chrony-sig.tar.gz');
    copyFileSync(corpus('chrony/chrony_4.3.orig.tar.gz'), t);
    copyFileSync(corpus('chrony/chrony_4.3.orig.tar.gz.asc'), `${t}.sig`);
    const ok = await runCli(['verify', t, '--json', '--keyring', corpus('chrony/signing-key.asc')]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ scheme: 'openpgp', openpgpVerdict: 'good' });
  });
});

describe('sigil sigstore root', () => {
  it('shows the shipped root, refuses a root that verifies nothing, installs an update that verify then uses', async () => {
    const env = { SIGIL_CONFIG_DIR: join(dir, 'cfg-root') };
    const shown = await runCli(['sigstore', 'root', 'show', '--json'], env);
    expect(shown.code).toBe(0);
    const s = JSON.parse(shown.stdout);
    expect(s.source).toMatch(/shipped with sigil/);
    expect(s.tlogs.length).toBeGreaterThan(0);

    const empty = join(dir, 'empty-root.json');
    writeFileSync(
      empty,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [],
        certificateAuthorities: [],
        ctlogs: [],
        timestampAuthorities: [],
      }),
    );
    const refused = await runCli(['sigstore', 'root', 'update', '--from', empty], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to install a root that verifies nothing/);

    // Install the shipped root (as a TUF client would have written it): verify now reads it from the config dir.
    const { PUBLIC_GOOD_TRUSTED_ROOT } = await import('../src/foreign/sigstore/index.js');
    const file = join(dir, 'root.json');
    writeFileSync(file, JSON.stringify(PUBLIC_GOOD_TRUSTED_ROOT));
    expect((await runCli(['sigstore', 'root', 'update', '--from', file], env)).code).toBe(0);
    expect(
      JSON.parse((await runCli(['sigstore', 'root', 'show', '--json'], env)).stdout).source,
    ).toContain('cfg-root');
    const v = await runCli(
      [
        'verify',
        'test/fixtures/sigstore/playwright-cli-0.1.1.provenance.sigstore.json',
        '--cert-oidc-issuer',
        'https://token.actions.githubusercontent.com',
        '--json',
      ],
      env,
    );
    expect(JSON.parse(v.stdout).ok).toBe(true);

    // A root whose only log has another id than the one that logged this bundle: the same bundle now fails.
    const root = PUBLIC_GOOD_TRUSTED_ROOT as unknown as { tlogs: Record<string, unknown>[] };
    const otherLog = {
      ...root.tlogs[0]!,
      logId: { keyId: Buffer.alloc(32, 7).toString('base64') },
    };
    writeFileSync(file, JSON.stringify({ ...root, tlogs: [otherLog] }));
    expect((await runCli(['sigstore', 'root', 'update', '--from', file], env)).code).toBe(0);
    const bad = await runCli(
      ['verify', 'test/fixtures/sigstore/playwright-cli-0.1.1.provenance.sigstore.json', '--json'],
      env,
    );
    expect(bad.code).toBe(1);
    expect(
      JSON.parse(bad.stdout).checks.find((c: { name: string }) => c.name === 'tlog').status,
    ).toBe('fail');
  });
});
