// The registry's key ledger: first publish establishes the key visibly, later
// changes must be signed by an authorised key, and a restart replays the same state.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { LedgerAuthority } from '../../src/registry/ledger-authority.js';
import { publishRelease, type RegistryContext } from '../../src/registry/publish.js';
import { KeyEventStore } from '../../src/store/registry/key-events.js';
import { ReleaseStore } from '../../src/store/registry/releases.js';
import { MemoryLog } from '../helpers/memory-log.js';
import { buildTgz } from '../helpers/tar-builder.js';
import { embeddedRegistryStorage } from '../../src/store/registry/registry-storage.js';

const tgz = (name: string, version: string) =>
  buildTgz([{ name: 'package/package.json', content: JSON.stringify({ name, version }) }]);
const bundleFor = (bytes: Buffer, purl: string, key: PrivateKey) =>
  JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key })));

async function setup(pushback?: () => number | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-ledger-reg-'));
  const store = new ReleaseStore(dir);
  const log = new MemoryLog(pushback ? { pushback } : {});
  const registryKey = generateKey('ecdsa-p256');
  const events = new KeyEventStore(store.db);
  const authority = await LedgerAuthority.open(log, events, [registryKey.publicKey]);
  const ctx: RegistryContext = {
    store,
    storage: embeddedRegistryStorage(store, dir),
    log,
    registryKey,
    baseUrl: 'http://r.test',
    authority,
    requireAuthorSignature: false,
    now: () => new Date(),
  };
  return { ctx, authority, events, log, registryKey };
}

describe('key events of a publish: all or nothing (issue 11, item 2)', () => {
  it('a busy log at the key event leaves nothing: no event stored or applied, no reservation; the retry succeeds', async () => {
    let busy = true;
    const { ctx, authority, events } = await setup(() => (busy ? 1 : undefined));
    const alice = generateKey();
    const bytes = tgz('aon', '1.0.0');
    const req = {
      filename: 'a.tgz',
      artifact: bytes,
      bundle: bundleFor(bytes, 'pkg:npm/aon@1.0.0', alice),
      keyEvents: [
        buildKeyEvent(
          { namespace: 'pkg:npm/aon', previous: null, action: 'add', keys: [alice.publicKey] },
          [alice],
        ).envelope,
      ],
    };
    await expect(publishRelease(ctx, req)).rejects.toMatchObject({ status: 503, code: 'LOG_BUSY' });
    expect(events.pending()).toEqual([]);
    expect(events.logged()).toEqual([]);
    expect(authority.history('pkg:npm/aon')).toEqual([]);
    expect(ctx.store.pending()).toEqual([]);
    busy = false;
    expect((await publishRelease(ctx, req)).status).toBe(201);
  });

  it('once the key event is logged, a busy log is waited out: the release lands after its key event', async () => {
    let appends = 0;
    // The key event goes through; the release's first two attempts are pushed back.
    const { ctx, events } = await setup(() => (++appends >= 2 && appends <= 5 ? 1 : undefined));
    const alice = generateKey();
    const bytes = tgz('aon2', '1.0.0');
    const out = await publishRelease(ctx, {
      filename: 'a.tgz',
      artifact: bytes,
      bundle: bundleFor(bytes, 'pkg:npm/aon2@1.0.0', alice),
      keyEvents: [
        buildKeyEvent(
          { namespace: 'pkg:npm/aon2', previous: null, action: 'add', keys: [alice.publicKey] },
          [alice],
        ).envelope,
      ],
    });
    expect(out.status).toBe(201);
    const [event] = events.logged();
    expect(event!.logIndex).toBeLessThan(out.record.log.author!.logIndex);
    expect(events.pending()).toEqual([]);
  });
});

