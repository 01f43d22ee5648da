// Issue 11, the registry half: the attacks on namespaces, performed over HTTP against a real
// `openRegistry` with accounts, and each shown refused with a clear error and no trace.
//   1. claiming a scope/prefix over packages held by another account or governed by another ledger;
//   2. key events smuggled inside a publish body, and key events left behind by a failed publish;
//   4. downgrade to unsigned after the last key of a namespace is revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import type { DsseEnvelope } from '../../src/core/dsse.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent, cosignKeyEvent, type KeyEventInput } from '../../src/ledger/event.js';
import { writeZip } from '../../src/ecosystems/golang/make-zip.js';
import type { Registry } from '../../src/registry/server.js';
import { expectRefused, startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { buildTgz } from '../helpers/tar-builder.js';

let t: TestRegistry;
let reg: Registry;
let admin: string;
let alice: string; // owns what she published first
let mallory: string; // owns nothing where she attacks
const call = (token: string, method: string, path: string, body?: unknown) =>
  t.call(token, method, path, body);

const enc = encodeURIComponent;
const npmTgz = (name: string, version: string) =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version }) },
    {
      name: 'package/index.js',
      content: `module.exports = ${JSON.stringify(`${name}@${version}`)};`,
    },
  ]);
const goZip = (module: string, version: string) =>
  writeZip([
    { name: `${module}@${version}/go.mod`, data: Buffer.from(`module ${module}\n\ngo 1.21\n`) },
    { name: `${module}@${version}/x.go`, data: Buffer.from('package x\n') },
  ]);
const bundleFor = (bytes: Buffer, purl: string, key: PrivateKey) =>
  JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key })));

const publish = (token: string, bytes: Buffer, opts: Parameters<TestRegistry['publish']>[2] = {}) =>
  t.publish(token, bytes, opts);
const keyEvent = (token: string, envelope: DsseEnvelope) => t.keyEvent(token, envelope);
const event = (input: KeyEventInput, signers: PrivateKey[]) =>
  buildKeyEvent(input, signers).envelope;
const add = (namespace: string, key: PrivateKey, previous: string | null = null) =>
  event({ namespace, previous, action: 'add', keys: [key.publicKey] }, [key]);

async function ledgerOf(namespace: string): Promise<{
  head: string | null;
  events: unknown[];
  ledger: string;
  resetInHistory: boolean;
  history: { reset: boolean; action: string }[];
}> {
  const r = await call(admin, 'GET', `/api/v1/ledger/${enc(namespace)}`);
  expect(r.status, r.text).toBe(200);
  return r.json as never;
}
async function logSize(): Promise<number> {
  const cp = await reg.log.latestCheckpoint();
  return Number(cp.split('\n')[1]);
}
async function expectAbsent(purl: string): Promise<void> {
  const r = await call(admin, 'GET', `/api/v1/releases/${enc(purl)}`);
  expect(r.status, `${purl} must not be visible`).toBe(404);
}
beforeAll(async () => {
  t = await startRegistry('nssec');
  reg = t.reg;
  admin = t.admin;
  alice = await t.tokenFor('alice');
  mallory = await t.tokenFor('mallory');
});

afterAll(async () => {
  await t?.close();
});

