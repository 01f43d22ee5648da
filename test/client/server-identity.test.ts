// Server identity memory: first use pins, the same identity passes, every kind of change fails
// until accepted, and a damaged memory file is an error, never a silent first use.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkServerIdentity, serverIdentityPath } from '../../src/client/server-identity.js';
import type { ServerKeys } from '../../src/client/records/source.js';

const keys = (
  over: { origin?: string; vkey?: string; keyid?: string; ledger?: boolean } = {},
): ServerKeys => ({
  keys: [
    {
      keyid: over.keyid ?? 'a'.repeat(64),
      algorithm: 'ecdsa-p256',
      pem: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
      use: 'registry',
    },
  ],
  log: { origin: over.origin ?? 'a.test/log', vkey: over.vkey ?? 'a.test/log+01234567+AAAA' },
  ...(over.ledger === false ? {} : { ledger: { url: 'https://a.test/api/v1/ledger' } }),
});

describe('checkServerIdentity', () => {
  it('pins on first use, passes the same identity (URL spelled differently), fails each change until accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-identity-'));
    expect((await checkServerIdentity(dir, 'https://A.test/', keys())).code).toBe(
      'SERVER_IDENTITY_FIRST_USE',
    );
    expect((await checkServerIdentity(dir, 'https://a.test', keys())).code).toBe(
      'SERVER_IDENTITY_PINNED',
    );
    const changes: [string, ServerKeys, RegExp][] = [
      ['origin', keys({ origin: 'b.test/log' }), /log origin a\.test\/log → b\.test\/log/],
      ['log key', keys({ vkey: 'a.test/log+89abcdef+BBBB' }), /log key/],
      [
        'registry key',
        keys({ keyid: 'b'.repeat(64) }),
        /registry key\(s\) aaaaaaaaaaaaaaaa → bbbbbbbbbbbbbbbb/,
      ],
      ['ledger dropped', keys({ ledger: false }), /key ledger advertised → no key ledger/],
    ];
    for (const [what, k, reason] of changes) {
      const c = await checkServerIdentity(dir, 'https://a.test', k);
      expect(c.status, what).toBe('fail');
      expect(c.code, what).toBe('SERVER_IDENTITY_CHANGED');
      expect(c.reason, what).toMatch(reason);
    }
    expect(
      (
        await checkServerIdentity(dir, 'https://a.test', keys({ origin: 'b.test/log' }), {
          accept: true,
        })
      ).code,
    ).toBe('SERVER_IDENTITY_ACCEPTED');
    expect(
      (await checkServerIdentity(dir, 'https://a.test', keys({ origin: 'b.test/log' }))).code,
    ).toBe('SERVER_IDENTITY_PINNED');
    expect((await checkServerIdentity(dir, 'https://a.test', keys())).code).toBe(
      'SERVER_IDENTITY_CHANGED',
    );
  });

  it('a damaged memory file is an error naming the file, not a first use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-identity-'));
    await checkServerIdentity(dir, 'https://a.test', keys());
    writeFileSync(serverIdentityPath(dir, 'https://a.test'), '{"origin": 1}');
    await expect(checkServerIdentity(dir, 'https://a.test', keys())).rejects.toMatchObject({
      code: 'SERVER_IDENTITY_INVALID',
      message: expect.stringContaining('identity.json'),
    });
  });
});