describe('registry key ledger', () => {
  it('first publish establishes the author key through a logged self-signed add', async () => {
    const { ctx, authority } = await setup();
    const alice = generateKey();
    const bytes = tgz('widget', '1.0.0');
    const add = buildKeyEvent(
      { namespace: 'pkg:npm/widget', previous: null, action: 'add', keys: [alice.publicKey] },
      [alice],
    ).envelope;
    const out = await publishRelease(ctx, {
      filename: 'w.tgz',
      artifact: bytes,
      bundle: bundleFor(bytes, 'pkg:npm/widget@1.0.0', alice),
      keyEvents: [add],
    });
    expect(out.status).toBe(201);
    expect(out.record.ledger).toEqual({ namespace: 'pkg:npm/widget', resetInHistory: false });
    const h = authority.history('pkg:npm/widget');
    expect(h.map((e) => [e.status, e.action, e.firstUse])).toEqual([['applied', 'add', true]]);
  });

  it('without the add event, a signed first publish is refused with a hint', async () => {
    const { ctx } = await setup();
    const k = generateKey();
    const bytes = tgz('widget', '1.0.0');
    await expect(
      publishRelease(ctx, {
        filename: 'w.tgz',
        artifact: bytes,
        bundle: bundleFor(bytes, 'pkg:npm/widget@1.0.0', k),
      }),
    ).rejects.toMatchObject({ status: 403, code: 'NAMESPACE_HAS_NO_KEYS' });
  });

  it('a key event signed by an unauthorised key is refused; a rotation by the owner is accepted and takes effect', async () => {
    const { ctx, authority } = await setup();
    const alice = generateKey();
    const mallory = generateKey();
    const bob = generateKey();
    const add = buildKeyEvent(
      { namespace: 'pkg:npm/widget', previous: null, action: 'add', keys: [alice.publicKey] },
      [alice],
    );
    await authority.submitKeyEvent(add.envelope);
    const hostile = buildKeyEvent(
      {
        namespace: 'pkg:npm/widget',
        previous: add.digest,
        action: 'add',
        keys: [mallory.publicKey],
      },
      [mallory],
    );
    await expect(authority.submitKeyEvent(hostile.envelope)).rejects.toMatchObject({ status: 403 });
    // replaying alice's own first event again is refused too
    await expect(authority.submitKeyEvent(add.envelope)).rejects.toMatchObject({ status: 403 });
    const rotate = buildKeyEvent(
      {
        namespace: 'pkg:npm/widget',
        previous: add.digest,
        action: 'rotate',
        from: alice.publicKey.keyId,
        to: bob.publicKey,
      },
      [alice],
    );
    await authority.submitKeyEvent(rotate.envelope);
    const v2 = tgz('widget', '2.0.0');
    await expect(
      publishRelease(ctx, {
        filename: 'w.tgz',
        artifact: v2,
        bundle: bundleFor(v2, 'pkg:npm/widget@2.0.0', alice),
      }),
    ).rejects.toMatchObject({ code: 'AUTHOR_KEY_UNTRUSTED' });
    expect(
      (
        await publishRelease(ctx, {
          filename: 'w.tgz',
          artifact: v2,
          bundle: bundleFor(v2, 'pkg:npm/widget@2.0.0', bob),
        })
      ).status,
    ).toBe(201);
  });

  it('a signed checkpoint that trails the sequenced entries (replicas: another process integrates) does not misplace the next event', async () => {
    const { authority, log } = await setup();
    const stale = await log.latestCheckpoint(); // size 0, and it stays the answer below
    log.latestCheckpoint = async () => stale;
    const alice = generateKey();
    const bob = generateKey();
    const add = buildKeyEvent(
      { namespace: 'pkg:npm/lag', previous: null, action: 'add', keys: [alice.publicKey] },
      [alice],
    );
    expect((await authority.submitKeyEvent(add.envelope)).logIndex).toBe(0);
    const rotate = buildKeyEvent(
      {
        namespace: 'pkg:npm/lag',
        previous: add.digest,
        action: 'rotate',
        from: alice.publicKey.keyId,
        to: bob.publicKey,
      },
      [alice],
    );
    expect((await authority.submitKeyEvent(rotate.envelope)).logIndex).toBe(1);
    expect((await authority.keysFor('pkg:npm/lag')).keys.map((k) => k.keyId)).toEqual([
      bob.publicKey.keyId,
    ]);
  });

  it('a revoked key can no longer publish', async () => {
    const { ctx, authority } = await setup();
    const alice = generateKey();
    const bob = generateKey();
    const add = buildKeyEvent(
      {
        namespace: 'pkg:npm/widget',
        previous: null,
        action: 'add',
        keys: [alice.publicKey, bob.publicKey],
      },
      [alice, bob],
    );
    await authority.submitKeyEvent(add.envelope);
    const revoke = buildKeyEvent(
      {
        namespace: 'pkg:npm/widget',
        previous: add.digest,
        action: 'revoke',
        keyId: bob.publicKey.keyId,
      },
      [alice],
    );
    await authority.submitKeyEvent(revoke.envelope);
    const bytes = tgz('widget', '3.0.0');
    await expect(
      publishRelease(ctx, {
        filename: 'w.tgz',
        artifact: bytes,
        bundle: bundleFor(bytes, 'pkg:npm/widget@3.0.0', bob),
      }),
    ).rejects.toMatchObject({ code: 'AUTHOR_KEY_UNTRUSTED' });
  });

  it('a restart replays the same ledger from the database', async () => {
    const { authority, events, log, registryKey } = await setup();
    const alice = generateKey();
    await authority.submitKeyEvent(
      buildKeyEvent(
        { namespace: 'pkg:npm/widget', previous: null, action: 'add', keys: [alice.publicKey] },
        [alice],
      ).envelope,
    );
    const reopened = await LedgerAuthority.open(log, events, [registryKey.publicKey]);
    expect((await reopened.keysFor('pkg:npm/widget')).keys.map((k) => k.keyId)).toEqual([
      alice.publicKey.keyId,
    ]);
  });
});