describe('item 1: a claim never covers a namespace another account holds or another ledger governs', () => {
  it('npm: a self-signed add for pkg:npm/%40acme/* by an account that owns nothing there is refused while @acme/widget belongs to alice', async () => {
    expect((await publish(alice, npmTgz('@acme/widget', '1.0.0'))).status).toBe(201); // alice: first publisher (unsigned)
    const k = generateKey();
    const before = await logSize();
    const attack = await keyEvent(mallory, add('pkg:npm/%40acme/*', k));
    expectRefused(attack, 403, 'NAMESPACE_FORBIDDEN', 'pkg:npm/%40acme/widget');
    expect(attack.json.error!.detail?.['covered']).toEqual(['pkg:npm/%40acme/widget']);
    expect(attack.text).not.toContain('alice'); // who owns it is not disclosed
    // The same add smuggled into a publish of a package of her own is refused too, and leaves nothing.
    const other = npmTgz('mallory-own', '1.0.0');
    expectRefused(
      await publish(mallory, other, { keyEvents: [add('pkg:npm/%40acme/*', k)] }),
      403,
      'NAMESPACE_FORBIDDEN',
      'pkg:npm/%40acme/widget',
    );
    await expectAbsent('pkg:npm/mallory-own@1.0.0');
    expect((await ledgerOf('pkg:npm/%40acme/*')).head).toBeNull();
    expect(await logSize()).toBe(before);
    // And the takeover it was for: a release of alice's package.
    const v = npmTgz('@acme/widget', '1.0.1');
    expectRefused(
      await publish(mallory, v, { bundle: bundleFor(v, 'pkg:npm/%40acme/widget@1.0.1', k) }),
      403,
      'NAMESPACE_FORBIDDEN',
    );
    expectRefused(await publish(mallory, v), 403, 'NAMESPACE_FORBIDDEN');
    await expectAbsent('pkg:npm/%40acme/widget@1.0.1');
    // Alice is not locked out.
    expect((await publish(alice, npmTgz('@acme/widget', '1.0.2'))).status).toBe(201);
  });

  it('a broad grant never overrides a narrow one: even with pkg:npm/%40acme/* granted by an admin, mallory cannot publish @acme/widget', async () => {
    await reg.auth.grant('mallory', 'pkg:npm/%40acme/*');
    const v = npmTgz('@acme/widget', '2.0.0');
    expectRefused(await publish(mallory, v), 403, 'NAMESPACE_FORBIDDEN');
    expectRefused(
      await keyEvent(mallory, add('pkg:npm/%40acme/*', generateKey())),
      403,
      'NAMESPACE_FORBIDDEN',
      'pkg:npm/%40acme/widget',
    );
    // Packages nobody holds inside her scope are hers; alice's stays alice's.
    expect((await publish(mallory, npmTgz('@acme/gadget', '1.0.0'))).status).toBe(201);
    expect((await publish(alice, npmTgz('@acme/widget', '2.0.0'))).status).toBe(201);
    expectRefused(
      await publish(alice, npmTgz('@acme/gadget', '1.0.1')),
      403,
      'NAMESPACE_FORBIDDEN',
    );
    await reg.auth.grants.deleteGrant('mallory', 'pkg:npm/%40acme/*');
  });

  it('Go: an add for pkg:golang/github.com/* is refused while an unsigned github.com module belongs to alice', async () => {
    const m = 'github.com/acme/widget';
    expect(
      (await publish(alice, goZip(m, 'v1.0.0'), { filename: 'v1.0.0.zip', type: 'golang' })).status,
    ).toBe(201);
    const k = generateKey();
    expectRefused(
      await keyEvent(mallory, add('pkg:golang/github.com/*', k)),
      403,
      'NAMESPACE_FORBIDDEN',
      'pkg:golang/github.com/acme/widget',
    );
    expectRefused(
      await keyEvent(mallory, add('pkg:golang/github.com/acme/*', k)),
      403,
      'NAMESPACE_FORBIDDEN',
      'pkg:golang/github.com/acme/widget',
    );
    expectRefused(
      await publish(mallory, goZip(m, 'v1.0.1'), { filename: 'v1.0.1.zip', type: 'golang' }),
      403,
      'NAMESPACE_FORBIDDEN',
    );
    await expectAbsent('pkg:golang/github.com/acme/widget@v1.0.1');
    expect((await ledgerOf('pkg:golang/github.com/*')).head).toBeNull();
  });

  it("ledgers: a scope add over a package with its own ledger needs that ledger's keys (KEY_EVENT_SCOPE_COVERS_LEDGER)", async () => {
    // The admin passes every account check, so only the ledger rule stands in the way here.
    const pkgKey = generateKey();
    const scopeKey = generateKey();
    expect((await keyEvent(admin, add('pkg:npm/%40gamma/lib', pkgKey))).status).toBe(201);
    const refused = await keyEvent(admin, add('pkg:npm/%40gamma/*', scopeKey));
    expectRefused(refused, 403, 'KEY_EVENT_SCOPE_COVERS_LEDGER', 'pkg:npm/%40gamma/lib');
    expect((await ledgerOf('pkg:npm/%40gamma/*')).head).toBeNull();
    // With the consent of the package's keys, the scope can be established.
    const consented = cosignKeyEvent(add('pkg:npm/%40gamma/*', scopeKey), pkgKey);
    const ok = await keyEvent(admin, consented);
    expect(ok.status, ok.text).toBe(201);
  });
});

