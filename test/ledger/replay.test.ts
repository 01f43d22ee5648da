// The key ledger's rules, one test each (docs/ledger.md).
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { buildKeyEvent, cosignKeyEvent, parseKeyEventEnvelope } from '../../src/ledger/event.js';
import { parseNamespace, scopeOf } from '../../src/ledger/namespace.js';
import { Ledger, replayLedger } from '../../src/ledger/replay.js';
import { seededKey, TestLog } from './chain.js';

const NS = 'pkg:npm/left-pad';
const A = seededKey(1);
const B = seededKey(2);
const C = seededKey(3);
const D = seededKey(4);
const REGISTRY = seededKey(99);
const MALLORY = seededKey(66);

function codes(ledger: Ledger, ns = NS): string[] {
  return ledger.history(ns).map((h) => h.code);
}

describe('namespaces', () => {
  it('package namespaces are canonical version-less purls; scopes end in /*', () => {
    expect(parseNamespace('pkg:npm/left-pad')).toMatchObject({
      ok: true,
      value: { kind: 'package', id: 'pkg:npm/left-pad' },
    });
    expect(parseNamespace('pkg:npm/%40scope/*')).toMatchObject({
      ok: true,
      value: { kind: 'scope', id: 'pkg:npm/%40scope/*' },
    });
    expect(parseNamespace('pkg:npm/left-pad@1.0.0').ok).toBe(false);
    expect(parseNamespace('pkg:npm/@Scope/x').ok).toBe(false); // not canonical
    expect(parseNamespace('pkg:npm/left-pad@1.0.0', { lenient: true })).toMatchObject({
      ok: true,
      value: { id: 'pkg:npm/left-pad' },
    });
    expect(parseNamespace('pkg:npm/*').ok).toBe(false); // a scope needs a purl namespace
    expect(parseNamespace(42).ok).toBe(false);
    const ns = parseNamespace('pkg:npm/%40scope/name');
    expect(ns.ok && scopeOf(ns.value)).toBe('pkg:npm/%40scope/*');
    const cpan = parseNamespace('pkg:cpan/AUTHOR/Module-Name');
    expect(cpan.ok && scopeOf(cpan.value)).toBe('pkg:cpan/AUTHOR/*');
  });
});

describe('first use (TOFU)', () => {
  it('a self-signed first add establishes the namespace, visibly', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A]);
    const l = replayLedger(log.entries);
    const h = l.history(NS)[0]!;
    expect(h).toMatchObject({
      status: 'applied',
      code: 'EVENT_APPLIED',
      firstUse: true,
      added: [A.publicKey.keyId],
    });
    expect(h.warnings.join()).toMatch(/first use/);
    const a = l.authorisedAt(NS, A.publicKey.keyId, 1);
    expect(a).toMatchObject({
      allowed: true,
      code: 'KEY_AUTHORISED',
      firstUse: true,
      reset: false,
      via: [0],
      ledger: NS,
    });
    expect(a.check).toMatchObject({ name: 'key-authorised', status: 'pass' });
    // the key is not authorised for entries at or before its own add
    expect(l.authorisedAt(NS, A.publicKey.keyId, 0)).toMatchObject({
      allowed: false,
      code: 'NAMESPACE_UNKNOWN',
    });
  });

  it('refuses a first add not signed by the key it adds', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [MALLORY], {
      advanceHead: false,
    });
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey, B.publicKey] }, [A], {
      advanceHead: false,
    });
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual(['TOFU_NOT_SELF_SIGNED', 'TOFU_NOT_SELF_SIGNED']);
    expect(l.authorisedAt(NS, A.publicKey.keyId, 10)).toMatchObject({
      allowed: false,
      code: 'NAMESPACE_UNKNOWN',
    });
  });

  it('refuses a first event that is not an add', () => {
    const log = new TestLog();
    log.event({ action: 'threshold', namespace: NS, threshold: 1 }, [A], { advanceHead: false });
    log.event({ action: 'reset', namespace: NS, keys: [A.publicKey] }, [REGISTRY], {
      advanceHead: false,
    });
    expect(codes(replayLedger(log.entries, { registryKeys: [REGISTRY.publicKey] }))).toEqual([
      'FIRST_EVENT_NOT_ADD',
      'FIRST_EVENT_NOT_ADD',
    ]);
  });
});

