import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  armorSig,
  bytes,
  makeKey,
  publicArmored,
  publicBytes,
  rawSign,
  type Priv,
} from '../../../test/foreign/openpgp/helpers.js';
import { verifyCleartext, verifyDetached } from './index.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const DATA = bytes('release tarball bytes\n');
let alice: Priv;
let bob: Priv;
let sub: Priv;

beforeAll(async () => {
  alice = await makeKey({ name: 'Alice' });
  bob = await makeKey({ name: 'Bob' });
  sub = await makeKey({ name: 'Sub', signingSubkey: true });
});

describe('verifyDetached', () => {
  it('good: binary signature, binary keyring', async () => {
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'));
    const r = await verifyDetached(DATA, sig, publicBytes(alice), { now: NOW });
    expect([r.openpgpVerdict, r.reason, r.ok]).toEqual(['good', 'good', true]);
    expect(r.signer?.fingerprint).toBe(alice.getFingerprint().toUpperCase());
    expect(r.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'armor',
        'key',
        'signature-packet',
        'self-signature-policy',
        'key-valid-at-signing-time',
        'signature-hash-algorithm',
        'signature-math',
      ]),
    );
  });

  it('good: armored signature made by openpgp.sign, armored keyring with several keys', async () => {
    const sig = await openpgp.sign({
      message: await openpgp.createMessage({ binary: DATA }),
      signingKeys: alice,
      detached: true,
      date: new Date('2025-01-01Z'),
    });
    const r = await verifyDetached(DATA, bytes(sig), publicArmored(bob, alice), { now: NOW });
    expect(r.openpgpVerdict).toBe('good');
  });

  it('good: signing subkey with back-signature; names the subkey and its primary', async () => {
    const sig = await rawSign(sub, DATA, new Date('2025-01-01Z'), { subkey: true });
    const r = await verifyDetached(DATA, sig, publicBytes(sub), { now: NOW });
    expect(r.openpgpVerdict).toBe('good');
    expect(r.signer?.primaryFingerprint).toBe(sub.getFingerprint().toUpperCase());
    expect(r.signer?.fingerprint).not.toBe(r.signer?.primaryFingerprint);
  });

  it('bad: tampered data', async () => {
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'));
    const r = await verifyDetached(bytes('release tarball bytes!\n'), sig, publicBytes(alice), {
      now: NOW,
    });
    expect([r.openpgpVerdict, r.reason, r.ok]).toEqual(['bad', 'bad-signature', false]);
  });

  it('nokey: wrong keyring, empty keyring — never good or bad', async () => {
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'));
    for (const ring of [publicBytes(bob), new Uint8Array(0)]) {
      const r = await verifyDetached(DATA, sig, ring, { now: NOW });
      expect([r.openpgpVerdict, r.reason, r.ok]).toEqual(['nokey', 'nokey', false]);
    }
  });

  it('several signatures in one file: one good by a known key suffices, and says which', async () => {
    const other = await makeKey({ name: 'Unknown' });
    const s1 = await rawSign(other, DATA, new Date('2025-01-01Z'));
    const s2 = await rawSign(alice, DATA, new Date('2025-01-02Z'));
    const r = await verifyDetached(
      DATA,
      armorSig(new Uint8Array([...s1, ...s2])),
      publicBytes(alice),
      { now: NOW },
    );
    expect(r.openpgpVerdict).toBe('good');
    expect(r.signatures.map((s) => s.verdict)).toEqual(['nokey', 'good']);
    expect(r.checks.find((c) => c.name === 'signatures')?.reason).toContain('#2 is good');
  });

  it('several signatures, one bad and one unknown: bad, not nokey', async () => {
    const other = await makeKey({ name: 'Unknown' });
    const s1 = await rawSign(other, DATA, new Date('2025-01-01Z'));
    const s2 = await rawSign(alice, bytes('other'), new Date('2025-01-02Z'));
    const r = await verifyDetached(DATA, new Uint8Array([...s1, ...s2]), publicBytes(alice), {
      now: NOW,
    });
    expect([r.openpgpVerdict, r.reason]).toEqual(['bad', 'bad-signature']);
  });

  it('key expired since signing: good-key-expired-since', async () => {
    const k = await makeKey({ date: new Date('2024-01-01Z'), expiry: 86400 * 30 });
    const sig = await rawSign(k, DATA, new Date('2024-01-10Z'));
    const r = await verifyDetached(DATA, sig, publicBytes(k), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['good', 'good-key-expired-since']);
  });

  it('key expired at signing time: bad (standard), good (legacy, as gpgv)', async () => {
    const k = await makeKey({ date: new Date('2024-01-01Z'), expiry: 86400 * 30 });
    const sig = await rawSign(k, DATA, new Date('2024-03-01Z'));
    const r = await verifyDetached(DATA, sig, publicBytes(k), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['bad', 'key-expired-at-signing-time']);
    const l = await verifyDetached(DATA, sig, publicBytes(k), { now: NOW, policy: 'legacy' });
    expect(l.openpgpVerdict).toBe('good');
    expect(l.checks.some((c) => c.status === 'warn' && c.reason.includes('expired'))).toBe(true);
  });

  it('key created after the signature: bad', async () => {
    const sig = await rawSign(alice, DATA, new Date('2023-01-01Z'));
    const r = await verifyDetached(DATA, sig, publicBytes(alice), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['bad', 'key-created-after-signature']);
  });

  it('revoked key (hard, no reason): bad; retired after signing (soft): good-key-revoked-since', async () => {
    const k = await makeKey({ date: new Date('2024-01-01Z') });
    const sig = await rawSign(k, DATA, new Date('2024-02-01Z'));
    const hard = await openpgp.revokeKey({
      key: k,
      date: new Date('2024-06-01Z'),
      format: 'object',
    });
    const r = await verifyDetached(DATA, sig, new Uint8Array(hard.publicKey.write()), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['bad', 'key-revoked']);
    const soft = await openpgp.revokeKey({
      key: k,
      date: new Date('2024-06-01Z'),
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyRetired },
      format: 'object',
    });
    const s = await verifyDetached(DATA, sig, new Uint8Array(soft.publicKey.write()), { now: NOW });
    expect([s.openpgpVerdict, s.reason]).toEqual(['good', 'good-key-revoked-since']);
  });

  it('SHA-1 data signature: bad sha1-signature (standard), good (legacy)', async () => {
    const k = await makeKey({ rsa: true });
    const sig = await rawSign(k, DATA, new Date('2025-01-01Z'), { hash: openpgp.enums.hash.sha1 });
    expect((await verifyDetached(DATA, sig, publicBytes(k), { now: NOW })).reason).toBe(
      'sha1-signature',
    );
    expect(
      (await verifyDetached(DATA, sig, publicBytes(k), { now: NOW, policy: 'legacy' }))
        .openpgpVerdict,
    ).toBe('good');
  });

  it('SHA-1 data signature judged before the 2013 cutoff is acceptable (cutoffs are dated)', async () => {
    const k = await makeKey({ rsa: true, date: new Date('2010-01-01Z') });
    const sig = await rawSign(k, DATA, new Date('2011-01-01Z'), { hash: openpgp.enums.hash.sha1 });
    expect(
      (await verifyDetached(DATA, sig, publicBytes(k), { now: new Date('2012-06-01Z') }))
        .openpgpVerdict,
    ).toBe('good');
  });

  it('expired signature and signature from the future: bad', async () => {
    const expired = await rawSign(alice, DATA, new Date('2025-01-01Z'), { expiresIn: 3600 });
    expect((await verifyDetached(DATA, expired, publicBytes(alice), { now: NOW })).reason).toBe(
      'signature-expired',
    );
    const future = await rawSign(alice, DATA, new Date('2027-01-01Z'));
    expect((await verifyDetached(DATA, future, publicBytes(alice), { now: NOW })).reason).toBe(
      'signature-from-future',
    );
  });

  it('text-mode detached signature verifies over CRLF-canonical text', async () => {
    const sig = await rawSign(alice, bytes('a\r\nb\r\n'), new Date('2025-01-01Z'), { type: 1 });
    expect(
      (await verifyDetached(bytes('a\nb\n'), sig, publicBytes(alice), { now: NOW })).openpgpVerdict,
    ).toBe('good');
  });

  it('a standalone signature is not a signature over data', async () => {
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'), { type: 0x02 });
    expect((await verifyDetached(DATA, sig, publicBytes(alice), { now: NOW })).reason).toBe(
      'wrong-signature-type',
    );
  });
});