describe('item 2: key events in a publish are authorised for their own namespace, and all or nothing', () => {
  it('a token scoped to pkg:npm/mallpkg cannot add a key to pkg:npm/victim inside a publish of mallpkg', async () => {
    const scoped = (
      await reg.auth.createToken('mallory', {
        actions: ['publish', 'keys'],
        namespaces: ['pkg:npm/mallpkg'],
      })
    ).token;
    const k = generateKey();
    // The same refusal as on /api/v1/key-events ...
    expectRefused(
      await keyEvent(scoped, add('pkg:npm/victim', k)),
      403,
      'TOKEN_SCOPE',
      'pkg:npm/victim',
    );
    // ... and inside a publish body.
    const before = await logSize();
    const bytes = npmTgz('mallpkg', '1.0.0');
    expectRefused(
      await publish(scoped, bytes, { keyEvents: [add('pkg:npm/victim', k)] }),
      403,
      'TOKEN_SCOPE',
      'pkg:npm/victim',
    );
    expect((await ledgerOf('pkg:npm/victim')).head).toBeNull();
    await expectAbsent('pkg:npm/mallpkg@1.0.0');
    expect(await logSize()).toBe(before);
    // Someone else's namespace (not the token, the grant): refused the same way.
    expect((await publish(alice, npmTgz('victim', '1.0.0'))).status).toBe(201);
    expectRefused(
      await publish(mallory, bytes, { keyEvents: [add('pkg:npm/victim', k)] }),
      403,
      'NAMESPACE_FORBIDDEN',
      'pkg:npm/victim',
    );
    expect((await ledgerOf('pkg:npm/victim')).head).toBeNull();
  });

  it('a publish refused after its key events were judged leaves no key event in the log', async () => {
    const k = generateKey();
    const other = generateKey();
    const bytes = npmTgz('all-or-nothing', '1.0.0');
    const purl = 'pkg:npm/all-or-nothing@1.0.0';
    const before = await logSize();
    // A valid first add, but the release is signed by a key the add does not authorise.
    expectRefused(
      await publish(alice, bytes, {
        bundle: bundleFor(bytes, purl, other),
        keyEvents: [add('pkg:npm/all-or-nothing', k)],
      }),
      403,
      'AUTHOR_KEY_UNTRUSTED',
    );
    // A valid first add, but a bundle for other bytes.
    expectRefused(
      await publish(alice, bytes, {
        bundle: bundleFor(npmTgz('all-or-nothing', '9.9.9'), purl, k),
        keyEvents: [add('pkg:npm/all-or-nothing', k)],
      }),
      400,
      'AUTHOR_DIGEST_MISMATCH',
    );
    // A valid first add followed by an invalid second event.
    const second = event(
      {
        namespace: 'pkg:npm/all-or-nothing',
        previous: 'ff'.repeat(32),
        action: 'threshold',
        threshold: 1,
      },
      [k],
    );
    expectRefused(
      await publish(alice, bytes, {
        bundle: bundleFor(bytes, purl, k),
        keyEvents: [add('pkg:npm/all-or-nothing', k), second],
      }),
      403,
      'KEY_EVENT_CHAIN_BROKEN',
      'keyEvents[1]',
    );
    const l = await ledgerOf('pkg:npm/all-or-nothing');
    expect(l.head).toBeNull();
    expect(l.events).toEqual([]);
    await expectAbsent(purl);
    expect(await logSize()).toBe(before);
    // The same upload done right: the add is logged before the release, both at once.
    const ok = await publish(alice, bytes, {
      bundle: bundleFor(bytes, purl, k),
      keyEvents: [add('pkg:npm/all-or-nothing', k)],
    });
    expect(ok.status, ok.text).toBe(201);
    const after = await ledgerOf('pkg:npm/all-or-nothing');
    expect(after.events).toHaveLength(1);
    const addIndex = (after.events[0] as { logIndex: number }).logIndex;
    expect(addIndex).toBeLessThan(
      (ok.json['log'] as { authorIndex?: number } | undefined)?.authorIndex ??
        (await reg.store.get(purl))!.authorIndex!,
    );
  });
});

describe('item 4: once a namespace has a ledger, unsigned uploads are refused forever; only a reset re-opens it', () => {
  it('revoking the last key does not re-open unsigned uploads; a registry reset (logged and reported) does re-open signed ones', async () => {
    const k = generateKey();
    const ns = 'pkg:npm/downgrade';
    const v1 = npmTgz('downgrade', '1.0.0');
    expect(
      (
        await publish(alice, v1, {
          bundle: bundleFor(v1, `${ns}@1.0.0`, k),
          keyEvents: [add(ns, k)],
        })
      ).status,
    ).toBe(201);
    const revoke = await keyEvent(
      alice,
      event(
        {
          namespace: ns,
          previous: (await ledgerOf(ns)).head,
          action: 'revoke',
          keyId: k.publicKey.keyId,
        },
        [k],
      ),
    );
    expect(revoke.status, revoke.text).toBe(201);
    // The downgrade: no key left, so no signature can be checked — and no unsigned upload either.
    const v2 = npmTgz('downgrade', '1.0.1');
    expectRefused(await publish(alice, v2), 403, 'AUTHOR_SIGNATURE_REQUIRED', 'no usable key left');
    expectRefused(await publish(admin, v2), 403, 'AUTHOR_SIGNATURE_REQUIRED');
    expectRefused(
      await publish(alice, v2, { bundle: bundleFor(v2, `${ns}@1.0.1`, k) }),
      403,
      'NAMESPACE_HAS_NO_KEYS',
      'no usable key left',
    );
    await expectAbsent(`${ns}@1.0.1`);
    // The only way out: a reset, signed by the registry key, logged, and flagged from then on.
    const k2 = generateKey();
    const reset = await keyEvent(
      admin,
      event(
        {
          namespace: ns,
          previous: (await ledgerOf(ns)).head,
          action: 'reset',
          keys: [k2.publicKey],
        },
        [reg.registryKey],
      ),
    );
    expect(reset.status, reset.text).toBe(201);
    const l = await ledgerOf(ns);
    expect(l.resetInHistory).toBe(true);
    expect(l.history.map((h) => [h.action, h.reset])).toEqual([
      ['add', false],
      ['revoke', false],
      ['reset', true],
    ]);
    expectRefused(await publish(alice, v2), 403, 'AUTHOR_SIGNATURE_REQUIRED'); // still never unsigned
    const signed = await publish(alice, v2, { bundle: bundleFor(v2, `${ns}@1.0.1`, k2) });
    expect(signed.status, signed.text).toBe(201);
    expect(signed.json['ledger']).toEqual({ namespace: ns, resetInHistory: true });
  });
});
