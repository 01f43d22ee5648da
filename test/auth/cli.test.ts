// sigil account … end to end on a temporary data folder, in process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqliteAuthState } from '../../src/store/registry/sqlite-auth-state.js';
import { SqliteGrantState } from '../../src/store/registry/sqlite-grant-state.js';
import { AuthService } from '../../src/registry/auth/service.js';
import { base32Decode, hotp, totpStep } from '../../src/registry/auth/totp.js';
import { parseExpiry } from '../../src/cli/commands/account.js';
import { runCli } from '../helpers/cli.js';

let data: string;
const sigil = (...args: string[]) => runCli([...args, '--data', data]);

beforeEach(() => {
  data = join(mkdtempSync(join(tmpdir(), 'sigil-account-cli-')), 'data');
});

function expectDiagnosticsOnly(stderr: string): void {
  for (const line of stderr.trim().split('\n').filter(Boolean))
    expect(line).toMatch(/^sigil: (error|hint|warning): /);
}

describe('sigil account', () => {
  it('create, token create (shown once, with a warning), list, revoke — and the token then fails', async () => {
    const c = await sigil('account', 'create', 'alice', '--namespace', 'pkg:npm/@acme/*');
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('may publish and manage keys for pkg:npm/%40acme/*');
    const t = await sigil(
      'account',
      'token',
      'create',
      'alice',
      '--namespace',
      'pkg:npm/@acme/widget',
      '--action',
      'publish,keys',
      '--expires',
      '30d',
      '--json',
    );
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/sigil: warning: this is the only time the token is shown/);
    expectDiagnosticsOnly(t.stderr);
    const created = JSON.parse(t.stdout) as {
      token: string;
      id: string;
      actions: string[];
      namespaces: string[];
    };
    expect(created.token).toMatch(/^sgl_/);
    expect(created).toMatchObject({
      actions: ['publish', 'keys'],
      namespaces: ['pkg:npm/%40acme/widget'],
    });

    const list = await sigil('account', 'token', 'list', 'alice');
    expect(list.stdout).toContain(created.id);
    expect(list.stdout).not.toContain(created.token);

    const store = new SqliteAuthState(join(data, 'registry.sqlite'));
    const auth = new AuthService(store, new SqliteGrantState(store.accounts.db));
    expect((await auth.authenticate(`Bearer ${created.token}`)).ok).toBe(true);
    expect((await sigil('account', 'token', 'revoke', created.id)).stdout).toContain(
      `revoked token ${created.id}`,
    );
    expect(await auth.authenticate(`Bearer ${created.token}`)).toMatchObject({
      ok: false,
      code: 'TOKEN_INVALID',
    });
    await store.close();
  });

  it('2fa enable prints the otpauth URI; confirm prints recovery codes once; disable needs a code', async () => {
    await sigil('account', 'create', 'alice');
    const e = await sigil('account', '2fa', 'enable', 'alice');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/scan this URI as a QR code .* or paste it/);
    const uri =
      /otpauth:\/\/totp\/Sigil:alice\?issuer=Sigil&secret=([A-Z2-7]+)&algorithm=SHA1&digits=6&period=30/.exec(
        e.stdout,
      );
    expect(uri).not.toBeNull();
    const secret = base32Decode(uri![1]!)!;
    const code = () => hotp(secret, totpStep(Date.now()));

    const bad = await sigil(
      'account',
      '2fa',
      'confirm',
      'alice',
      code() === '000000' ? '111111' : '000000',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^sigil: error: the one-time password is wrong, expired or already used\nsigil: hint: /,
    );

    const ok = await sigil('account', '2fa', 'confirm', 'alice', code(), '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).recoveryCodes).toHaveLength(10);
    expect(ok.stderr).toContain('recovery codes are shown only now');

    const noCode = await sigil('account', '2fa', 'disable', 'alice', 'nonsense');
    expect(noCode.code).toBe(2);
    const recovery = JSON.parse(ok.stdout).recoveryCodes[0] as string;
    const off = await sigil('account', '2fa', 'disable', 'alice', recovery);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('two-factor authentication is off for alice');
  });

  it('clear errors for unknown accounts, bad namespaces and bad expiries, no stack traces', async () => {
    for (const args of [
      ['account', 'token', 'create', 'nobody'],
      ['account', 'create', 'alice', '--namespace', 'left-pad'],
      ['account', 'token', 'revoke', 'nope'],
    ]) {
      const r = await sigil(...args);
      expect(r.code).toBe(2);
      expectDiagnosticsOnly(r.stderr);
    }
    await sigil('account', 'create', 'bob');
    const r = await sigil('account', 'token', 'create', 'bob', '--expires', 'tomorrow');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--expires must be like 90d');
  });

  it('parseExpiry', () => {
    expect(parseExpiry('90d', 0).getTime()).toBe(90 * 86_400_000);
    expect(parseExpiry('12h', 0).getTime()).toBe(12 * 3_600_000);
    expect(parseExpiry('2030-01-01T00:00:00Z').toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});
