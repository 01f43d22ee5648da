// Signing with the SSH key an author already has: `sigil keygen --from-ssh` imports the
// public key, `sigil sign --ssh-key` and `sigil publish --ssh-key` sign through the real
// ssh-agent (the private key file is deleted first, so nothing else could have signed),
// and the result is an ordinary Sigil bundle that `sigil verify -k` and the registry accept.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../src/client/registry-client.js';
import { openRegistry, type Registry } from '../../../src/registry/server.js';
import { runCli } from '../../helpers/cli.js';
import { npmPack } from '../../helpers/npm-pack.js';
import { needsProgram, skipUnlessPresent } from '../../helpers/real-program.js';

const FILE = 'test/foreign/git/ssh-signing.test.ts';
const agentProgram = needsProgram('ssh-agent', ['-?'], 'apt-get install openssh-client', FILE);
const keygenProgram = needsProgram('ssh-keygen', ['-?'], 'apt-get install openssh-client', FILE);
const skip = skipUnlessPresent(agentProgram) || skipUnlessPresent(keygenProgram);

let dir: string;
let agent: ChildProcess;
let sock: string;

function keygen(path: string, type: string, pass = ''): void {
  const r = spawnSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'ecdsa' ? ['-b', '256'] : type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    pass,
    '-C',
    `ada-${type}`,
    '-f',
    path,
  ]);
  if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
}

