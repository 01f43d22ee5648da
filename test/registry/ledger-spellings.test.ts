// Issue 15: the ledger routes fold package names the way releases do (src/ecosystems/release-key.ts).
// PyPI `zope.interface` and `zope-interface` are one project (PEP 503) but two canonical purls: a
// client asking under either spelling must see the one ledger, and no spelling may start another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DsseEnvelope } from '../../src/core/dsse.js';
import { generateKey } from '../../src/core/keys.js';
import { writeZip } from '../../src/ecosystems/golang/make-zip.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { expectRefused, startRegistry, type TestRegistry } from '../helpers/registry-http.js';

let t: TestRegistry;
let alice: string;
let mallory: string;
const enc = encodeURIComponent;
const LEDGERED = 'pkg:pypi/zope-interface';
const SECOND = 'pkg:pypi/zope.interface';

const addEvent = (namespace: string) => {
  const k = generateKey();
  return buildKeyEvent({ namespace, previous: null, action: 'add', keys: [k.publicKey] }, [k])
    .envelope;
};
const wheel = (name: string, version: string) =>
  writeZip([
    {
      name: `${name.replace(/[-.]/g, '_')}-${version}.dist-info/METADATA`,
      data: Buffer.from(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`),
    },
    { name: `${name.replace(/[-.]/g, '_')}/__init__.py`, data: Buffer.from('v = 1\n') },
  ]);
const ledgerOf = async (ns: string) => {
  const r = await t.call(t.admin, 'GET', `/api/v1/ledger/${enc(ns)}`);
  expect(r.status, r.text).toBe(200);
  return r.json;
};
const payloadOf = (e: DsseEnvelope) =>
  JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8')) as {
    predicate: { heads: Record<string, unknown> };
  };

beforeAll(async () => {
  t = await startRegistry('spellings');
  alice = await t.tokenFor('alice');
  mallory = await t.tokenFor('mallory');
  const r = await t.keyEvent(alice, addEvent(LEDGERED));
  expect(r.status, r.text).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

describe('ledger routes fold spellings as releases do', () => {
  it('GET /api/v1/ledger/<second spelling> answers the ledger of the first: same ledger, keys, head and events', async () => {
    const first = await ledgerOf(LEDGERED);
    expect(first['head']).not.toBeNull();
    for (const spelling of [SECOND, 'pkg:pypi/Zope_Interface', 'pkg:pypi/zope.interface@5.0']) {
      const other = await ledgerOf(spelling);
      expect(other['namespace']).toBe(spelling);
      expect(other['ledger']).toBe(LEDGERED);
      for (const field of ['keys', 'head', 'history', 'events'])
        expect(other[field], `${spelling}: ${field}`).toEqual(first[field]);
    }
  });

  it('the batch lookup without a tree size gives the second spelling the same ledger and events', async () => {
    const r = await t.call(t.admin, 'POST', '/api/v1/ledger/lookup', {
      namespaces: [LEDGERED, SECOND],
    });
    expect(r.status, r.text).toBe(200);
    const ledgers = r.json['ledgers'] as Record<string, { ledger: string; events: unknown[] }>;
    expect(ledgers[SECOND]!.ledger).toBe(LEDGERED);
    expect(ledgers[SECOND]!.events).toHaveLength(1);
    expect(ledgers[SECOND]).toEqual(ledgers[LEDGERED]);
  });

  it('the proven lookup answers the second spelling with the ledger spelling, its proven events, and signs a head for that spelling only', async () => {
    const size = Number(String((await ledgerOf(LEDGERED))['checkpoint']).split('\n')[1]);
    const r = await t.call(t.admin, 'POST', '/api/v1/ledger/lookup', {
      namespaces: [SECOND],
      treeSize: size,
    });
    expect(r.status, r.text).toBe(200);
    const answer = (r.json['ledgers'] as Record<string, { namespace: string; events: unknown[] }>)[
      SECOND
    ]!;
    expect(answer.namespace).toBe(LEDGERED);
    expect(answer.events).toHaveLength(1);
    // The registry signs where the ledger of LEDGERED stands, never a head of its own for SECOND.
    const heads = payloadOf(r.json['heads'] as DsseEnvelope).predicate.heads;
    expect(Object.keys(heads)).toEqual([LEDGERED]);
    expect(heads[LEDGERED]).toMatchObject({ events: 1 });
  });

  it('nothing lets a second spelling get a ledger of its own: a key event, a publish carrying one, or a race', async () => {
    const before = await ledgerOf(LEDGERED);
    for (const token of [mallory, alice])
      expectRefused(await t.keyEvent(token, addEvent(SECOND)), 409, 'NAME_TAKEN', LEDGERED);
    const publishUnderSecond = (token: string) =>
      t.publish(token, wheel('zope.interface', '1.0'), {
        filename: 'zope_interface-1.0-py3-none-any.whl',
        keyEvents: [addEvent(SECOND)],
      });
    // Another account is not let in under the other spelling; the owner is told the one spelling.
    expectRefused(await publishUnderSecond(mallory), 403, 'NAMESPACE_FORBIDDEN', LEDGERED);
    expectRefused(await publishUnderSecond(alice), 409, 'NAME_TAKEN', LEDGERED);
    // Two new spellings of one new project at once: exactly one ledger starts.
    const racers = await Promise.all(
      ['pkg:pypi/race-pkg', 'pkg:pypi/race.pkg'].map((ns) => t.keyEvent(alice, addEvent(ns))),
    );
    expect(racers.map((a) => a.status).sort()).toEqual([201, 409]);
    const winner = String(racers.find((a) => a.status === 201)!.json['namespace']);
    for (const ns of ['pkg:pypi/race-pkg', 'pkg:pypi/race.pkg'])
      expect((await ledgerOf(ns))['ledger']).toBe(winner);
    // The refused events left nothing behind: the first ledger is as it was.
    const after = await ledgerOf(SECOND);
    expect(after['head']).toEqual(before['head']);
    expect(after['events']).toHaveLength(1);
  });
});