describe('later events', () => {
  function established(): TestLog {
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A]);
    return log;
  }

  it('an add signed by an authorised key applies; one signed by an unauthorised key is rejected', () => {
    const log = established();
    log.event({ action: 'add', namespace: NS, keys: [MALLORY.publicKey] }, [MALLORY], {
      advanceHead: false,
    });
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]);
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual(['EVENT_APPLIED', 'SIGNER_NOT_AUTHORISED', 'EVENT_APPLIED']);
    expect(l.authorisedAt(NS, MALLORY.publicKey.keyId, 10)).toMatchObject({
      allowed: false,
      code: 'KEY_UNKNOWN',
    });
    expect(l.authorisedAt(NS, B.publicKey.keyId, 3)).toMatchObject({
      allowed: true,
      firstUse: false,
      via: [2],
    });
    expect(l.authorisedAt(NS, B.publicKey.keyId, 2)).toMatchObject({
      allowed: false,
      code: 'KEY_NOT_YET_ADDED',
    });
  });

  it('a bad signature blob or a forged keyid hint does not count', () => {
    const log = established();
    const { envelope } = buildKeyEvent(
      { action: 'add', namespace: NS, previous: log.head(NS), keys: [B.publicKey] },
      [MALLORY],
    );
    const forged = {
      ...envelope,
      signatures: [{ keyid: A.publicKey.keyId, sig: envelope.signatures[0]!.sig }],
    };
    log.raw(forged);
    expect(codes(replayLedger(log.entries))).toEqual(['EVENT_APPLIED', 'SIGNER_NOT_AUTHORISED']);
  });

  it('k-of-n: below threshold is rejected, k distinct signatures apply, a key signing twice counts once', () => {
    const log = established();
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey, C.publicKey] }, [A]);
    log.event({ action: 'threshold', namespace: NS, threshold: 2 }, [A]);
    log.event({ action: 'add', namespace: NS, keys: [D.publicKey] }, [A], { advanceHead: false });
    // A signing twice is still one signer
    const twice = buildKeyEvent(
      { action: 'add', namespace: NS, previous: log.head(NS), keys: [D.publicKey] },
      [A],
    ).envelope;
    log.raw({
      ...twice,
      signatures: [twice.signatures[0]!, { ...twice.signatures[0]!, keyid: 'x' }],
    });
    log.event({ action: 'add', namespace: NS, keys: [D.publicKey] }, [A, C]);
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'THRESHOLD_NOT_MET',
      'THRESHOLD_NOT_MET',
      'EVENT_APPLIED',
    ]);
    expect(l.threshold(NS)).toBe(2);
    expect([...l.history(NS)[5]!.signers].sort()).toEqual(
      [A.publicKey.keyId, C.publicKey.keyId].sort(),
    );
  });

  it('cosignKeyEvent adds the second signature of a 2-of-n event', () => {
    const log = established();
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]);
    log.event({ action: 'threshold', namespace: NS, threshold: 2 }, [A]);
    const first = buildKeyEvent(
      { action: 'add', namespace: NS, previous: log.head(NS), keys: [C.publicKey] },
      [A],
    ).envelope;
    const both = cosignKeyEvent(cosignKeyEvent(first, B), B);
    expect(both.signatures).toHaveLength(2);
    log.raw(both);
    expect(codes(replayLedger(log.entries)).at(-1)).toBe('EVENT_APPLIED');
  });

  it('a threshold above the number of keys is refused', () => {
    const log = established();
    log.event({ action: 'threshold', namespace: NS, threshold: 2 }, [A], { advanceHead: false });
    expect(codes(replayLedger(log.entries))).toEqual(['EVENT_APPLIED', 'THRESHOLD_INVALID']);
  });

  it('a revoked key is not authorised after its revocation, and cannot sign key events', () => {
    const log = established();
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]); // 1
    log.skip(3); // releases at 2..4
    log.event({ action: 'revoke', namespace: NS, keyId: B.publicKey.keyId }, [A]); // 5
    log.event({ action: 'add', namespace: NS, keys: [C.publicKey] }, [B], { advanceHead: false }); // 6
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A], { advanceHead: false }); // 7
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'SIGNER_NOT_AUTHORISED',
      'KEY_PREVIOUSLY_REMOVED',
    ]);
    expect(l.history(NS)[3]!.reason).toMatch(/removed key/);
    const b = B.publicKey.keyId;
    expect(l.authorisedAt(NS, b, 4)).toMatchObject({ allowed: true });
    expect(l.authorisedAt(NS, b, 5)).toMatchObject({ allowed: true }); // at the revocation's own index: still valid
    expect(l.authorisedAt(NS, b, 6)).toMatchObject({
      allowed: false,
      code: 'KEY_REVOKED',
      via: [1, 5],
    });
  });

  it('a compromised key is invalid from its compromise index on; earlier signatures stay valid', () => {
    const log = established();
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]); // 1
    log.skip(5); // releases 2..6
    log.event({ action: 'add', namespace: NS, keys: [MALLORY.publicKey] }, [B]); // 7: the thief adds a key
    log.event({ action: 'revoke', namespace: NS, keyId: B.publicKey.keyId, compromisedSince: 4 }, [
      A,
    ]); // 8
    const l = replayLedger(log.entries);
    const b = B.publicKey.keyId;
    expect(l.authorisedAt(NS, b, 3)).toMatchObject({ allowed: true, code: 'KEY_AUTHORISED' });
    expect(l.authorisedAt(NS, b, 4)).toMatchObject({
      allowed: false,
      code: 'KEY_COMPROMISED',
      via: [1, 8],
    });
    expect(l.authorisedAt(NS, b, 9)).toMatchObject({ allowed: false, code: 'KEY_COMPROMISED' });
    // the events it signed after the compromise are named, so the holder can revoke what they added
    expect(l.history(NS)[3]!.warnings.join()).toMatch(
      /signed key events after its compromise \(log index 7\)/,
    );
  });

  it('a removed key can later be declared compromised (earlier only), and a compromise index after the event is refused', () => {
    const log = established();
    log.event({ action: 'rotate', namespace: NS, from: A.publicKey.keyId, to: B.publicKey }, [A]); // 1
    log.skip(4);
    log.event({ action: 'revoke', namespace: NS, keyId: A.publicKey.keyId }, [B], {
      advanceHead: false,
    }); // 6: already removed
    log.event(
      { action: 'revoke', namespace: NS, keyId: A.publicKey.keyId, compromisedSince: 99 },
      [B],
      { advanceHead: false },
    ); // 7
    log.event({ action: 'revoke', namespace: NS, keyId: A.publicKey.keyId, compromisedSince: 1 }, [
      B,
    ]); // 8
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'KEY_ALREADY_REVOKED',
      'COMPROMISE_INDEX_INVALID',
      'EVENT_APPLIED',
    ]);
    expect(l.authorisedAt(NS, A.publicKey.keyId, 1)).toMatchObject({
      allowed: false,
      code: 'KEY_COMPROMISED',
    });
  });

  it('rotate replaces key A by key B atomically', () => {
    const log = established();
    log.skip(); // 1: release by A
    log.event({ action: 'rotate', namespace: NS, from: A.publicKey.keyId, to: B.publicKey }, [A]); // 2
    log.event({ action: 'rotate', namespace: NS, from: A.publicKey.keyId, to: C.publicKey }, [B], {
      advanceHead: false,
    }); // 3: A is gone
    log.event({ action: 'rotate', namespace: NS, from: B.publicKey.keyId, to: A.publicKey }, [B], {
      advanceHead: false,
    }); // 4: A cannot return
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'KEY_NOT_FOUND',
      'KEY_PREVIOUSLY_REMOVED',
    ]);
    expect(l.history(NS)[1]).toMatchObject({
      added: [B.publicKey.keyId],
      removed: [A.publicKey.keyId],
    });
    expect(l.authorisedAt(NS, A.publicKey.keyId, 2)).toMatchObject({ allowed: true });
    expect(l.authorisedAt(NS, A.publicKey.keyId, 3)).toMatchObject({
      allowed: false,
      code: 'KEY_ROTATED_OUT',
    });
    expect(l.authorisedAt(NS, B.publicKey.keyId, 3)).toMatchObject({ allowed: true });
    expect(l.keys(NS).map((k) => [k.keyId, k.removal])).toEqual([
      [A.publicKey.keyId, 'rotate'],
      [B.publicKey.keyId, undefined],
    ]);
  });

  it('reset: only the registry key may sign it, it replaces the keys, and answers stay flagged', () => {
    const log = established();
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]); // 1
    log.event({ action: 'threshold', namespace: NS, threshold: 2 }, [A]); // 2
    log.event({ action: 'reset', namespace: NS, keys: [C.publicKey] }, [A, B], {
      advanceHead: false,
    }); // 3: owners cannot reset
    log.event({ action: 'reset', namespace: NS, keys: [C.publicKey], compromisedSince: 2 }, [
      REGISTRY,
    ]); // 4
    log.event({ action: 'add', namespace: NS, keys: [D.publicKey] }, [C]); // 5: threshold back to 1
    const l = replayLedger(log.entries, { registryKeys: [REGISTRY.publicKey] });
    expect(codes(l)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'RESET_NOT_REGISTRY_SIGNED',
      'EVENT_APPLIED',
      'EVENT_APPLIED',
    ]);
    const reset = l.history(NS)[4]!;
    expect(reset).toMatchObject({ reset: true, added: [C.publicKey.keyId] });
    expect(reset.checks.find((c) => c.name === 'signatures')).toMatchObject({
      status: 'warn',
      code: 'RESET_BY_REGISTRY',
    });
    const c = l.authorisedAt(NS, C.publicKey.keyId, 6);
    expect(c).toMatchObject({ allowed: true, reset: true });
    expect(c.via).toContain(4);
    expect(c.check.status).toBe('warn');
    expect(l.authorisedAt(NS, D.publicKey.keyId, 6)).toMatchObject({ allowed: true, reset: true });
    expect(l.authorisedAt(NS, A.publicKey.keyId, 1)).toMatchObject({ allowed: true, reset: false });
    expect(l.authorisedAt(NS, A.publicKey.keyId, 2)).toMatchObject({
      allowed: false,
      code: 'KEY_COMPROMISED',
    });
    expect(l.authorisedAt(NS, B.publicKey.keyId, 6)).toMatchObject({ allowed: false });
    // without the registry key as trust input, no reset applies
    expect(codes(replayLedger(log.entries))[4]).toBe('RESET_NOT_REGISTRY_SIGNED');
  });
});