describe('bad input gives a clear verdict, never an exception', () => {
  const cases: Record<string, () => Promise<Uint8Array>> = {
    'garbage armor': async () =>
      bytes('-----BEGIN PGP SIGNATURE-----\n\n!!!not base64!!!\n-----END PGP SIGNATURE-----\n'),
    'truncated armor': async () => bytes('-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n'),
    'truncated binary signature': async () =>
      (await rawSign(alice, DATA, new Date('2025-01-01Z'))).subarray(0, 40),
    'random text': async () => bytes('hello world'),
    empty: async () => new Uint8Array(0),
    'a key given as the signature': async () => publicArmored(alice),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(`${name}: bad, malformed-signature`, async () => {
      const r = await verifyDetached(DATA, await make(), publicBytes(alice), { now: NOW });
      expect([r.openpgpVerdict, r.reason, r.ok]).toEqual(['bad', 'malformed-signature', false]);
      expect(r.checks.find((c) => c.status === 'fail')?.name).toBe('armor');
    });
  }

  it('a signature given as the keyring: nokey, keyring-unreadable', async () => {
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'));
    const r = await verifyDetached(DATA, sig, armorSig(sig), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['nokey', 'keyring-unreadable']);
  });

  it('garbage keyring: nokey, keyring-unreadable', async () => {
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'));
    const r = await verifyDetached(DATA, sig, bytes('not a key'), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['nokey', 'keyring-unreadable']);
  });

  it('a keyring of 2000 keys is read in bounded time', async () => {
    const one = publicBytes(bob);
    const many = new Uint8Array(Buffer.concat(Array.from({ length: 2000 }, () => one)));
    const sig = await rawSign(alice, DATA, new Date('2025-01-01Z'));
    const t0 = Date.now();
    const r = await verifyDetached(
      DATA,
      sig,
      new Uint8Array(Buffer.concat([many, publicBytes(alice)])),
      { now: NOW },
    );
    expect(r.openpgpVerdict).toBe('good');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describe('verifyCleartext', () => {
  it('good, returns the signed text; tampered text is bad', async () => {
    const msg = await openpgp.sign({
      message: await openpgp.createCleartextMessage({
        text: 'Origin: Test\n- dash line\nSHA256:\n abc 12 Packages\n',
      }),
      signingKeys: alice,
      date: new Date('2025-01-01Z'),
    });
    const r = await verifyCleartext(bytes(msg), publicBytes(alice), { now: NOW });
    expect(r.openpgpVerdict).toBe('good');
    expect(Buffer.from(r.text).toString()).toBe(
      'Origin: Test\n- dash line\nSHA256:\n abc 12 Packages\n',
    );
    const t = await verifyCleartext(bytes(msg.replace('abc 12', 'abd 12')), publicBytes(alice), {
      now: NOW,
    });
    expect([t.openpgpVerdict, t.reason]).toEqual(['bad', 'bad-signature']);
  });

  it('CRLF and trailing whitespace in the file do not change the verdict', async () => {
    const msg = await openpgp.sign({
      message: await openpgp.createCleartextMessage({ text: 'line one\nline two\n' }),
      signingKeys: alice,
      date: new Date('2025-01-01Z'),
    });
    const r = await verifyCleartext(bytes(msg.replace(/\n/g, ' \r\n')), publicBytes(alice), {
      now: NOW,
    });
    expect(r.openpgpVerdict).toBe('good');
  });

  it('not a clear-signed message: bad, malformed-signature', async () => {
    const r = await verifyCleartext(bytes('just text'), publicBytes(alice), { now: NOW });
    expect([r.openpgpVerdict, r.reason]).toEqual(['bad', 'malformed-signature']);
  });
});