function sshAdd(path: string): void {
  const r = spawnSync('ssh-add', [path], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
  if (r.status !== 0) throw new Error(`ssh-add: ${r.stderr}`);
}

describe.skipIf(skip)('signing with an SSH key', () => {
  beforeAll(async () => {
    agentProgram.require();
    keygenProgram.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-ssh-sign-'));
    sock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(() => {
    agent?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ed25519 and ecdsa P-256 keys held only by ssh-agent sign bundles that verify with the imported key', async () => {
    for (const type of ['ed25519', 'ecdsa']) {
      const key = join(dir, `id_${type}`);
      keygen(key, type);
      sshAdd(key);
      rmSync(key); // only the agent holds the private key now
      const imported = await runCli([
        'keygen',
        '--from-ssh',
        `${key}.pub`,
        '--out',
        join(dir, `keys-${type}`),
        '--json',
      ]);
      expect(imported.code, imported.stderr).toBe(0);
      const pub = JSON.parse(imported.stdout);
      expect(pub.sshFingerprint).toMatch(/^SHA256:/);
      const pkg = npmPack(dir, { name: `ssh-signed-${type}`, version: '1.0.0' });
      const signed = await runCli(['sign', pkg.path, '--ssh-key', key, '--json'], {
        SSH_AUTH_SOCK: sock,
      });
      expect(signed.code, signed.stderr).toBe(0);
      expect(JSON.parse(signed.stdout).keyId).toBe(pub.keyId);
      const ok = await runCli(['verify', pkg.path, '-k', pub.publicKey]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    }
  });

  it('without the agent: an unencrypted key file signs; a passphrase-protected one says to ssh-add it; RSA is refused', async () => {
    const plain = join(dir, 'plain');
    keygen(plain, 'ed25519');
    const pkg = npmPack(dir, { name: 'ssh-file-signed', version: '1.0.0' });
    const r = await runCli(['sign', pkg.path, '--ssh-key', plain], { SSH_AUTH_SOCK: undefined });
    expect(r.code, r.stderr).toBe(0);
    const locked = join(dir, 'locked');
    keygen(locked, 'ed25519', 'hunter22');
    const l = await runCli(['sign', pkg.path, '--ssh-key', locked], { SSH_AUTH_SOCK: undefined });
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/ssh-add/);
    const rsa = join(dir, 'rsa');
    keygen(rsa, 'rsa');
    const x = await runCli(['keygen', '--from-ssh', `${rsa}.pub`, '--out', join(dir, 'rsa-keys')]);
    expect(x.code).toBe(2);
    expect(x.stderr).toMatch(/Ed25519 or ECDSA P-256/);
  });

  it('publishes through the registry with the agent-held key: the first publish establishes it in the ledger', async () => {
    const registry: Registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      origin: 'ssh.test/log',
      openWrites: true,
      batchIntervalMs: 2,
    });
    try {
      const url = await registry.listen();
      const key = join(dir, 'id_pub');
      keygen(key, 'ed25519');
      sshAdd(key);
      rmSync(key);
      const pkg = npmPack(dir, { name: 'ssh-published', version: '1.0.0' });
      const env = { SSH_AUTH_SOCK: sock, SIGIL_CONFIG_DIR: join(dir, 'config') };
      const pub = await runCli(['publish', pkg.path, '--server', url, '--ssh-key', key], env);
      expect(pub.code, pub.stdout + pub.stderr).toBe(0);
      expect(pub.stdout).toMatch(/first publish/);
      const imported = JSON.parse(
        (await runCli(['keygen', '--from-ssh', `${key}.pub`, '--out', join(dir, 'k2'), '--json']))
          .stdout,
      );
      const ledger = await new RegistryClient(url).ledger('pkg:npm/ssh-published');
      expect(ledger.keys.map((k) => k.keyId)).toEqual([imported.keyId]);
      expect(readFileSync(`${pkg.path}.sigstore.json`, 'utf8')).toContain(imported.keyId);
    } finally {
      await registry.close();
    }
  });

  it("forge binding: signed with an agent-held key the forge lists; checked offline against the verifier's own copy of the listing", async () => {
    const key = join(dir, 'id_forge');
    keygen(key, 'ed25519');
    const other = join(dir, 'id_forge_other');
    keygen(other, 'ecdsa');
    sshAdd(key);
    rmSync(key);
    const listing = join(dir, 'ada.keys');
    writeFileSync(
      listing,
      `${readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    const out = join(dir, 'binding.json');
    const made = await runCli(
      [
        'forge',
        'bind',
        '--namespace',
        'pkg:npm/left-pad',
        '--forge',
        'github.com',
        '--account',
        'ada',
        '--forge-keys',
        listing,
        '--ssh-key',
        key,
        '-o',
        out,
      ],
      { SSH_AUTH_SOCK: sock },
    );
    expect(made.code, made.stderr).toBe(0);

    const ok = await runCli([
      'verify',
      out,
      '--forge-keys',
      listing,
      '--namespace',
      'pkg:npm/left-pad',
      '--json',
    ]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const unchecked = await runCli(['verify', out, '--scheme', 'forge-binding', '--json']);
    expect(unchecked.code).toBe(0);
    expect(
      JSON.parse(unchecked.stdout).checks.find((c: { name: string }) => c.name === 'forge'),
    ).toMatchObject({ status: 'warn', code: 'FORGE_LISTING_NOT_CHECKED' });

    const wrongNs = await runCli([
      'verify',
      out,
      '--forge-keys',
      listing,
      '--namespace',
      'pkg:npm/other',
      '--json',
    ]);
    expect(wrongNs.code).toBe(1);
    // the account removed the key from the forge: the binding no longer holds
    const removed = join(dir, 'ada-now.keys');
    writeFileSync(removed, readFileSync(`${other}.pub`, 'utf8'));
    const gone = await runCli(['verify', out, '--forge-keys', removed, '--json']);
    expect(gone.code).toBe(1);
    expect(
      JSON.parse(gone.stdout).checks.find((c: { name: string }) => c.name === 'forge').code,
    ).toBe('FORGE_KEY_REMOVED');
    // a statement edited after signing (another namespace) fails its signature
    const forged = JSON.parse(readFileSync(out, 'utf8'));
    forged.statement = forged.statement.replace('pkg:npm/left-pad', 'pkg:npm/%40acme/*');
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(forged));
    const f = await runCli(['verify', join(dir, 'forged.json'), '--forge-keys', listing, '--json']);
    expect(f.code).toBe(1);
    expect(
      JSON.parse(f.stdout).checks.find((c: { name: string }) => c.name === 'signature').code,
    ).toBe('SIGNATURE_INVALID');
  });
});