describe('hash chain', () => {
  it('the same envelope twice is a replay', () => {
    const log = new TestLog();
    const first = log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A]);
    const rev = log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]);
    log.raw(rev.envelope);
    log.raw(first.envelope);
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'EVENT_REPLAYED',
      'EVENT_REPLAYED',
    ]);
  });

  it('an old event re-submitted later does not undo what followed it', () => {
    // A adds B, later B is revoked; an attacker re-logs a re-signed copy of "add B" with the old previous.
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A]);
    const head0 = log.head(NS);
    log.event({ action: 'add', namespace: NS, keys: [C.publicKey] }, [A]);
    log.event({ action: 'revoke', namespace: NS, keyId: C.publicKey.keyId }, [A]);
    log.event({ action: 'add', namespace: NS, keys: [C.publicKey], previous: head0 }, [A], {
      advanceHead: false,
    });
    const l = replayLedger(log.entries);
    expect(codes(l)).toEqual(['EVENT_APPLIED', 'EVENT_APPLIED', 'EVENT_APPLIED', 'EVENT_REPLAYED']);
  });

  it('a missing or reordered event breaks the chain', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A]);
    const e1 = log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]);
    const e2 = log.event({ action: 'add', namespace: NS, keys: [C.publicKey] }, [A]);
    // omit e1: e2 names e1 as previous
    const omitted = [log.entries[0]!, { logIndex: 2, envelope: e2.envelope }];
    expect(codes(replayLedger(omitted))).toEqual(['EVENT_APPLIED', 'CHAIN_BROKEN']);
    // swap e1 and e2
    const swapped = [
      log.entries[0]!,
      { logIndex: 1, envelope: e2.envelope },
      { logIndex: 2, envelope: e1.envelope },
    ];
    expect(codes(replayLedger(swapped))).toEqual([
      'EVENT_APPLIED',
      'CHAIN_BROKEN',
      'EVENT_APPLIED',
    ]);
    // a first event that claims a predecessor
    const orphan = buildKeyEvent(
      { action: 'add', namespace: NS, previous: 'a'.repeat(64), keys: [A.publicKey] },
      [A],
    ).envelope;
    expect(codes(replayLedger([{ logIndex: 0, envelope: orphan }]))).toEqual(['CHAIN_BROKEN']);
  });

  it('log indices must rise', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A], { at: 5 });
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A], {
      at: 5,
      advanceHead: false,
    });
    log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A], {
      at: 3,
      advanceHead: false,
    });
    log.raw({}, -1);
    const l = replayLedger(log.entries);
    expect(l.entries().map((e) => e.code)).toEqual([
      'EVENT_APPLIED',
      'LOG_INDEX_INVALID',
      'LOG_INDEX_INVALID',
      'LOG_INDEX_INVALID',
    ]);
  });
});

describe('scope and package precedence', () => {
  const SCOPE = 'pkg:npm/%40acme/*';
  const PKG = 'pkg:npm/%40acme/widget';

  it('a package without its own ledger uses its scope; once it has one, only its own', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: SCOPE, keys: [A.publicKey] }, [A]); // 0
    log.skip(); // 1: release of widget signed by A
    log.event({ action: 'add', namespace: PKG, keys: [B.publicKey] }, [B, A]); // 2: needs the scope's signature too
    const l = replayLedger(log.entries);
    expect(l.authorisedAt(PKG, A.publicKey.keyId, 1)).toMatchObject({
      allowed: true,
      ledger: SCOPE,
    });
    expect(l.authorisedAt(`${PKG}@1.0.0`, A.publicKey.keyId, 1)).toMatchObject({
      allowed: true,
      ledger: SCOPE,
    });
    expect(l.authorisedAt(PKG, A.publicKey.keyId, 3)).toMatchObject({
      allowed: false,
      code: 'KEY_UNKNOWN',
      ledger: PKG,
    });
    expect(l.authorisedAt(PKG, B.publicKey.keyId, 3)).toMatchObject({
      allowed: true,
      ledger: PKG,
      firstUse: true,
    });
    expect(l.authorisedAt('pkg:npm/%40acme/other', A.publicKey.keyId, 3)).toMatchObject({
      allowed: true,
      ledger: SCOPE,
    });
    expect(l.authorisedAt('pkg:npm/%40other/x', A.publicKey.keyId, 3)).toMatchObject({
      allowed: false,
      code: 'NAMESPACE_UNKNOWN',
    });
  });

  it('a package ledger inside a scope with a ledger needs the scope keys to start', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: SCOPE, keys: [A.publicKey] }, [A]);
    log.event({ action: 'add', namespace: PKG, keys: [MALLORY.publicKey] }, [MALLORY], {
      advanceHead: false,
    });
    expect(codes(replayLedger(log.entries), PKG)).toEqual(['SCOPE_SIGNATURE_REQUIRED']);
  });

  it('a scope claimed over packages with their own ledgers needs their consent (SCOPE_COVERS_LEDGER), at any depth', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: PKG, keys: [B.publicKey] }, [B]); // the package came first
    log.event({ action: 'add', namespace: SCOPE, keys: [MALLORY.publicKey] }, [MALLORY], {
      advanceHead: false,
    });
    log.event(
      { action: 'add', namespace: 'pkg:golang/github.com/acme/widget', keys: [C.publicKey] },
      [C],
    );
    log.event(
      { action: 'add', namespace: 'pkg:golang/github.com/*', keys: [MALLORY.publicKey] },
      [MALLORY],
      { advanceHead: false },
    );
    const l = replayLedger(log.entries);
    expect(codes(l, SCOPE)).toEqual(['SCOPE_COVERS_LEDGER']);
    expect(l.history(SCOPE)[0]!.reason).toContain(PKG);
    expect(codes(l, 'pkg:golang/github.com/*')).toEqual(['SCOPE_COVERS_LEDGER']);
    // The package's keys did not move: the scope cannot take it over.
    expect(l.ledgerFor(PKG, 10)).toBe(PKG);
    // With the package's signature the scope is established, signed by both.
    const ok = new TestLog();
    ok.event({ action: 'add', namespace: PKG, keys: [B.publicKey] }, [B]);
    ok.event({ action: 'add', namespace: SCOPE, keys: [A.publicKey] }, [A, B]);
    const l2 = replayLedger(ok.entries);
    expect(codes(l2, SCOPE)).toEqual(['EVENT_APPLIED']);
    expect(l2.history(SCOPE)[0]!.signers).toEqual(
      expect.arrayContaining([A.publicKey.keyId, B.publicKey.keyId]),
    );
  });

  it('fork: events tried on a fork leave the ledger untouched', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: NS, keys: [A.publicKey] }, [A]);
    const l = replayLedger(log.entries);
    const f = l.fork();
    const next = log.event({ action: 'add', namespace: NS, keys: [B.publicKey] }, [A]);
    expect(f.apply({ logIndex: next.logIndex, envelope: next.envelope }).status).toBe('applied');
    expect(f.keys(NS)).toHaveLength(2);
    expect(l.keys(NS)).toHaveLength(1);
    expect(l.history(NS)).toHaveLength(1);
    expect(l.apply({ logIndex: next.logIndex, envelope: next.envelope }).status).toBe('applied'); // still its next event
  });

  it('a package whose keys are all revoked does not fall back to the scope', () => {
    const log = new TestLog();
    log.event({ action: 'add', namespace: SCOPE, keys: [A.publicKey] }, [A]); // 0
    log.event({ action: 'add', namespace: PKG, keys: [B.publicKey] }, [B, A]); // 1
    log.event({ action: 'revoke', namespace: PKG, keyId: B.publicKey.keyId }, [B]); // 2
    const l = replayLedger(log.entries);
    expect(l.authorisedAt(PKG, A.publicKey.keyId, 5)).toMatchObject({
      allowed: false,
      ledger: PKG,
    });
    expect(l.history(PKG)[1]!.warnings.join()).toMatch(/only a registry reset/);
  });
});

describe('bad input is data, never an exception', () => {
  it('malformed envelopes are rejected entries with a reason', () => {
    const good = buildKeyEvent(
      { action: 'add', namespace: NS, previous: null, keys: [A.publicKey] },
      [A],
    ).envelope;
    const payload = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');
    const statement = JSON.parse(Buffer.from(good.payload, 'base64').toString());
    const bad: unknown[] = [
      'not json',
      new Uint8Array([0xff, 0x00]),
      null,
      42,
      [],
      { ...good, payloadType: 'text/plain' },
      { ...good, payload: '!!!' },
      { ...good, signatures: 'x' },
      { ...good, signatures: [{ sig: '%%' }] },
      { ...good, payload: payload({ ...statement, predicateType: 'x' }) },
      {
        ...good,
        payload: payload({ ...statement, predicate: { ...statement.predicate, action: 'delete' } }),
      },
      {
        ...good,
        payload: payload({ ...statement, predicate: { ...statement.predicate, extra: 1 } }),
      },
      {
        ...good,
        payload: payload({
          ...statement,
          predicate: { ...statement.predicate, namespace: 'pkg:npm/other' },
        }),
      },
      {
        ...good,
        payload: payload({
          ...statement,
          predicate: { ...statement.predicate, keys: [{ keyId: 'ab', publicKey: 'x' }] },
        }),
      },
      {
        ...good,
        payload: payload({
          ...statement,
          predicate: {
            ...statement.predicate,
            keys: [{ keyId: B.publicKey.keyId, publicKey: statement.predicate.keys[0].publicKey }],
          },
        }),
      },
      'x'.repeat(70_000),
    ];
    const l = replayLedger(bad.map((envelope, logIndex) => ({ logIndex, envelope })));
    const entries = l.entries();
    expect(entries).toHaveLength(bad.length);
    for (const e of entries) {
      expect(e.status).toBe('rejected');
      expect(['ENVELOPE_INVALID', 'EVENT_INVALID']).toContain(e.code);
      expect(e.reason.length).toBeGreaterThan(5);
    }
    expect(entries[13]!.reason).toMatch(/keys\[0\]/);
    expect(entries[14]!.reason).toMatch(/keyId does not match/);
    expect(l.history(NS).length).toBeGreaterThan(0); // rejected events with a readable namespace show in its history
  });

  it('authorisedAt answers bad questions with codes', () => {
    const l = replayLedger([]);
    expect(l.authorisedAt('not a purl', 'x', 1).code).toBe('NAMESPACE_INVALID');
    expect(l.authorisedAt(NS, 'x', -1).code).toBe('LOG_INDEX_INVALID');
    expect(l.authorisedAt(NS, 'x', 1.5).code).toBe('LOG_INDEX_INVALID');
  });

  it('parseKeyEventEnvelope round-trips what buildKeyEvent makes, for ECDSA keys too', () => {
    const ec = generateKey('ecdsa-p256');
    const { envelope, digest } = buildKeyEvent(
      { action: 'add', namespace: NS, previous: null, keys: [ec.publicKey], reason: 'first' },
      [ec],
    );
    const parsed = parseKeyEventEnvelope(JSON.stringify(envelope));
    expect(parsed.ok && parsed.value.digest).toBe(digest);
    expect(codes(replayLedger([{ logIndex: 0, envelope }]))).toEqual(['EVENT_APPLIED']);
  });
});

describe('Ledger.check (what a registry calls before logging)', () => {
  it('judges without applying', () => {
    const l = new Ledger();
    const e0 = buildKeyEvent(
      { action: 'add', namespace: NS, previous: null, keys: [A.publicKey] },
      [A],
    );
    expect(l.check(e0.envelope, 0)).toMatchObject({ status: 'applied' });
    expect(l.history(NS)).toHaveLength(0);
    l.apply({ logIndex: 0, envelope: e0.envelope });
    expect(l.head(NS)).toBe(e0.digest);
    expect(l.check(e0.envelope, 1)).toMatchObject({ status: 'rejected', code: 'EVENT_REPLAYED' });
    const e1 = buildKeyEvent(
      { action: 'add', namespace: NS, previous: e0.digest, keys: [B.publicKey] },
      [MALLORY],
    );
    expect(l.check(e1.envelope, 1)).toMatchObject({
      status: 'rejected',
      code: 'SIGNER_NOT_AUTHORISED',
    });
    expect(l.authorisedAt(NS, A.publicKey.keyId, 1).allowed).toBe(true);
  });
});
